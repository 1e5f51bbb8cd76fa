/**
 * Sessions held in memory: the browser has only an unguessable id, the tokens stay here.
 * Bounded: past `limit` the least recently used session ends, and a session ends when unused for
 * `idleMs` or at its `expiresAt`. A restart ends every session (people sign in again).
 */
import { randomBytes } from 'node:crypto';
import type { SignedIn } from './sign-in/sign-in.js';

export interface Principal {
  sub: string;
  name: string;
  roles: string[];
  jurisdictions: string[];
}

export interface Session extends SignedIn {
  id: string;
  /** Epoch ms: the session is over then whatever its use (its absolute limit, or its token's end when nothing renews it). */
  expiresAt: number;
  lastSeenAt: number;
}

export class SessionStore {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: { limit: number; idleMs: number; now: () => number }) {}

  get size(): number {
    return this.sessions.size;
  }

  create(signedIn: SignedIn, expiresAt: number): Session {
    while (this.sessions.size >= this.options.limit) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    const session: Session = { ...signedIn, id: randomBytes(32).toString('base64url'), expiresAt, lastSeenAt: this.options.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of `id`, marked as used; undefined when unknown, idle too long or expired. */
  get(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.options.now();
    this.sessions.delete(id);
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.options.idleMs) return undefined;
    session.lastSeenAt = now;
    this.sessions.set(id, session);
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }
}
