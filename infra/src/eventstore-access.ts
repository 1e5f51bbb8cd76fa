/**
 * Who may do what in the event store: one user per service that uses it, in the group
 * `cfund-services`, with the stream ACLs a secure KurrentDB node understands (the legacy policy:
 * `$settings` defaults and stream metadata). The same steps work on a real cluster;
 * services/README.md lists them as commands for an operator.
 *
 * What the services need (grep readAll / subscribeToAll / readStream / append in services/ and
 * packages/): each reads and writes user streams (command: claim-, fund-, paymentrun-,
 * bankstatement-, idempotency-; projection: access-; notification: notification-, webhook-,
 * notificationsettings-), and each reads `$all` (command: the relay's subscription and checkpoint;
 * projection: rebuilds; notification: its catch-up at every start and its shared state's subscription). None deletes a stream, reads or writes stream
 * metadata, touches a `$`-stream, or manages users.
 */
import { EventStoreDBClient, jsonEvent, LoginConflictError, StreamNotFoundError } from '@eventstore/db-client';
import { EventStoreUsers } from '@cfund/embedded-eventstore';

/** The group of every service user; the ACLs name it, so adding a service is adding a user. */
export const SERVICES_GROUP = 'cfund-services';
const ADMINS = '$admins';

/** The event store user of a service, e.g. `cfund-command`. */
export const eventStoreLogin = (service: string): string => `cfund-${service}`;

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
 * (LegacyStreamPermissionAssertion.cs, IndexReader.GetEffectiveAcl), so the services may read and
 * subscribe to it without being `$admins`. Nobody writes or deletes `$all` anyway.
 */
export const ALL_STREAM_ACL = { $r: [SERVICES_GROUP], $mr: [ADMINS], $mw: [ADMINS] } as const;

export interface ServiceAccount {
  service: string;
  password: string;
}

/**
 * Creates (or brings back in line) each service's user and sets the ACLs, as `admin`. Safe to run
 * at every start: nothing is written when everything is already so. A user whose stored password
 * differs from `password` (its file was replaced) gets `password`.
 */
export async function provisionEventStoreAccess(adminConnectionString: string, accounts: ServiceAccount[]): Promise<void> {
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
  } finally {
    await client.dispose();
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
