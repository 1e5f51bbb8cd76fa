/**
 * The relay against the embedded event store (real client) and a real nats-server: every user
 * event on its subject in $all order with the envelope intact, system events filtered, restart
 * without gap or duplicate, one leader among two relays, and a deposed relay fenced.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { connect, headers } from 'nats';
import { startTestEnvironment } from '@cfund/test-support';
import {
  EventHeaders,
  RelayFencedError,
  Lease,
  consumeEvents,
  encodeEnvelope,
  eventHeaders,
  readCheckpoint,
  runPublishSession,
  startRelay,
  startRelayHost,
  subjectForEvent,
  type EventEnvelope,
  type Relay,
} from '../src/index.ts';
import { signingKey, waitFor } from './fixtures.ts';
import { appendEvents, streamCount, streamEvents, testRelaySettings, userEvents } from './relay-fixtures.ts';

t.test('relay', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const client = env.eventStore;
  const nc = await env.connectNats();
  const jsm = await nc.jetstreamManager();
  const settings = testRelaySettings('RELAY_LEASE_TEST');
  const relays: Relay[] = [];
  t.teardown(() => Promise.all(relays.map((r) => r.stop())));
  const start = async (instanceId: string) => {
    const relay = await startRelay({ signingKey, eventStore: client, nc: await env.connectNats(), instanceId, settings });
    relays.push(relay);
    return relay;
  };
  /** The stream equals $all's user events: same events, same order, each once. */
  const expectStreamEqualsAll = async (t: Test) => {
    const expected = await userEvents(client);
    await waitFor(`${expected.length} messages`, async () => (await streamCount(jsm)) >= expected.length);
    const stored = await streamEvents(jsm);
    t.same(stored.map((s) => s.envelope.eventId), expected.map((e) => e.eventId), `the stream holds the ${expected.length} user events of $all, in order, each once`);
    return { expected, stored };
  };

  const claim = `claim-${randomUUID()}`;
  const fund = 'fund-RS-2026';

  await t.test('publishes every user event on its subject, in order, with the envelope and headers; system events filtered', async (t) => {
    await appendEvents(client, claim, ['ClaimFiled', 'EvidenceAdded', 'ClaimAssessed']);
    await appendEvents(client, fund, ['FundsBudgeted', 'FundsCommitted']);
    await client.setStreamMetadata(claim, { maxAge: 365 * 24 * 3600 }); // a $metadata event in $$claim-…
    await appendEvents(client, `misc-${randomUUID()}`, ['$systemLike']);
    await appendEvents(client, claim, ['ClaimApproved'], 3);

    const seen: EventEnvelope[] = [];
    const consumer = await consumeEvents({ signingKey, nc, durable: 'relay-test-claims', filterSubject: 'cfund.events.claim.>', handle: async (e) => void seen.push(e) });
    const relay = await start('relay-a');
    const { expected, stored } = await expectStreamEqualsAll(t);
    t.equal(expected.length, 6, 'six user events (the metadata and $-typed events are not)');
    t.same(stored.map((s) => s.envelope), expected, 'envelopes equal the events as read from EventStoreDB');
    t.notOk(stored.some((s) => s.envelope.type.startsWith('$') || s.envelope.streamId.startsWith('$')));
    for (const s of stored) {
      t.equal(s.subject, subjectForEvent(s.envelope.streamId, s.envelope.type));
      t.equal(s.header.get(EventHeaders.msgId), s.envelope.eventId);
      t.equal(s.header.get(EventHeaders.stream), s.envelope.streamId);
      t.equal(s.header.get(EventHeaders.revision), String(s.envelope.revision));
      t.equal(s.header.get(EventHeaders.position), s.envelope.commitPosition);
    }
    t.same(stored.filter((s) => s.envelope.streamId === fund).map((s) => s.subject), ['cfund.events.fund.FundsBudgeted.RS-2026', 'cfund.events.fund.FundsCommitted.RS-2026']);
    t.same(stored.find((s) => s.envelope.type === 'ClaimFiled')?.envelope.data, { claimId: claim, step: 0, note: 'Ž "quoted"' });
    t.same(stored.find((s) => s.envelope.type === 'ClaimFiled')?.envelope.metadata, { actor: 'lawyer-1', prevHash: 'p', hash: 'h' });

    await waitFor('the claim consumer', () => seen.length >= 4);
    t.same(seen.map((e) => [e.type, e.revision]), [['ClaimFiled', 0], ['EvidenceAdded', 1], ['ClaimAssessed', 2], ['ClaimApproved', 3]], 'a filtered consumer gets the claim stream in order');
    await consumer.stop();
    t.equal(relay.status().role, 'leader');
    t.equal(relay.status().published, 6);
  });

  await t.test('a restarted relay continues after its last message: no gap, no duplicate', async (t) => {
    await relays[0]!.stop();
    t.equal(relays[0]!.status().role, 'stopped');
    await appendEvents(client, claim, ['PayoutScheduled', 'PayoutMade'], 4);
    await appendEvents(client, fund, ['FundsDisbursed'], 2);
    const before = await streamCount(jsm);
    const relay = await start('relay-a-restarted');
    await expectStreamEqualsAll(t);
    await waitFor('three published', () => relay.status().published >= 3);
    t.equal(relay.status().published, 3, 'only the three new events were published');
    t.equal(await streamCount(jsm), before + 3);
  });

  await t.test('two relays: one publishes, the other stands by', async (t) => {
    const standby = await start('relay-b');
    await appendEvents(client, claim, ['ClaimClosed'], 6);
    await expectStreamEqualsAll(t);
    const leader = relays[1]!;
    t.equal(leader.status().role, 'leader');
    t.equal(standby.status().role, 'standby');
    t.equal(standby.status().published, 0, 'the standby published nothing');
    t.equal(standby.status().leaderships, 0);
  });

  await t.test('a rotation of the master key: with the old key and the new one, the relay finds the checkpoint the old key signed', async (t) => {
    const newKey = randomBytes(32);
    const withOld = await readCheckpoint(jsm, signingKey);
    t.ok(withOld.position, 'the old key\'s checkpoint');
    t.same(await readCheckpoint(jsm, [newKey, signingKey]), withOld, 'the ring (new key first, as the services pass it) finds the same');
    const alone = await readCheckpoint(jsm, newKey).then((c) => c, (e: unknown) => e);
    t.notSame(alone, withOld, 'the new key alone does not: it would republish $all or refuse to guess (why the old key stays until the relay has signed with the new one)');
  });

  await t.test('a deposed relay cannot publish', async (t) => {
    // A relay that read its checkpoint, then stalled while the leader moved the stream on.
    const stale = await readCheckpoint(jsm, signingKey);
    await appendEvents(client, `claim-${randomUUID()}`, ['ClaimFiled', 'EvidenceAdded']);
    await expectStreamEqualsAll(t);
    const before = await streamCount(jsm);
    const abort = new AbortController();
    const published: EventEnvelope[] = [];
    const error = await runPublishSession({
      signingKey,
      eventStore: client,
      js: nc.jetstream(),
      jsm,
      signal: abort.signal,
      publishTimeoutMs: 5_000,
      checkpoint: stale,
      onPublished: (e) => published.push(e),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(error instanceof RelayFencedError, 'its first publish is refused');
    t.equal((error as RelayFencedError).expectedLastSequence, stale.lastSequence);
    t.same(published, []);
    t.equal(await streamCount(jsm), before, 'the stream is unchanged');

    // Lease taken away behind the leader's back (as if it had paused past the TTL): it must stand down.
    const leaderships = () => relays.reduce((n, r) => n + r.status().leaderships, 0);
    const before2 = leaderships();
    const kv = await nc.jetstream().views.kv(settings.leaseBucket);
    await kv.delete('relay');
    await waitFor('the lease taken anew', () => leaderships() > before2 && relays.filter((r) => r.status().role === 'leader').length === 1);
    await appendEvents(client, claim, ['ClaimReopened'], 7);
    await expectStreamEqualsAll(t);
    t.equal(relays.filter((r) => r.status().role === 'leader').length, 1, 'one leader');
  });

  await t.test('the lease bucket lost (deleted, or JetStream data gone): it is made again and one relay leads', async (t) => {
    const leaderships = () => relays.reduce((n, r) => n + r.status().leaderships, 0);
    const before = leaderships();
    await jsm.streams.delete(`KV_${settings.leaseBucket}`);
    await waitFor('the lease taken anew', () => leaderships() > before && relays.filter((r) => r.status().role === 'leader').length === 1);
    await appendEvents(client, claim, ['ClaimReassessed'], 8);
    await expectStreamEqualsAll(t);
    t.equal(relays.filter((r) => r.status().role === 'leader').length, 1, 'one leader');
    t.ok((await jsm.streams.info(`KV_${settings.leaseBucket}`)).config.name, 'the bucket exists again');
  });

  await t.test('startRelayHost connects, leads once the others are gone, and stops', async (t) => {
    await Promise.all(relays.map((r) => r.stop()));
    const host = startRelayHost({ signingKey, eventStore: client, natsUrl: env.natsUrl, natsOptions: env.natsOptions(), settings });
    t.teardown(() => host.stop());
    await appendEvents(client, claim, ['ClaimWithdrawn'], 9);
    await waitFor('the host leads', () => host.status()?.role === 'leader');
    await expectStreamEqualsAll(t);
    t.ok(host.natsConnected());
    await host.stop();
    t.equal(host.status()?.role, 'stopped');
    t.notOk(host.natsConnected());

    // NATS unreachable: the host keeps trying in the background and still stops on request.
    const unreachable = startRelayHost({ signingKey, eventStore: client, natsUrl: 'nats://127.0.0.1:1', connectRetryMs: 100, settings });
    t.equal(unreachable.status(), undefined);
    t.notOk(unreachable.natsConnected());
    await unreachable.stop();
    t.equal(unreachable.status(), undefined);
  });

  await t.test('the leader fenced by a deposed relay that slipped messages in keeps its lease and continues after them', async (t) => {
    await Promise.all(relays.map((r) => r.stop()));
    // The leader sees $all through a gate, so the deposed relay can publish first.
    let gate: Promise<void> = Promise.resolve();
    const gated = new Proxy(client, {
      get(target, prop) {
        if (prop === 'subscribeToAll') {
          return (...args: Parameters<typeof target.subscribeToAll>) => {
            const subscription = target.subscribeToAll(...args);
            return {
              unsubscribe: () => subscription.unsubscribe(),
              async *[Symbol.asyncIterator]() {
                for await (const resolved of subscription) {
                  await gate;
                  yield resolved;
                }
              },
            };
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const leader = await startRelay({ signingKey, eventStore: gated, nc: await env.connectNats(), instanceId: 'relay-gated', settings });
    relays.push(leader);
    await waitFor('the gated relay leads', () => leader.status().role === 'leader');
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const checkpoint = await readCheckpoint(jsm, signingKey);
    const before = await streamCount(jsm);

    const deposed = new AbortController();
    let deposedPublished = 0;
    const deposedRun = runPublishSession({ signingKey, eventStore: client, js: nc.jetstream(), jsm, signal: deposed.signal, publishTimeoutMs: 5_000, checkpoint, onPublished: () => (deposedPublished += 1) });
    await appendEvents(client, claim, ['EvidenceAdded', 'EvidenceAdded'], 12);
    await waitFor('the deposed relay published both', () => deposedPublished === 2);
    deposed.abort();
    await deposedRun;

    open();
    await waitFor('the leader fenced', () => leader.status().fenced === 1);
    await appendEvents(client, claim, ['ClaimClosed'], 14);
    await expectStreamEqualsAll(t);
    t.equal(await streamCount(jsm), before + 3);
    t.equal(leader.status().role, 'leader', 'still the leader');
    t.equal(leader.status().leaderships, 1, 'without losing the lease');
    t.equal(leader.status().published, 1, 'it published only the event after those slipped in');
    await leader.stop();
  });

  await t.test('NATS users: only the relay may publish events; anonymous clients are refused; each service can do its job', async (t) => {
    // The users exist on the embedded nats-server; an external one or a container has its own.
    if (env.mode !== 'embedded') return t.plan(0, `NATS users are set up only on the embedded nats-server (mode ${env.mode})`);
    await t.rejects(connect({ servers: env.natsUrl }), /Authorization Violation/i, 'an anonymous client is refused');
    await t.rejects(connect({ servers: env.natsUrl, user: 'projection', pass: 'wrong password!' }), /Authorization Violation/i, 'a wrong password is refused');

    const before = await streamCount(jsm);
    for (const user of ['projection', 'notification']) {
      const other = await env.connectNats({ ...env.natsOptions(user), timeout: 2_000 });
      const e = { ...(await userEvents(client)).at(-1)!, eventId: randomUUID() };
      const body = encodeEnvelope(e);
      const refused = await other.jetstream({ timeout: 1_000 })
        .publish(subjectForEvent(e.streamId, 'ClaimAssessed'), body, { headers: eventHeaders(e, body, signingKey) })
        .then(() => undefined, (error: unknown) => error);
      t.match(String(refused), /Permissions Violation for Publish to "cfund\.events\./i, `${user} cannot publish an event`);
    }
    t.equal(await streamCount(jsm), before, 'nothing reached the stream');

    // The relay as the command service's user (default lease bucket), a consumer as the projection's.
    await Promise.all(relays.map((r) => r.stop()));
    const relay = await startRelay({ signingKey, eventStore: client, nc: await env.connectNats(env.natsOptions('command')), instanceId: 'relay-as-command' });
    relays.push(relay);
    const fresh = `claim-${randomUUID()}`;
    const seen: string[] = [];
    const consumer = await consumeEvents({
      signingKey, nc: await env.connectNats(env.natsOptions('projection')), durable: 'permissions-test', filterSubject: `cfund.events.claim.*.${fresh.slice('claim-'.length)}`,
      handle: async (e) => void seen.push(e.type),
    });
    await appendEvents(client, fresh, ['ClaimFiled', 'ClaimClosed']);
    await waitFor('the event relayed and consumed', () => seen.includes('ClaimClosed'));
    t.same(seen, ['ClaimFiled', 'ClaimClosed']);
    t.equal(relay.status().consecutiveFailures, 0);
    await consumer.stop();
    await relay.stop();
  });

  await t.test('a relay continues past messages it did not sign, and publishes the genuine event after them', async (t) => {
    // A forged event (any body, any headers, but no valid signature) lands at the end of the stream.
    const forgedClaim = `claim-${randomUUID()}`;
    const forged = { ...(await userEvents(client)).at(-1)!, eventId: randomUUID(), streamId: forgedClaim, revision: 0, type: 'ClaimAssessed', data: { amount: 999_999 } };
    const h = headers();
    h.set(EventHeaders.msgId, forged.eventId);
    h.set(EventHeaders.signature, 'forged');
    await nc.jetstream().publish(subjectForEvent(forgedClaim, 'ClaimAssessed'), new TextEncoder().encode(JSON.stringify(forged)), { headers: h });
    await nc.jetstream().publish('cfund.events.foreign.Junk.x', new TextEncoder().encode('{}'));
    const before = await streamCount(jsm);
    await appendEvents(client, forgedClaim, ['ClaimFiled']);
    const relay = await startRelay({ signingKey, eventStore: client, nc: await env.connectNats(), instanceId: 'relay-past-foreign', settings });
    relays.push(relay);
    await waitFor('the genuine event published', () => relay.status().published === 1);
    const stored = await streamEvents(jsm, { skipForeign: true });
    t.equal(await streamCount(jsm), before + 1, 'only the new event was published, nothing replayed');
    t.equal(stored.at(-1)!.envelope.streamId, forgedClaim, 'the genuine event of the claim follows the foreign messages');
    t.equal(stored.at(-1)!.envelope.type, 'ClaimFiled');
    t.equal(relay.status().consecutiveFailures, 0, 'no failed session');
    await appendEvents(client, forgedClaim, ['EvidenceAdded'], 1);
    await waitFor('the next one too', () => relay.status().published === 2);
    await relay.stop();
  });

  await t.test('a relay refuses a signed checkpoint that is not an event of its event store at that position, and its host reports it stuck', async (t) => {
    // As if the stream had been filled from another event store (wrong NATS_URL or ESDB, or a restored backup).
    const last = (await userEvents(client)).at(-1)!;
    const other = { ...last, eventId: randomUUID() };
    const body = encodeEnvelope(other);
    await nc.jetstream().publish('cfund.events.foreign.ClaimFiled.x', body, { headers: eventHeaders(other, body, signingKey) });
    await appendEvents(client, claim, ['ClaimReopened'], 15);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const host = startRelayHost({ signingKey, eventStore: client, natsUrl: env.natsUrl, natsOptions: env.natsOptions(), settings: { ...settings, stuckAfterFailures: 3 }, logger });
    t.teardown(() => host.stop());
    await waitFor('the refusal', () => lines.some((l) => l.includes('CheckpointMismatchError')));
    await waitFor('the host reports the relay stuck', () => host.stuck() !== undefined);
    t.match(host.stuck(), /3 publishing sessions failed in a row: CheckpointMismatchError/);
    t.equal(host.status()!.role, 'leader');
    t.equal(host.status()!.published, 0, 'nothing published after a foreign checkpoint');
    const lastSeq = (await jsm.streams.info('CFUND_EVENTS')).state.last_seq;
    t.equal((await jsm.streams.getMessage('CFUND_EVENTS', { seq: lastSeq })).subject, 'cfund.events.foreign.ClaimFiled.x', 'the stream still ends with the foreign message');
    await host.stop();
  });

  await t.test('a changed lease TTL reaches an existing bucket', async (t) => {
    await Lease.open(nc, { bucket: settings.leaseBucket, key: 'relay', ttlMs: 4_000, holder: 'probe' });
    t.equal((await jsm.streams.info(`KV_${settings.leaseBucket}`)).config.max_age, 4_000 * 1_000_000);
  });
});
