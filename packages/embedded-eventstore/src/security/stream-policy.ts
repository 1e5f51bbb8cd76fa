/**
 * Stream access by stream prefix: KurrentDB's stream policy authorization
 * (src/KurrentDB.Auth.StreamPolicyPlugin), the alternative to the legacy ACLs that a node
 * switches to through `$authorization-policy-settings`
 * (src/KurrentDB.Core/Authorization/AuthorizationPolicies/StreamBasedAuthorizationPolicyRegistry.cs).
 * On a real node the plugin needs a licence (entitlement STREAM_POLICY_AUTHORIZATION); the
 * embedded store behaves as a licensed node. Each rule names the server file it follows.
 */
import { demandOf, isAdmin, isListed, ROLE_ADMINS, ROLE_ALL, ROLE_OPS, type Action, type Operation, type Principal } from './acl.js';

/** `$authorization-policy-settings` and its event (SystemNames.cs). */
export const POLICY_SETTINGS_STREAM = '$authorization-policy-settings';
export const POLICY_SETTINGS_EVENT = '$authorization-policy-changed';
/** The plugin's stream and event (StreamPolicySelector.cs). */
export const POLICIES_STREAM = '$policies';
export const POLICY_EVENT = '$policy-updated';
/** The id of the default policy the plugin writes when it is enabled (StreamPolicyWriter.cs). */
export const DEFAULT_POLICY_EVENT_ID = 'ff8b943c-60f5-49af-845c-ab7150be91d0';

/**
 * The policy types a node knows: `acl` (LegacyPolicySelectorFactory), `streampolicy` (the
 * plugin's command-line name), `system-fallback` (FallbackStreamAccessPolicySelector: admins only).
 */
export type PolicyType = 'acl' | 'streampolicy' | 'system-fallback';
const POLICY_TYPES = new Set<string>(['acl', 'streampolicy', 'system-fallback']);

/** The policy's name for each right an operation asks for. */
const RIGHT: Record<Action, keyof AccessPolicy> = { read: '$r', write: '$w', delete: '$d', metaRead: '$mr', metaWrite: '$mw' };

/** One named policy: every list required (Schema/AccessPolicy.cs). */
export interface AccessPolicy { $r: string[]; $w: string[]; $d: string[]; $mr: string[]; $mw: string[] }

/** The `$policy-updated` event's data (Schema/Policy.cs, camelCase as the plugin serialises it). */
export interface StreamPolicyDocument {
  streamPolicies: Record<string, AccessPolicy>;
  streamRules: { startsWith: string; policy: string }[];
  defaultStreamRules: { userStreams: string; systemStreams: string };
}

/** The policy the plugin writes on first enabling (StreamPolicySelector.DefaultPolicy). */
export const DEFAULT_STREAM_POLICY: StreamPolicyDocument = {
  streamPolicies: {
    publicDefault: { $r: [ROLE_ALL], $w: [ROLE_ALL], $d: [ROLE_ALL], $mr: [ROLE_ALL], $mw: [ROLE_ALL] },
    adminsDefault: { $r: [ROLE_ADMINS], $w: [ROLE_ADMINS], $d: [ROLE_ADMINS], $mr: [ROLE_ADMINS], $mw: [ROLE_ADMINS] },
    projectionsDefault: { $r: [ROLE_ALL], $w: [ROLE_ADMINS], $d: [ROLE_ADMINS], $mr: [ROLE_ALL], $mw: [ROLE_ADMINS] },
  },
  defaultStreamRules: { systemStreams: 'adminsDefault', userStreams: 'publicDefault' },
  streamRules: ['$et-', '$ce-', '$bc-', '$category-', '$streams'].map((startsWith) => ({ startsWith, policy: 'projectionsDefault' })),
};

/** A parsed policy: the access policy of a stream. */
export type StreamRules = (streamId: string) => AccessPolicy;

const NONE: AccessPolicy = { $r: [], $w: [], $d: [], $mr: [], $mw: [] };
/** Before a valid policy is read, only admins pass (StreamPolicySelector.BuildNotReadyPolicy). */
export const NOT_READY: StreamRules = () => NONE;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

/**
 * A `$policy-updated` event as the plugin reads it (StreamPolicySelector.TryParsePolicy and
 * TryParseStreamRules): the wrong type, a missing field, an empty prefix or a rule naming an
 * undefined policy make it invalid (undefined), and the node keeps the policy it had.
 */
export function parseStreamPolicy(type: string, data: Uint8Array): StreamRules | undefined {
  if (type !== POLICY_EVENT) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(raw) || !isRecord(raw.streamPolicies) || !Array.isArray(raw.streamRules) || !isRecord(raw.defaultStreamRules)) return undefined;
  const policies = new Map<string, AccessPolicy>();
  for (const [name, p] of Object.entries(raw.streamPolicies)) {
    if (!isRecord(p) || !isStrings(p.$r) || !isStrings(p.$w) || !isStrings(p.$d) || !isStrings(p.$mr) || !isStrings(p.$mw)) return undefined;
    policies.set(name, { $r: p.$r, $w: p.$w, $d: p.$d, $mr: p.$mr, $mw: p.$mw });
  }
  const rules: { startsWith: string; policy: AccessPolicy }[] = [];
  for (const rule of raw.streamRules as unknown[]) {
    if (!isRecord(rule) || !nonEmpty(rule.startsWith) || !nonEmpty(rule.policy)) return undefined;
    const policy = policies.get(rule.policy);
    if (!policy) return undefined;
    rules.push({ startsWith: rule.startsWith, policy });
  }
  const { userStreams, systemStreams } = raw.defaultStreamRules;
  if (!nonEmpty(userStreams) || !nonEmpty(systemStreams)) return undefined;
  const user = policies.get(userStreams);
  const system = policies.get(systemStreams);
  if (!user || !system) return undefined;
  // The first rule whose prefix the stream starts with; otherwise the default for its kind.
  return (streamId) => rules.find((r) => streamId.startsWith(r.startsWith))?.policy ?? (streamId.startsWith('$') ? system : user);
}

/** The `$authorization-policy-changed` event's type, or undefined if it names none a node knows. */
export function parsePolicyType(type: string, data: Uint8Array): PolicyType | undefined {
  if (type !== POLICY_SETTINGS_EVENT) return undefined;
  try {
    const raw: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    const value = isRecord(raw) ? raw.streamAccessPolicyType : undefined;
    return typeof value === 'string' && POLICY_TYPES.has(value) ? (value as PolicyType) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `principal` may perform `operation` on `streamId` under a stream policy
 * (StreamPolicyAssertion.cs): anonymous refused; writing or deleting `$all` refused; a
 * metastream's read or write is the metadata right of its stream; admins pass; a list holding
 * `$all` is public, except to a user whose only role is `$ops`; otherwise the user's name or
 * one of its roles must be listed.
 */
export function mayAccessByPolicy(principal: Principal | undefined, operation: Operation, streamId: string, rules: StreamRules): boolean {
  if (!principal) return false;
  const demand = demandOf(operation, streamId);
  if (!demand) return false;
  if (isAdmin(principal)) return true;
  const roles = rules(demand.stream)[RIGHT[demand.action]];
  const opsOnly = principal.roles.length > 0 && principal.roles.every((r) => r === ROLE_OPS);
  return (roles.includes(ROLE_ALL) && !opsOnly) || isListed(principal, roles);
}
