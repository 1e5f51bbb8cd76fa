/** An error answered as an RFC 9457 problem with a given status. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: { code?: string; errors?: { path: string; message: string }[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict',
  412: 'Precondition Failed', 413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export const statusTitle = (status: number): string => TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Longest request path echoed as a problem's `instance` (a longer one is an attack, not a reference). */
const MAX_INSTANCE_LENGTH = 512;

/** A problem's `instance`: the request's path, never its query (search text), and none when absurdly long. */
export function instanceOf(url: string): string | undefined {
  const path = url.split('?')[0]!;
  return path.length <= MAX_INSTANCE_LENGTH ? path : undefined;
}
