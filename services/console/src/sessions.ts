/**
 * The session cookie and what every /api call checks: a live session (else 401, and a stale
 * cookie is cleared) and, for a state-changing call, its CSRF token (else 403). The cookie is
 * httpOnly and SameSite=Strict, Secure (with the `__Host-` prefix) when served over TLS.
 * A session lasts at most `maxAgeMs` from sign-in; an access token about to expire is renewed
 * at the identity provider first, and a session whose renewal is refused ends.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '@cfund/service-kit';
import { CSRF_HEADER, CsrfTokens, isSafeMethod } from './csrf.js';
import type { Session, SessionStore } from './session-store.js';
import type { SignedIn, TokenRenewal } from './sign-in/sign-in.js';

/** Renewed this long before the access token expires, so a call never carries one about to lapse. */
const RENEW_BEFORE_MS = 30_000;

export interface SessionsOptions {
  secureCookie: boolean;
  /** Absolute limit of a session from sign-in (SESSION_MAX_AGE). */
  maxAgeMs: number;
  now: () => number;
  renewal?: TokenRenewal;
}

export class Sessions {
  readonly cookieName: string;
  /** Renewals under way, by session: concurrent calls wait for the same one. */
  private readonly renewing = new Map<string, Promise<Session>>();

  constructor(readonly store: SessionStore, readonly csrf: CsrfTokens, private readonly options: SessionsOptions) {
    this.cookieName = options.secureCookie ? '__Host-cfund-session' : 'cfund-session';
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

  /**
   * The request's live session when its access token needs no renewal now; otherwise none, and
   * nothing is changed (the app then asks GET /api/session, which renews or says why not).
   */
  current(request: FastifyRequest): Session | undefined {
    const id = request.cookies[this.cookieName];
    const session = id === undefined ? undefined : this.store.get(id);
    return session && !this.needsRenewal(session) ? session : undefined;
  }

  /** Whether the session's access token is about to expire and can be renewed at the provider. */
  private needsRenewal(session: Session): boolean {
    return !!this.options.renewal && !!session.provider?.refreshToken && this.options.now() >= session.accessTokenExpiresAt - RENEW_BEFORE_MS;
  }

  /** As `require`, with an access token that is not about to expire (renewed at the provider when it is). */
  async requireFresh(request: FastifyRequest, reply: FastifyReply): Promise<Session> {
    const session = this.require(request, reply);
    if (!this.needsRenewal(session)) return session;
    let pending = this.renewing.get(session.id);
    if (!pending) {
      pending = this.options.renewal!.renew(session).then((renewed) => Object.assign(session, renewed))
        .finally(() => this.renewing.delete(session.id));
      this.renewing.set(session.id, pending);
    }
    try {
      return await pending;
    } catch (error) {
      request.log.warn({ err: (error as Error).message }, 'session renewal refused: the session ends');
      this.close(session, reply);
      throw new HttpProblem(401, 'Unauthorized', 'Your sign-in could not be renewed at the identity provider, so your session has ended: sign in again.', { code: 'session-renewal-failed' });
    }
  }

  /** Starts a session and sets its cookie (a new id at every sign-in: no fixation). */
  open(reply: FastifyReply, signedIn: SignedIn): Session {
    const limit = this.options.now() + this.options.maxAgeMs;
    // Nothing renews a token without a refresh token: the session ends with it.
    const expiresAt = signedIn.provider?.refreshToken ? limit : Math.min(limit, signedIn.accessTokenExpiresAt);
    const session = this.store.create(signedIn, expiresAt);
    reply.setCookie(this.cookieName, session.id, { ...this.cookieOptions(), expires: new Date(expiresAt) });
    return session;
  }

  close(session: Session, reply: FastifyReply): void {
    this.store.delete(session.id);
    this.clear(reply);
  }

  cookieOptions(path = '/') {
    return { path, httpOnly: true, sameSite: 'strict' as const, secure: this.options.secureCookie };
  }

  private clear(reply: FastifyReply): void {
    reply.clearCookie(this.cookieName, this.cookieOptions());
  }
}

export const csrfRefused = () =>
  new HttpProblem(403, 'Forbidden', `This call changes something and must carry the ${CSRF_HEADER} header of your session: reload the page.`, { code: 'csrf' });

/** What the browser may know of its session: never a token. */
export const sessionView = (sessions: Sessions, session: Session) => ({
  principal: session.principal,
  csrfToken: sessions.csrfTokenOf(session),
  expiresAt: new Date(session.expiresAt).toISOString(),
});
