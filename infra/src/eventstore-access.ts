/**
 * Who may do what in the event store: one user per service that uses it, in the group
 * `cfund-services`, with the stream ACLs a secure KurrentDB node understands (the legacy policy:
 * `$settings` defaults and stream metadata). The same steps work on a real cluster;
 * services/README.md lists them as commands for an operator.
 *
 * What the services need (grep readAll / subscribeToAll / readStream / append in services/ and
 * packages/): each reads and writes user streams (command: claim-, fund-, paymentrun-,
 * bankstatement-, idempotency-; projection: access-; notification: notification-, webhook-,
 * notificationsettings-). Two read `$all`: the command service (the relay's subscription and
 * checkpoint) and the projection (rebuilds); the notification service reads what it needs of it
 * from NATS (its catch-up and its shared state follow CFUND_EVENTS). None deletes a stream,
 * reads or writes stream metadata, touches a `$`-stream, or manages users.
 */
import { EventStoreDBClient, jsonEvent, LoginConflictError, StreamNotFoundError } from '@eventstore/db-client';
import { STREAM_CATEGORIES } from '@cfund/contracts';
import { EventStoreUsers } from '@cfund/embedded-eventstore';

/** The group of every service user; the ACLs name it, so adding a service is adding a user. */
export const SERVICES_GROUP = 'cfund-services';
const ADMINS = '$admins';

/** The event store user of a service, e.g. `cfund-command`. */
export const eventStoreLogin = (service: string): string => `cfund-${service}`;

/** Who reads `$all`: the relay (hosted by the command service) and the projection's rebuilds. */
const ALL_READERS = [eventStoreLogin('command'), eventStoreLogin('projection')];

/**
 * `$settings` (SystemSettings.cs): every right on user streams spelt out, since a right left out
 * falls back to the default `$all` (every authenticated user). Reading and writing for the
 * services; deleting and metadata for `$admins` only. System streams keep the default: `$admins`.
 * Legacy ACLs cannot tell stream categories apart (no prefixes), so every service may write
 * every user stream; see services/README.md for what separates them on a licensed cluster.
 */
export const STREAM_SETTINGS = {
  $userStreamAcl: { $r: [SERVICES_GROUP], $w: [SERVICES_GROUP], $d: [ADMINS], $mr: [ADMINS], $mw: [ADMINS] },
  $systemStreamAcl: { $r: [ADMINS], $w: [ADMINS], $d: [ADMINS], $mr: [ADMINS], $mw: [ADMINS] },
} as const;

/**
 * The metadata of `$all` (`$$$all`): reading `$all` is checked against its own ACL first
 * (LegacyStreamPermissionAssertion.cs, IndexReader.GetEffectiveAcl), so its readers may read and
 * subscribe to it without being `$admins`. Nobody writes or deletes `$all` anyway.
 */
export const ALL_STREAM_ACL = { $r: ALL_READERS, $mr: [ADMINS], $mw: [ADMINS] } as const;

/**
 * How the store decides stream access: `acl`, the legacy ACLs every node has (every service may
 * write every user stream); `stream-policy`, rules by stream prefix (KurrentDB's stream policy
 * authorization, licensed on a real node; the embedded store has it): each service writes only
 * its own categories. The ACLs are set in both modes, so a node whose plugin cannot be enabled
 * keeps them.
 */
export type EventStoreAuthorization = 'acl' | 'stream-policy';
export const EVENT_STORE_AUTHORIZATIONS: readonly EventStoreAuthorization[] = ['acl', 'stream-policy'];

/** The readiness probe's stream (service-kit's READINESS_PROBE_STREAM; a test pins them equal). */
const READINESS_PROBE = 'cfund-readiness-probe';
/** The idempotency records' streams (@cfund/eventstore's IdempotencyStore default prefix). */
const IDEMPOTENCY = 'idempotency';

const rights = (read: string[], write: string[]) => ({ $r: read, $w: write, $d: [ADMINS], $mr: [ADMINS], $mw: [ADMINS] });
const user = eventStoreLogin;

/**
 * The stream policy (`$policies`, event `$policy-updated`; KurrentDB.Auth.StreamPolicyPlugin's
 * schema): per stream category, who reads and who writes; deleting and metadata for `$admins`;
 * a stream of no category here, and every `$`-stream, for `$admins` only. The projection reads
 * every category (its consumer fills a gap in any stream it is sent); each writer writes its own.
 */
export const STREAM_POLICY = {
  streamPolicies: {
    commandWrites: rights([user('command'), user('projection')], [user('command')]),
    claims: rights([user('command'), user('projection'), user('notification')], [user('command')]),
    projectionWrites: rights([user('projection')], [user('projection')]),
    notificationWrites: rights([user('notification'), user('projection')], [user('notification')]),
    services: rights([SERVICES_GROUP], []),
    allReaders: rights(ALL_READERS, []),
    admins: rights([ADMINS], [ADMINS]),
  },
  streamRules: [
    { startsWith: `${STREAM_CATEGORIES.claim}-`, policy: 'claims' },
    ...[STREAM_CATEGORIES.fund, STREAM_CATEGORIES.paymentRun, STREAM_CATEGORIES.bankStatement, IDEMPOTENCY]
      .map((category) => ({ startsWith: `${category}-`, policy: 'commandWrites' })),
    { startsWith: `${STREAM_CATEGORIES.access}-`, policy: 'projectionWrites' },
    ...[STREAM_CATEGORIES.notification, STREAM_CATEGORIES.webhook, STREAM_CATEGORIES.notificationSettings]
      .map((category) => ({ startsWith: `${category}-`, policy: 'notificationWrites' })),
    // Read by every service's /ready, never written.
    { startsWith: READINESS_PROBE, policy: 'services' },
    // The relay and rebuilds (services/README.md).
    { startsWith: '$all', policy: 'allReaders' },
  ],
  defaultStreamRules: { userStreams: 'admins', systemStreams: 'admins' },
};

export interface ServiceAccount {
  service: string;
  password: string;
}

/**
 * Creates (or brings back in line) each service's user and sets the ACLs, as `admin`. Safe to run
 * at every start: nothing is written when everything is already so. A user whose stored password
 * differs from `password` (its file was replaced) gets `password`.
 */
export async function provisionEventStoreAccess(
  adminConnectionString: string, accounts: ServiceAccount[], authorization: EventStoreAuthorization = 'acl',
): Promise<void> {
  const client = EventStoreDBClient.connectionString(adminConnectionString);
  try {
    const users = new EventStoreUsers(client);
    const existing = new Map((await users.listAllUsers()).map((u) => [u.loginName, u]));
    for (const { service, password } of accounts) {
      const login = eventStoreLogin(service);
      const fullName = `cfund ${service} service`;
      try {
        await users.createUser(login, fullName, [SERVICES_GROUP], password);
      } catch (error) {
        if (!(error instanceof LoginConflictError)) throw error;
        await users.resetPassword(login, password);
      }
      const found = existing.get(login);
      if (found && (found.disabled || found.groups.join() !== SERVICES_GROUP)) {
        await users.updateUser(login, fullName, [SERVICES_GROUP]);
        await users.enableUser(login);
      }
    }
    if (!sameJson(await lastData(client, '$settings'), STREAM_SETTINGS)) {
      await client.appendToStream('$settings', jsonEvent({ type: 'update-default-acl', data: STREAM_SETTINGS }));
    }
    const allMetadata = { $acl: ALL_STREAM_ACL };
    if (!sameJson(await lastData(client, '$$$all'), allMetadata)) {
      await client.appendToStream('$$$all', jsonEvent({ type: '$metadata', data: allMetadata }));
    }
    await setAuthorization(client, authorization);
  } finally {
    await client.dispose();
  }
}

/**
 * The policy first, then the switch (an event in `$authorization-policy-settings`, as the
 * server's sample requests do), so no moment runs on the plugin's default policy. Back to `acl`
 * only when the stream says otherwise; a node never switched keeps its configured default.
 */
async function setAuthorization(client: EventStoreDBClient, authorization: EventStoreAuthorization): Promise<void> {
  const current = (await lastData(client, '$authorization-policy-settings') as { streamAccessPolicyType?: unknown } | undefined)?.streamAccessPolicyType;
  if (authorization === 'stream-policy') {
    if (!sameJson(await lastData(client, '$policies'), STREAM_POLICY)) {
      await client.appendToStream('$policies', jsonEvent({ type: '$policy-updated', data: STREAM_POLICY }));
    }
    if (current !== 'streampolicy') {
      await client.appendToStream('$authorization-policy-settings', jsonEvent({ type: '$authorization-policy-changed', data: { streamAccessPolicyType: 'streampolicy' } }));
    }
  } else if (current !== undefined && current !== 'acl') {
    await client.appendToStream('$authorization-policy-settings', jsonEvent({ type: '$authorization-policy-changed', data: { streamAccessPolicyType: 'acl' } }));
  }
}

async function lastData(client: EventStoreDBClient, stream: string): Promise<unknown> {
  let data: unknown;
  try {
    // Read to the end rather than leave the loop early: a read left open holds up dispose().
    for await (const e of client.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 })) data = e.event?.data;
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return data;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
