/**
 * Calls to the console's own /api (same origin). The session cookie travels by itself; the
 * CSRF token of the session, kept in memory only, goes with every state-changing call.
 */
export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  code?: string;
  /** The facts of a domain refusal (a cap, a due date, a year): the words of refusal.<code> name them. */
  details?: Record<string, unknown>;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

/** The session's token (signing in carries the sign-in page's own, in its headers). */
let csrfToken: string | undefined;
export const setCsrfToken = (token: string | undefined): void => {
  csrfToken = token;
};

/** Called when the console answers 401: the session is over (the problem says why). */
let onSignedOut: (problem: Problem) => void = () => undefined;
export const whenSignedOut = (handler: (problem: Problem) => void): void => {
  onSignedOut = handler;
};

export async function api<T>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ body: T; headers: Headers }> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(method !== 'GET' && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
    ...init.headers,
  };
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  return answerOf<T>(path, response);
}

/** A file's text as the body of a POST (a bank statement: application/xml), with the session's CSRF token. */
export async function postText<T>(path: string, contentType: string, text: string): Promise<{ body: T; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': contentType, ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) };
  return answerOf<T>(path, await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: text }));
}

/** A document's upload as multipart/form-data (the browser streams the file), with the session's CSRF token. */
export async function upload<T>(path: string, form: FormData): Promise<{ body: T; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) };
  return answerOf<T>(path, await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: form }));
}

async function answerOf<T>(path: string, response: Response): Promise<{ body: T; headers: Headers }> {
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const problem: Problem = { status: response.status, ...(parsed as Omit<Problem, 'status'>) };
    // The first question, whether a session is open, is no news of a session ending.
    if (response.status === 401 && path !== '/api/session' && !path.startsWith('/api/sign-in')) onSignedOut(problem);
    throw new ApiError(problem);
  }
  return { body: parsed as T, headers: response.headers };
}

export interface Principal {
  sub: string;
  name: string;
  roles: string[];
  jurisdictions: string[];
}

export interface SessionView {
  principal: Principal;
  csrfToken: string;
  expiresAt: string;
}
