/**
 * Stream policy authorization (rules by stream prefix) as a licensed KurrentDB node applies it,
 * through the real `@eventstore/db-client`. Each case names the file under src/ of
 * kurrent-io/KurrentDB whose behaviour it pins: KurrentDB.Auth.StreamPolicyPlugin/
 * (StreamPolicyAssertion.cs, StreamPolicySelector.cs, StreamPolicyWriter.cs) and
 * KurrentDB.Core/Authorization/AuthorizationPolicies/StreamBasedAuthorizationPolicyRegistry.cs.
 */
import t, { type Test } from 'tap';
import { AccessDeniedError, EventStoreDBClient, jsonEvent, StreamNotFoundError, type ResolvedEvent } from '@eventstore/db-client';
import { EventStoreUsers, startEmbeddedEventStore, type EmbeddedEventStore } from '@cfund/embedded-eventstore';

const clients: EventStoreDBClient[] = [];
const connect = (cs: string): EventStoreDBClient => {
  const c = EventStoreDBClient.connectionString(cs);
  clients.push(c);
  return c;
};
const nodes: EmbeddedEventStore[] = [];
t.teardown(async () => {
  await Promise.allSettled(clients.map((c) => c.dispose()));
  await Promise.allSettled(nodes.map((n) => n.close()));
});

let n = 0;
const unique = (prefix: string): string => `${prefix}${process.pid}-${++n}`;
const event = () => jsonEvent({ type: 'Happened', data: { n } });
const drain = async (read: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> => {
  const out: ResolvedEvent[] = [];
  for await (const e of read) out.push(e);
  return out;
};
const outcome = (action: () => Promise<unknown>): Promise<unknown> => action().then(() => 'ok', (e: unknown) => e);
async function denied(t: Test, action: () => Promise<unknown>, what: string): Promise<void> {
  t.type(await outcome(action), AccessDeniedError, `${what}: denied`);
}
async function allowed(t: Test, action: () => Promise<unknown>, what: string): Promise<void> {
  const result = await outcome(action);
  t.ok(result === 'ok' || result instanceof StreamNotFoundError, `${what}: allowed (${String(result)})`);
}

async function start(authorizationPolicyType?: 'acl' | 'streampolicy') {
  const node = await startEmbeddedEventStore({ memDb: true, port: 0, statsIntervalMs: 3_600_000, ...(authorizationPolicyType ? { authorizationPolicyType } : {}) });
  nodes.push(node);
  const admin = connect(node.connectionString);
  const users = new EventStoreUsers(admin);
  await users.createUser('writer', 'Writer', ['writers'], 'writer-pass');
  await users.createUser('reader', 'Reader', [], 'reader-pass');
  return {
    node, admin,
    writer: connect(node.connectionStringFor('writer', 'writer-pass')),
    reader: connect(node.connectionStringFor('reader', 'reader-pass')),
    ops: connect(node.connectionStringFor('ops', 'changeit')),
    anonymous: connect(node.connectionString.replace('admin:changeit@', '')),
  };
}

const policy = (data: unknown) => jsonEvent({ type: '$policy-updated', data: data as Record<string, unknown> });
const switchTo = (type: string) => jsonEvent({ type: '$authorization-policy-changed', data: { streamAccessPolicyType: type } });
const admins = { $r: ['$admins'], $w: ['$admins'], $d: ['$admins'], $mr: ['$admins'], $mw: ['$admins'] };
const ORDERS = {
  streamPolicies: {
    orders: { $r: ['reader', 'writers'], $w: ['writers'], $d: ['$admins'], $mr: ['reader'], $mw: ['$admins'] },
    public: { $r: ['$all'], $w: ['$all'], $d: ['$admins'], $mr: ['$all'], $mw: ['$admins'] },
    allReaders: { $r: ['reader'], $w: [], $d: [], $mr: [], $mw: [] },
    admins,
  },
  streamRules: [
    { startsWith: 'orders-', policy: 'orders' },
    { startsWith: 'open-', policy: 'public' },
    { startsWith: '$all', policy: 'allReaders' },
  ],
  defaultStreamRules: { userStreams: 'admins', systemStreams: 'admins' },
};

t.test('enabled at start without $policies: the default policy is written and applies (StreamPolicySelectorFactory.Create, StreamPolicySelector.DefaultPolicy)', async (t) => {
  const { admin, writer, ops, anonymous } = await start('streampolicy');
  const stream = unique('any-');
  // The first check finds no policy, writes the default one, and answers as not ready (admins only) until it is there.
  await outcome(() => writer.appendToStream(stream, event()));
  let written: ResolvedEvent[] = [];
  for (let i = 0; i < 50 && written.length === 0; i++) {
    written = await drain(admin.readStream('$policies')).catch(() => []);
    if (written.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(written.length, 1, 'one policy event');
  t.equal(written[0]!.event!.type, '$policy-updated');
  t.equal(written[0]!.event!.id, 'ff8b943c-60f5-49af-845c-ab7150be91d0', 'the default policy\'s fixed id (StreamPolicyWriter.DefaultStreamPolicyEventId)');
  await allowed(t, () => writer.appendToStream(stream, event()), 'publicDefault: any user writes a user stream');
  await allowed(t, () => drain(writer.readStream(stream)), 'and reads it');
  await denied(t, () => drain(writer.readStream('$settings')), 'adminsDefault: a system stream');
  await denied(t, () => drain(ops.readStream(stream)), 'a public stream, to a user whose only role is $ops');
  await denied(t, () => drain(anonymous.readStream(stream)), 'anonymous');
  await allowed(t, () => drain(writer.readStream('$ce-any')), 'projectionsDefault: $ce- readable by all');
  await denied(t, () => writer.appendToStream('$ce-any', event()), 'projectionsDefault: $ce- written by admins only');
});

t.test('rules by prefix, in order; the defaults by kind; metastreams; $all (StreamPolicyAssertion.cs, StreamPrefixRule.cs)', async (t) => {
  const { admin, writer, reader, ops } = await start('acl');
  await admin.appendToStream('$policies', policy(ORDERS));
  const orders = unique('orders-');
  await allowed(t, () => writer.appendToStream(orders, event()), 'acl still in force: a user stream public (SystemSettings.Default)');
  await admin.appendToStream('$authorization-policy-settings', switchTo('streampolicy'));

  await allowed(t, () => writer.appendToStream(orders, event()), 'a role listed in $w ("writers")');
  await denied(t, () => reader.appendToStream(orders, event()), 'a user not in $w');
  await allowed(t, () => drain(reader.readStream(orders)), 'a user name listed in $r');
  await allowed(t, () => reader.getStreamMetadata(orders), '$mr: reading $$orders-…');
  await denied(t, () => writer.getStreamMetadata(orders), 'writers are not in $mr');
  await denied(t, () => writer.setStreamMetadata(orders, { maxCount: 5 }), '$mw is $admins');
  await denied(t, () => writer.deleteStream(orders), '$d is $admins');
  await allowed(t, () => admin.setStreamMetadata(orders, { maxCount: 5 }), 'admins pass every rule');

  const other = unique('misc-');
  await denied(t, () => writer.appendToStream(other, event()), 'no rule: the default for user streams (admins)');
  await allowed(t, () => writer.appendToStream(unique('open-'), event()), '$all in $w: public');
  await denied(t, () => drain(ops.readStream(unique('open-'))), 'public, but not to an $ops-only user');

  await allowed(t, () => drain(reader.readAll({ maxCount: 1 })), 'reading $all: the rule for "$all"');
  await denied(t, () => drain(writer.readAll({ maxCount: 1 })), 'reading $all: not listed');

  // The legacy ACLs no longer decide: an $acl in a stream's metadata is ignored.
  const acl = unique('misc-');
  await admin.setStreamMetadata(acl, { acl: { readRoles: ['$all'], writeRoles: ['$all'] } });
  await denied(t, () => writer.appendToStream(acl, event()), 'a stream\'s $acl opens nothing under stream policies');
});

t.test('an invalid policy keeps the one before; switching back to acl and to an unknown type (StreamBasedPolicySelector, StreamBasedAuthorizationPolicyRegistry)', async (t) => {
  const { admin, writer } = await start('acl');
  await admin.appendToStream('$policies', policy(ORDERS));
  await admin.appendToStream('$authorization-policy-settings', switchTo('streampolicy'));
  const orders = unique('orders-');
  await allowed(t, () => writer.appendToStream(orders, event()), 'valid policy');
  for (const [what, bad] of [
    ['a rule naming an undefined policy', { ...ORDERS, streamRules: [{ startsWith: 'orders-', policy: 'nowhere' }] }],
    ['an empty prefix', { ...ORDERS, streamRules: [{ startsWith: '', policy: 'admins' }] }],
    ['a policy missing $mw', { ...ORDERS, streamPolicies: { ...ORDERS.streamPolicies, admins: { $r: [], $w: [], $d: [], $mr: [] } } }],
    ['no defaultStreamRules', { streamPolicies: ORDERS.streamPolicies, streamRules: [] }],
  ] as const) {
    await admin.appendToStream('$policies', policy(bad));
    await allowed(t, () => writer.appendToStream(orders, event()), `${what}: ignored, the policy before applies`);
  }
  await admin.appendToStream('$policies', jsonEvent({ type: 'SomethingElse', data: { streamPolicies: {} } }));
  await allowed(t, () => writer.appendToStream(orders, event()), 'another event type: ignored');

  const misc = unique('misc-');
  await denied(t, () => writer.appendToStream(misc, event()), 'under the policy: refused');
  await admin.appendToStream('$authorization-policy-settings', switchTo('acl'));
  await allowed(t, () => writer.appendToStream(misc, event()), 'back to acl: the legacy default (public user streams)');
  await admin.appendToStream('$authorization-policy-settings', switchTo('no-such-plugin'));
  await allowed(t, () => writer.appendToStream(misc, event()), 'an unknown type is not applied: acl stays');
});

t.test('settings events but none valid: admins only (FallbackStreamAccessPolicySelector)', async (t) => {
  const { admin, writer } = await start('acl');
  await admin.appendToStream('$authorization-policy-settings', switchTo('no-such-plugin'));
  const misc = unique('misc-');
  await denied(t, () => writer.appendToStream(misc, event()), 'a user');
  await allowed(t, () => admin.appendToStream(misc, event()), 'an admin');
});

t.test('the policy streams are system streams: $admins only under either policy', async (t) => {
  const { writer } = await start('streampolicy');
  await denied(t, () => writer.appendToStream('$policies', policy(ORDERS)), 'write $policies');
  await denied(t, () => writer.appendToStream('$authorization-policy-settings', switchTo('acl')), 'switch the policy type');
  await denied(t, () => drain(writer.readStream('$policies')), 'read $policies');
});
