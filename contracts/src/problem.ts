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
  /** Field errors of a 400, by path. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;
