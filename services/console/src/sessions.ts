/**
 * The session cookie and what every /api call checks: a live session (else 401, and a stale
 * cookie is cleared) and, for a state-changing call, its CSRF token (else 403). The cookie is
 * httpOnly and SameSite=Strict, Secure (with the `__Host-` prefix) when served over TLS.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '@cfund/service-kit';
import { CSRF_HEADER, CsrfTokens, isSafeMethod } from './csrf.js';
import type { Principal, Session, SessionStore } from './session-store.js';

export class Sessions {
  readonly cookieName: string;

  constructor(readonly store: SessionStore, readonly csrf: CsrfTokens, private readonly secureCookie: boolean) {
    this.cookieName = secureCookie ? '__Host-cfund-session' : 'cfund-session';
  }

  csrfTokenOf(session: Session): string {
    return this.csrf.tokenFor(`session:${session.id}`);
  }

  /** The request's session; throws 401 (clearing a stale cookie), or 403 when a state-changing call lacks its CSRF token. */
  require(request: FastifyRequest, reply: FastifyReply): Session {
    const id = request.cookies[this.cookieName];
    const session = id === undefined ? undefined : this.store.get(id);
    if (!session) {
      if (id !== undefined) this.clear(reply);
      throw new HttpProblem(401, 'Unauthorized', 'You are not signed in, or your session has ended: sign in again.', { code: 'signed-out' });
    }
    if (!isSafeMethod(request.method) && !this.csrf.matches(`session:${session.id}`, request.headers[CSRF_HEADER])) throw csrfRefused();
    return session;
  }

  /** Starts a session and sets its cookie (a new id at every sign-in: no fixation). */
  open(reply: FastifyReply, principal: Principal, accessToken: string, expiresAt: number): Session {
    const session = this.store.create(principal, accessToken, expiresAt);
    reply.setCookie(this.cookieName, session.id, { ...this.cookieOptions(), expires: new Date(expiresAt) });
    return session;
  }

  close(session: Session, reply: FastifyReply): void {
    this.store.delete(session.id);
    this.clear(reply);
  }

  cookieOptions(path = '/') {
    return { path, httpOnly: true, sameSite: 'strict' as const, secure: this.secureCookie };
  }

  private clear(reply: FastifyReply): void {
    reply.clearCookie(this.cookieName, this.cookieOptions());
  }
}

export const csrfRefused = () =>
  new HttpProblem(403, 'Forbidden', `This call changes something and must carry the ${CSRF_HEADER} header of your session: reload the page.`, { code: 'csrf' });

/** What the browser may know of its session: never the token. */
export const sessionView = (sessions: Sessions, session: Session) => ({
  principal: session.principal,
  csrfToken: sessions.csrfTokenOf(session),
  expiresAt: new Date(session.expiresAt).toISOString(),
});
