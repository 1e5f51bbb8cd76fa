/**
 * Stream access control as a secure KurrentDB node applies it (the "legacy" policy, the
 * default): each rule below names the server file it follows, under src/ of KurrentDB.
 */

/** Roles per action; a field left out falls back to the next level (StreamAcl.cs). */
export interface StreamAcl {
  read?: string[];
  write?: string[];
  delete?: string[];
  metaRead?: string[];
  metaWrite?: string[];
}

/** `$settings`: the defaults for user streams and for `$`-prefixed streams (SystemSettings.cs). */
export interface SystemSettings {
  userStreamAcl?: StreamAcl;
  systemStreamAcl?: StreamAcl;
}

/** Who is calling: the claims InternalAuthenticationProvider.CreatePrincipal gives a user. */
export interface Principal {
  name: string;
  /** The user's groups, e.g. `$admins`, `$ops`. */
  roles: string[];
}

export type Operation = 'read' | 'write' | 'delete';
export type Action = keyof StreamAcl;

export const ROLE_ADMINS = '$admins';
export const ROLE_OPS = '$ops';
export const ROLE_ALL = '$all';
export const ALL_STREAM = '$all';
export const SETTINGS_STREAM = '$settings';

/** SystemSettings.Default: user streams public, system streams for `$admins` only. */
const DEFAULT_USER_ACL: Required<StreamAcl> = { read: [ROLE_ALL], write: [ROLE_ALL], delete: [ROLE_ALL], metaRead: [ROLE_ALL], metaWrite: [ROLE_ALL] };
const DEFAULT_SYSTEM_ACL: Required<StreamAcl> = { read: [ROLE_ADMINS], write: [ROLE_ADMINS], delete: [ROLE_ADMINS], metaRead: [ROLE_ADMINS], metaWrite: [ROLE_ADMINS] };

const ACL_KEYS: Record<string, Action> = { $r: 'read', $w: 'write', $d: 'delete', $mr: 'metaRead', $mw: 'metaWrite' };

/**
 * An `$acl` object (StreamMetadata.ReadAcl): each of `$r/$w/$d/$mr/$mw` a role or a list of
 * roles. Anything else is not an ACL: undefined, so the defaults apply.
 */
export function parseAcl(value: unknown): StreamAcl | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const acl: StreamAcl = {};
  for (const [key, roles] of Object.entries(value as Record<string, unknown>)) {
    const action = ACL_KEYS[key];
    if (!action) continue;
    if (typeof roles === 'string') acl[action] = [roles];
    else if (Array.isArray(roles) && roles.every((r) => typeof r === 'string')) acl[action] = roles as string[];
    else return undefined;
  }
  return acl;
}

/** The `$settings` event's data (SystemSettings.FromJsonBytes); unreadable settings count as none. */
export function parseSystemSettings(data: Uint8Array): SystemSettings {
  try {
    const raw: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    if (raw === null || typeof raw !== 'object') return {};
    const r = raw as Record<string, unknown>;
    const settings: SystemSettings = {};
    const user = parseAcl(r.$userStreamAcl);
    const system = parseAcl(r.$systemStreamAcl);
    if (user) settings.userStreamAcl = user;
    if (system) settings.systemStreamAcl = system;
    return settings;
  } catch {
    return {};
  }
}

/** `$admins` may do everything (WellKnownAssertions.Admin: the role, or the user `admin`). */
export const isAdmin = (p: Principal): boolean => p.name === 'admin' || p.roles.includes(ROLE_ADMINS);

export interface AclSource {
  /** The `$acl` in the metadata of `stream`, if any. */
  streamAcl(stream: string): StreamAcl | undefined;
  settings(): SystemSettings;
}

/**
 * What an operation on a stream asks of that stream's rights, under the ACLs and the stream
 * policy alike (LegacyStreamPermissionAssertion.cs, StreamPolicyAssertion.cs): reading or writing
 * a metastream `$$<stream>` is the metadata right of `<stream>`; undefined when refused to
 * everyone, admins included (writing or deleting `$all`, deleting a metastream).
 */
export function demandOf(operation: Operation, streamId: string): { stream: string; action: Action } | undefined {
  if (streamId === ALL_STREAM && operation !== 'read') return undefined;
  if (!streamId.startsWith('$$')) return { stream: streamId, action: operation };
  if (operation === 'delete') return undefined;
  return { stream: streamId.slice(2), action: operation === 'read' ? 'metaRead' : 'metaWrite' };
}

/**
 * Whether `principal` may perform `operation` on `streamId` (LegacyStreamPermissionAssertion.cs
 * with the effective ACL of IndexReader.GetEffectiveAcl). Anonymous callers (undefined) are
 * refused: stream access requires authentication unless AllowAnonymousStreamAccess
 * (LegacyPolicySelectorFactory.cs, default off in ClusterVNodeOptions.cs).
 */
export function mayAccess(principal: Principal | undefined, operation: Operation, streamId: string, acls: AclSource): boolean {
  if (!principal) return false;
  const demand = demandOf(operation, streamId);
  if (!demand) return false;
  const { stream, action } = demand;
  if (isAdmin(principal)) return true;
  const system = stream.startsWith('$');
  const settings = acls.settings();
  const defaults = system ? DEFAULT_SYSTEM_ACL : DEFAULT_USER_ACL;
  const sys = (system ? settings.systemStreamAcl : settings.userStreamAcl) ?? defaults;
  const own = acls.streamAcl(stream) ?? sys;
  const roles = own[action] ?? sys[action] ?? defaults[action];
  return roles.includes(ROLE_ALL) || isListed(principal, roles);
}

/** A role list names the user itself or one of its groups. */
export const isListed = (p: Principal, roles: readonly string[]): boolean => roles.some((role) => role === p.name || p.roles.includes(role));
