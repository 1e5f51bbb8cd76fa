/**
 * Calls to the console's own /api (same origin). The session cookie travels by itself; the
 * CSRF token of the session, kept in memory only, goes with every state-changing call.
 */
export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

let csrfToken: string | undefined;
export const setCsrfToken = (token: string | undefined): void => {
  csrfToken = token;
};

/** Called when the console answers 401: the session is over. */
let onSignedOut: () => void = () => undefined;
export const whenSignedOut = (handler: () => void): void => {
  onSignedOut = handler;
};

export async function api<T>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ body: T; headers: Headers }> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/api/sign-in')) onSignedOut();
    throw new ApiError({ status: response.status, ...(parsed as Omit<Problem, 'status'>) });
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
