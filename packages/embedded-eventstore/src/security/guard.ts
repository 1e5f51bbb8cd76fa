import type { Metadata } from '@grpc/grpc-js';
import { AccessDenied, NotAuthenticated } from '../errors.js';
import type { EventStore } from '../store.js';
import {
  mayAccess, parseSystemSettings, SETTINGS_STREAM, type Operation, type Principal, type StreamAcl,
  type SystemSettings,
} from './acl.js';
import type { Authentication, Users } from './users.js';

/**
 * Authentication and stream access control for the gRPC handlers. Without users (insecure
 * mode, like the server's `--insecure`) every call is allowed.
 */
export class Guard {
  private settingsAt = -1;
  private cachedSettings: SystemSettings = {};

  constructor(private readonly store: EventStore, private readonly users: Users | undefined) {}

  get secure(): boolean {
    return this.users !== undefined;
  }

  /** Who the call's `authorization` header names; throws NotAuthenticated for bad credentials. */
  principal(metadata: Metadata): Principal | undefined {
    if (!this.users) return undefined;
    const header = metadata.get('authorization')[0];
    const auth: Authentication = this.users.authenticate(typeof header === 'string' ? header : header?.toString('utf8'));
    switch (auth.kind) {
      case 'user': return auth.principal;
      case 'anonymous': return undefined;
      case 'unauthenticated': throw new NotAuthenticated();
      default: {
        const _exhaustive: never = auth;
        return _exhaustive;
      }
    }
  }

  /** Throws AccessDenied unless `principal` may perform `operation` on `stream`. */
  demand(principal: Principal | undefined, operation: Operation, stream: string): void {
    if (!this.users) return;
    if (!mayAccess(principal, operation, stream, this)) throw new AccessDenied();
  }

  /** Authenticates the call and checks one operation: the usual case of a single-stream call. */
  check(metadata: Metadata, operation: Operation, stream: string): void {
    if (!this.users) return;
    this.demand(this.principal(metadata), operation, stream);
  }

  streamAcl(stream: string): StreamAcl | undefined {
    return this.store.stream(stream)?.metadata?.acl;
  }

  /** The last `$settings` event, re-read only when the stream has grown. */
  settings(): SystemSettings {
    const s = this.store.stream(SETTINGS_STREAM);
    const count = s?.events.length ?? 0;
    if (count !== this.settingsAt) {
      const last = s && !s.tombstoned && count > 0 ? this.store.eventAt(s.events[count - 1]!) : undefined;
      this.cachedSettings = last ? parseSystemSettings(last.data) : {};
      this.settingsAt = count;
    }
    return this.cachedSettings;
  }
}
