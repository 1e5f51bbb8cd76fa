// Each service's event store user can do what the service needs and nothing beyond it, on a
// secure embedded store, through the real client, with the ACLs provisionEventStoreAccess sets
// (the same steps an operator runs on a KurrentDB cluster: services/README.md); and, with the
// stream policy (KurrentDB's StreamPolicyPlugin), each service writes only its own categories.
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import {
  AccessDeniedError, EventStoreDBClient, jsonEvent, START, StreamNotFoundError, type ResolvedEvent,
} from '@eventstore/db-client';
import { EventStoreUsers, startEmbeddedEventStore, type EmbeddedEventStore } from '@cfund/embedded-eventstore';
import { READINESS_PROBE_STREAM } from '@cfund/service-kit';
import { eventStoreLogin, provisionEventStoreAccess, type ServiceAccount } from '../src/eventstore-access.js';

const clients: EventStoreDBClient[] = [];
const connect = (cs: string): EventStoreDBClient => {
  const c = EventStoreDBClient.connectionString(cs);
  clients.push(c);
  return c;
};
const failure = (action: () => Promise<unknown>): Promise<unknown> => action().then(() => undefined, (e: unknown) => e);
const drain = async (read: AsyncIterable<ResolvedEvent>): Promise<number> => {
  let n = 0;
  for await (const _ of read) n++;
  return n;
};
const id = (): string => randomBytes(6).toString('hex');
const event = () => jsonEvent({ type: 'Happened', data: { at: Date.now() } });

let node: EmbeddedEventStore;
let admin: EventStoreDBClient;
/** A second node whose services are held to the stream policy. */
let policed: EmbeddedEventStore;
let policedAdmin: EventStoreDBClient;
const accounts: ServiceAccount[] = ['command', 'projection', 'notification'].map((service) => ({ service, password: randomBytes(24).toString('base64url') }));
const login = (on: EmbeddedEventStore, service: string): EventStoreDBClient => {
  const account = accounts.find((a) => a.service === service)!;
  return connect(on.connectionStringFor(eventStoreLogin(service), account.password));
};
const as = (service: string): EventStoreDBClient => login(node, service);
const policedAs = (service: string): EventStoreDBClient => login(policed, service);

t.before(async () => {
  const start = () => startEmbeddedEventStore({ memDb: true, port: 0, statsIntervalMs: 3_600_000 });
  [node, policed] = await Promise.all([start(), start()]);
  admin = connect(node.connectionString);
  policedAdmin = connect(policed.connectionString);
  await provisionEventStoreAccess(node.connectionString, accounts);
  await provisionEventStoreAccess(policed.connectionString, accounts, 'stream-policy');
});
t.teardown(async () => {
  await Promise.allSettled(clients.map((c) => c.dispose()));
  await Promise.allSettled([node?.close(), policed?.close()]);
});

async function denied(t: Test, action: () => Promise<unknown>, what: string): Promise<void> {
  t.type(await failure(action), AccessDeniedError, `${what}: AccessDeniedError`);
}

/** Who reads $all: the relay (command) and rebuilds (projection); the notification service follows NATS instead. */
const READS_ALL: Record<string, boolean> = { command: true, projection: true, notification: false };

/** Reading and subscribing to $all, for its readers only; the readiness probe's stream, for every service. */
async function allAndProbe(t: Test, client: EventStoreDBClient, service: string): Promise<void> {
  if (READS_ALL[service]) {
    t.ok(await drain(client.readAll({ fromPosition: START, maxCount: 10 })) > 0, 'reads $all');
    const subscription = client.subscribeToAll({ fromPosition: START });
    for await (const _ of subscription) break;
    await subscription.unsubscribe();
    t.pass('subscribes to $all');
  } else {
    await denied(t, () => drain(client.readAll({ fromPosition: START, maxCount: 10 })), 'read $all');
    await denied(t, async () => {
      const subscription = client.subscribeToAll({ fromPosition: START });
      try {
        for await (const _ of subscription) break;
      } finally {
        await subscription.unsubscribe();
      }
    }, 'subscribe to $all');
  }
  t.type(await failure(() => drain(client.readStream(READINESS_PROBE_STREAM, { maxCount: 1 }))), StreamNotFoundError, 'the readiness probe reads its stream: not found, not denied');
}

/** What no service may do: delete, touch metadata (so ACLs), `$`-streams, users. */
async function refusedBeyond(t: Test, client: EventStoreDBClient, by = admin): Promise<void> {
  const stream = `claim-${id()}`;
  await by.appendToStream(stream, event());
  await denied(t, () => client.deleteStream(stream), 'delete a stream');
  await denied(t, () => client.tombstoneStream(stream), 'tombstone a stream');
  await denied(t, () => client.setStreamMetadata(stream, { acl: { writeRoles: ['$all'] } }), 'change a stream\'s metadata (its ACL)');
  await denied(t, () => client.getStreamMetadata(stream), 'read a stream\'s metadata');
  await denied(t, () => drain(client.readStream('$settings')), 'read $settings');
  await denied(t, () => client.appendToStream('$settings', jsonEvent({ type: 'update-default-acl', data: {} })), 'write $settings');
  await denied(t, () => client.appendToStream('$$$all', jsonEvent({ type: '$metadata', data: {} })), 'change the ACL of $all');
  await denied(t, () => drain(client.readStream('$user-admin')), 'read a user\'s record');
  await denied(t, () => drain(client.readStream('$users')), 'read $users');
  await denied(t, () => new EventStoreUsers(client).createUser(`x-${id()}`, 'X', ['$admins'], 'pw-pw-pw-pw'), 'create a user');
  await denied(t, () => new EventStoreUsers(client).resetPassword('admin', 'taken-over'), 'reset admin\'s password');
}

t.test('command: writes and reads claim-, fund-, paymentrun-, bankstatement- and idempotency- streams; the relay reads $all', async (t) => {
  const client = as('command');
  for (const category of ['claim', 'fund', 'paymentrun', 'bankstatement', 'idempotency']) {
    const stream = `${category}-${id()}`;
    await client.appendToStream(stream, event(), { expectedRevision: 'no_stream' });
    t.equal(await drain(client.readStream(stream)), 1, `${category}-: appends and reads back`);
  }
  await allAndProbe(t, client, 'command');
  await refusedBeyond(t, client);
});

t.test('projection: reads claim and its own streams, records reads of personal data in access-, rebuilds from $all', async (t) => {
  const client = as('projection');
  const claim = `claim-${id()}`;
  await as('command').appendToStream(claim, event());
  t.equal(await drain(client.readStream(claim)), 1, 'reads a claim stream');
  const access = `access-${id()}`;
  await client.appendToStream(access, event());
  t.equal(await drain(client.readStream(access)), 1, 'appends to access-');
  await allAndProbe(t, client, 'projection');
  await refusedBeyond(t, client);
});

t.test('notification: reads claim streams, writes its audit trail (notification-, webhook-, notificationsettings-), may not read $all', async (t) => {
  const client = as('notification');
  const claim = `claim-${id()}`;
  await as('command').appendToStream(claim, event());
  t.equal(await drain(client.readStream(claim)), 1, 'reads a claim stream');
  for (const category of ['notification', 'webhook', 'notificationsettings']) {
    const stream = `${category}-${id()}`;
    await client.appendToStream(stream, event());
    t.equal(await drain(client.readStream(stream)), 1, `appends to ${category}-`);
  }
  await allAndProbe(t, client, 'notification');
  await refusedBeyond(t, client);
});

t.test('ops, a user outside cfund-services, may not read or write the services\' streams ($userStreamAcl)', async (t) => {
  const ops = connect(node.connectionStringFor('ops', 'changeit'));
  const claim = `claim-${id()}`;
  await admin.appendToStream(claim, event());
  await denied(t, () => drain(ops.readStream(claim)), 'read a claim stream');
  await denied(t, () => ops.appendToStream(claim, event()), 'append to a claim stream');
  await denied(t, () => drain(ops.readAll({ maxCount: 1 })), 'read $all');
});

t.test('provisioning again writes nothing; a user whose password no longer matches gets the given one; a disabled one is enabled', async (t) => {
  const count = async (stream: string) => drain(admin.readStream(stream));
  const before = [await count('$settings'), await count('$$$all'), await count(`$user-${eventStoreLogin('command')}`)];
  await provisionEventStoreAccess(node.connectionString, accounts);
  t.same([await count('$settings'), await count('$$$all'), await count(`$user-${eventStoreLogin('command')}`)], before, 'no new event anywhere');

  const users = new EventStoreUsers(admin);
  await users.resetPassword(eventStoreLogin('projection'), 'something-else-entirely');
  await users.disableUser(eventStoreLogin('notification'));
  await provisionEventStoreAccess(node.connectionString, accounts);
  t.equal(await drain(as('projection').readAll({ maxCount: 1 })), 1, 'projection logs in with its file\'s password again');
  t.type(await failure(() => drain(as('notification').readStream(READINESS_PROBE_STREAM, { maxCount: 1 }))), StreamNotFoundError, 'notification is enabled again');
  t.same((await users.getUserDetails(eventStoreLogin('command'))).groups, ['cfund-services'], 'in cfund-services');
});

const CATEGORIES = ['claim', 'fund', 'paymentrun', 'bankstatement', 'idempotency', 'access', 'notification', 'webhook', 'notificationsettings'];
/** Each service's categories under the stream policy: what it writes and what it reads. */
const POLICED: Record<string, { writes: string[]; reads: string[] }> = {
  command: { writes: ['claim', 'fund', 'paymentrun', 'bankstatement', 'idempotency'], reads: ['claim', 'fund', 'paymentrun', 'bankstatement', 'idempotency'] },
  projection: { writes: ['access'], reads: ['claim', 'fund', 'paymentrun', 'bankstatement', 'idempotency', 'access', 'notification', 'webhook', 'notificationsettings'] },
  notification: { writes: ['notification', 'webhook', 'notificationsettings'], reads: ['claim', 'notification', 'webhook', 'notificationsettings'] },
};

t.test('stream policy: each service writes only its own categories and reads only what it needs', async (t) => {
  for (const [service, { writes, reads }] of Object.entries(POLICED)) {
    await t.test(service, async (t) => {
      const client = policedAs(service);
      for (const category of CATEGORIES) {
        const stream = `${category}-${id()}`;
        if (writes.includes(category)) {
          await client.appendToStream(stream, event(), { expectedRevision: 'no_stream' });
          t.pass(`appends to ${category}-`);
        } else {
          await denied(t, () => client.appendToStream(stream, event()), `append to ${category}-`);
          await policedAdmin.appendToStream(stream, event());
        }
        if (reads.includes(category)) t.equal(await drain(client.readStream(stream)), 1, `reads ${category}-`);
        else await denied(t, () => drain(client.readStream(stream)), `read ${category}-`);
      }
      await denied(t, () => client.appendToStream(`elsewhere-${id()}`, event()), 'append to a stream of no category');
      await denied(t, () => client.appendToStream(READINESS_PROBE_STREAM, event()), 'append to the readiness probe\'s stream');
      await denied(t, () => drain(client.readStream('$policies')), 'read the policy');
      await denied(t, () => client.appendToStream('$policies', jsonEvent({ type: '$policy-updated', data: {} })), 'change the policy');
      await denied(t, () => client.appendToStream('$authorization-policy-settings', jsonEvent({ type: '$authorization-policy-changed', data: { streamAccessPolicyType: 'acl' } })), 'switch back to ACLs');
      await allAndProbe(t, client, service);
      await refusedBeyond(t, client, policedAdmin);
    });
  }
  const ops = connect(policed.connectionStringFor('ops', 'changeit'));
  await denied(t, () => drain(ops.readStream(`claim-${id()}`)), 'ops: read a claim stream');
  await denied(t, () => drain(ops.readAll({ maxCount: 1 })), 'ops: read $all');
});

t.test('stream policy: provisioning again writes nothing; provisioning for ACLs switches back, and forth again', async (t) => {
  const count = async (stream: string) => drain(policedAdmin.readStream(stream));
  const streams = ['$policies', '$authorization-policy-settings', '$settings', '$$$all'];
  const before = await Promise.all(streams.map(count));
  t.same(before.slice(0, 2), [1, 1], 'one policy, one switch');
  await provisionEventStoreAccess(policed.connectionString, accounts, 'stream-policy');
  t.same(await Promise.all(streams.map(count)), before, 'no new event anywhere');

  const claim = `claim-${id()}`;
  await provisionEventStoreAccess(policed.connectionString, accounts, 'acl');
  await policedAs('projection').appendToStream(claim, event());
  t.pass('under the ACLs, every service writes every user stream again (the projection appends to a claim)');
  await provisionEventStoreAccess(policed.connectionString, accounts, 'stream-policy');
  await denied(t, () => policedAs('projection').appendToStream(claim, event()), 'policy again: the projection may not append to a claim');
  t.equal(await count('$policies'), 1, 'the policy itself was not written again');
});
