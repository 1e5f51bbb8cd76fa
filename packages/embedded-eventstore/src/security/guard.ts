import type { Metadata } from '@grpc/grpc-js';
import { AccessDenied, NotAuthenticated } from '../errors.js';
import type { EventStore } from '../store.js';
import {
  mayAccess, parseSystemSettings, SETTINGS_STREAM, type Operation, type Principal, type StreamAcl,
  type SystemSettings,
} from './acl.js';
import {
  DEFAULT_POLICY_EVENT_ID, DEFAULT_STREAM_POLICY, mayAccessByPolicy, NOT_READY, parsePolicyType, parseStreamPolicy,
  POLICIES_STREAM, POLICY_EVENT, POLICY_SETTINGS_STREAM, type PolicyType, type StreamRules,
} from './stream-policy.js';
import type { Authentication, Users } from './users.js';

/**
 * Authentication and stream access control for the gRPC handlers. Without users (insecure
 * mode, like the server's `--insecure`) every call is allowed.
 */
export class Guard {
  private settingsAt = -1;
  private cachedSettings: SystemSettings = {};
  private readonly policySettings: NewestValid<PolicyType>;
  private readonly policies: NewestValid<StreamRules>;
  private writingDefaultPolicy = false;

  /**
   * `defaultPolicyType`: the node's `Authorization:PolicyType`, used while
   * `$authorization-policy-settings` holds no event (StreamBasedAuthorizationPolicyRegistry.LoadSettings).
   */
  constructor(
    private readonly store: EventStore,
    private readonly users: Users | undefined,
    private readonly defaultPolicyType: PolicyType = 'acl',
  ) {
    this.policySettings = new NewestValid(store, POLICY_SETTINGS_STREAM, parsePolicyType);
    this.policies = new NewestValid(store, POLICIES_STREAM, parseStreamPolicy);
  }

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
    const type = this.policyType();
    const allowed = type === 'acl'
      ? mayAccess(principal, operation, stream, this)
      : mayAccessByPolicy(principal, operation, stream, type === 'streampolicy' ? this.streamRules() : NOT_READY);
    if (!allowed) throw new AccessDenied();
  }

  /**
   * The policy in force: the newest event of `$authorization-policy-settings` that names a known
   * type; events but none valid restrict access to admins (`system-fallback`); no event, the
   * node's default.
   */
  policyType(): PolicyType {
    const { value, empty } = this.policySettings.read();
    return value ?? (empty ? this.defaultPolicyType : 'system-fallback');
  }

  /**
   * The newest valid `$policy-updated` of `$policies` (StreamBasedPolicySelector: an invalid one
   * keeps the one before); none, nobody but admins (the plugin's not-ready policy). Enabling the
   * plugin on a node without `$policies` writes the default policy there (StreamPolicyWriter).
   */
  private streamRules(): StreamRules {
    const s = this.store.stream(POLICIES_STREAM);
    if (!s || (s.events.length === 0 && !s.tombstoned)) this.writeDefaultPolicy();
    return this.policies.read().value ?? NOT_READY;
  }

  private writeDefaultPolicy(): void {
    if (this.writingDefaultPolicy) return;
    this.writingDefaultPolicy = true;
    const data = Buffer.from(JSON.stringify(DEFAULT_STREAM_POLICY), 'utf8');
    // Expected: no stream. Someone else's policy written first wins (the server's WrongExpectedVersion).
    this.store.append(POLICIES_STREAM, { kind: 'no_stream' }, [{ id: DEFAULT_POLICY_EVENT_ID, type: POLICY_EVENT, isJson: true, data, metadata: new Uint8Array(0) }])
      .catch(() => undefined)
      .finally(() => { this.writingDefaultPolicy = false; });
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

/**
 * A system stream read as its newest event that parses (the server's policy registries skip an
 * invalid one), re-read only when the stream has grown. `empty`: no event (or tombstoned).
 */
class NewestValid<T> {
  private at = -1;
  private last: { value: T | undefined; empty: boolean } = { value: undefined, empty: true };

  constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private readonly parse: (type: string, data: Uint8Array) => T | undefined,
  ) {}

  read(): { value: T | undefined; empty: boolean } {
    const s = this.store.stream(this.streamId);
    const count = s?.events.length ?? 0;
    if (count !== this.at) {
      this.at = count;
      let value: T | undefined;
      for (let i = count - 1; s && !s.tombstoned && value === undefined && i >= 0; i--) {
        const e = this.store.eventAt(s.events[i]!);
        value = this.parse(e.type, e.data);
      }
      this.last = { value, empty: count === 0 || s!.tombstoned };
    }
    return this.last;
  }
}
