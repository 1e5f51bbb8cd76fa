/**
 * Synchronizer tokens against cross-site requests: a state-changing call must carry, in the
 * `X-CSRF-Token` header, the token of its session (read from GET /api/session, which a
 * cross-site page cannot read). Derived with an HMAC from what it is bound to, so nothing more
 * is stored; the key lives as long as the process, like the sessions.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-csrf-token';

export class CsrfTokens {
  private readonly key = randomBytes(32);

  /** `binding`: what the token belongs to, e.g. `session:<id>`. */
  tokenFor(binding: string): string {
    return createHmac('sha256', this.key).update(binding).digest('base64url');
  }

  matches(binding: string, presented: string | string[] | undefined): boolean {
    if (typeof presented !== 'string') return false;
    const expected = Buffer.from(this.tokenFor(binding));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** Methods that change nothing and need no token. */
export const isSafeMethod = (method: string): boolean => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
