import { z } from 'zod';

/** RFC 9457 problem details, the body of every error (`application/problem+json`). */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  instance: z.string().optional(),
  /** A stable code for domain refusals (409), e.g. `late-filing`, `four-eyes`. */
  code: z.string().optional(),
  /** The facts behind a domain refusal (a cap, a due date, a year), for a client to word it in its own language; never personal data. */
  details: z.record(z.string(), z.unknown()).optional(),
  /** Field errors of a 400, by path. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export { problemType } from './values.js';

/** The answer to one of a package's own errors (the errors plugin adds `instance`). */
export interface ErrorProblem extends Pick<Problem, 'type' | 'title' | 'status' | 'detail' | 'code' | 'details'> {
  /** Response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** Logged at warn level with the error: the fault lies outside the request (a store down). */
  warn?: string;
}

/** How a package answers its own errors: the problem for one of them, undefined for any other error. */
export type ErrorProblemMapping = (error: unknown) => ErrorProblem | undefined;
