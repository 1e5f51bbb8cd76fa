/**
 * A real three-node NATS cluster (nats-server processes on loopback, JetStream streams with three
 * replicas), the relay publishing from the embedded event store and two consumers applying events
 * through OrderedApplier, as the projection and the notification service do, while claims are
 * appended without pause. One node is killed (SIGKILL) and restarted, then the node that leads
 * CFUND_EVENTS: nothing the cluster acknowledged is lost, no event is applied twice, and the
 * consumers catch up.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { EventStoreDBClient } from '@eventstore/db-client';
import { STREAM_CATEGORIES } from '@cfund/contracts';
import { SERVICE_NATS_PERMISSIONS, findNatsServer, natsInstallHint, startNatsCluster, type NatsCluster } from '@cfund/infra';
import { startTestEnvironment } from '@cfund/test-support';
import { connect, type NatsConnection, type StreamInfo } from 'nats';
import {
  DEAD_LETTERS_STREAM,
  EVENTS_STREAM,
  EventHeaders,
  OrderedApplier,
  consumeEvents,
  ensureEventsStream,
  messagingSettings,
  startRelay,
  subjectsOfCategory,
  type StoredEvent,
} from '../src/index.ts';
import { signingKey, waitFor } from './fixtures.ts';
import { appendEvents, testRelaySettings, userEvents } from './relay-fixtures.ts';

const REPLICAS = 3;
const CLAIMS = 12;
const WRITERS = 3;
/** Pause between two appends of one writer: a few hundred events/s, a load the two shared cores sustain. */
const APPEND_PAUSE_MS = 8;
/**
 * Messages in the consumer's hands when its node dies are lost with the connection and come back
 * after the ack wait (30 s in production, see the README); a short one keeps the test short.
 */
const ACK_WAIT_MS = 4_000;

t.test('three-node NATS cluster: a node, then the stream leader, killed under load and restarted', async (t) => {
  if (!findNatsServer()) return t.plan(0, `nats-server is not installed: ${natsInstallHint()}`);
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const client = env.eventStore;

  const dir = await mkdtemp(join(tmpdir(), 'cfund-nats-cluster-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cluster: NatsCluster = await startNatsCluster({
    dataDir: dir,
    users: { ...SERVICE_NATS_PERMISSIONS, test: { publish: ['>'], subscribe: ['>'] } },
  });
  t.teardown(() => cluster.close());
  t.comment(`nodes ${cluster.nodes.map((n) => `${n.name} ${n.url}`).join(', ')}`);

  // Each part connects as its service's user, to every node: it fails over when its node dies.
  const connections: NatsConnection[] = [];
  t.teardown(() => Promise.all(connections.map((c) => c.close())));
  const connectAs = async (user: string, name: string) => {
    const nc = await connect({ servers: cluster.urls, ...cluster.credentials[user], name, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    connections.push(nc);
    return nc;
  };
  // A request sent before the nodes elected their JetStream meta leader goes unanswered: ask until one answers.
  const inspector = await connectAs('test', 'inspector');
  const jsm = await inspector.jetstreamManager({ checkAPI: false });
  await waitFor('JetStream to elect its meta leader', () => jsm.getAccountInfo().then(() => true, () => false), 30_000);

  // A stream made by an older version with one replica: the relay brings it to three.
  t.equal((await ensureEventsStream(jsm)).config.num_replicas, 1, 'CFUND_EVENTS made with one replica');

  // The relay, as the command service hosts it (its own event store client and NATS user).
  const relayClient = EventStoreDBClient.connectionString(env.esdbConnectionString);
  t.teardown(() => relayClient.dispose());
  const relay = await startRelay({
    eventStore: relayClient, nc: await connectAs('command', 'relay'), signingKey, instanceId: 'relay',
    // A publish to a dead leader ends the session after this timeout (5 s in production): shorter here.
    settings: { ...testRelaySettings(messagingSettings.relay.leaseBucket), publishTimeoutMs: 2_000 }, replicas: REPLICAS,
  });
  t.teardown(() => relay.stop());

  // Consumers applying each event once, in order per stream, as the projection (every event) and
  // the notification service (claim events) do, each with its own durable and NATS user.
  const startApplier = async (user: string, filterSubject?: string) => {
    const lastRevision = new Map<string, number>();
    const applications = new Map<string, number>();
    const applier = new OrderedApplier({
      client,
      lastApplied: (streamId) => lastRevision.get(streamId) ?? -1,
      apply: (event: StoredEvent) => {
        applications.set(event.eventId, (applications.get(event.eventId) ?? 0) + 1);
        lastRevision.set(event.streamId, event.revision);
      },
    });
    const consumer = await consumeEvents({
      nc: await connectAs(user, user), signingKey, durable: user, replicas: REPLICAS,
      inFlight: messagingSettings.consumer.orderedInFlight, ackWaitMs: ACK_WAIT_MS,
      handle: async (envelope) => { await applier.handle(envelope); },
      ...(filterSubject ? { filterSubject } : {}),
    });
    t.teardown(() => consumer.stop());
    return { name: user, applications, consumer };
  };
  const consumers = [await startApplier('projection'), await startApplier('notification', subjectsOfCategory(STREAM_CATEGORIES.claim))];
  /** Events applied by the consumer that applied fewest. */
  const applied = () => Math.min(...consumers.map((c) => c.applications.size));
  const appliedOnce = () => consumers.every((c) => [...c.applications.values()].every((n) => n === 1));

  const info = (name = EVENTS_STREAM): Promise<StreamInfo> => jsm.streams.info(name);
  // While its raft group grows from one node to three, the stream may not answer within a request's timeout.
  await waitFor('CFUND_EVENTS on three nodes', () => info().then((i) => (i.cluster?.replicas ?? []).length === REPLICAS - 1, () => false), 60_000);
  for (const name of [EVENTS_STREAM, DEAD_LETTERS_STREAM, `KV_${messagingSettings.relay.leaseBucket}`]) {
    t.equal((await info(name)).config.num_replicas, REPLICAS, `${name} has ${REPLICAS} replicas`);
  }

  // Load: writers append to their claims without pause; `appended` counts what the store acknowledged.
  let appended = 0;
  let loading = true;
  const writers = Array.from({ length: WRITERS }, async () => {
    const claims = Array.from({ length: CLAIMS / WRITERS }, () => ({ id: `claim-${randomUUID()}`, revision: 0 }));
    for (let i = 0; loading; i += 1) {
      const claim = claims[i % claims.length]!;
      await appendEvents(client, claim.id, [claim.revision === 0 ? 'ClaimFiled' : 'EvidenceAttached'], claim.revision);
      claim.revision += 1;
      appended += 1;
      await new Promise((resolve) => setTimeout(resolve, APPEND_PAUSE_MS));
    }
  });

  /**
   * The event ids (Nats-Msg-Id) of messages 1..n of CFUND_EVENTS, in sequence order: what the
   * cluster acknowledged so far. Read through an ordered consumer: one request per message took
   * tens of seconds for ten thousand messages on a loaded machine.
   */
  const acknowledged = async (): Promise<string[]> => {
    const { state } = await jsm.streams.info(EVENTS_STREAM);
    const ids: string[] = [];
    if (state.messages === 0) return ids;
    const messages = await (await inspector.jetstream().consumers.get(EVENTS_STREAM)).consume();
    for await (const m of messages) {
      ids[m.seq - state.first_seq] = m.headers?.get(EventHeaders.msgId) ?? '';
      if (m.seq >= state.last_seq) break;
    }
    messages.stop();
    return ids;
  };
  const since = (startedAt: number) => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;

  const killAndRestart = async (t: Test, which: 'a follower' | 'the leader') => {
    await waitFor('events applied under load', () => applied() >= 200, 30_000);
    const before = await info();
    const leader = before.cluster?.leader;
    t.ok(leader, `CFUND_EVENTS is led by ${leader}`);
    const victim = which === 'the leader' ? leader! : cluster.nodes.find((n) => n.name !== leader)!.name;
    const kept = await acknowledged();

    const killedAt = performance.now();
    await cluster.kill(victim);
    const publishedAtKill = relay.status().published;
    const appliedAtKill = applied();
    t.comment(`killed ${victim} (${which}) with ${kept.length} messages in CFUND_EVENTS, ${appended} events appended, ${appliedAtKill} applied by each consumer`);

    // Two of three nodes are a quorum: publishing and applying go on while the node is down.
    await waitFor('publishing while the node is down', () => relay.status().published >= publishedAtKill + 100, 30_000);
    await waitFor('applying while the node is down', () => applied() >= appliedAtKill + 100, 30_000);
    const newLeader = (await info()).cluster?.leader;
    t.comment(`with ${victim} down: 100 more published and applied after ${since(killedAt)}; leader ${newLeader}`);
    if (which === 'the leader') t.not(newLeader, victim, 'another node leads the stream');

    const restartedAt = performance.now();
    await cluster.restart(victim);
    await waitFor(`${victim} current again`, async () => {
      const c = (await info()).cluster;
      return c?.leader !== undefined && (c.replicas ?? []).length === REPLICAS - 1 && (c.replicas ?? []).every((r) => r.current);
    }, 60_000);
    t.comment(`${victim} rejoined and caught up ${since(restartedAt)} after its restart`);
    const target = appended;
    await waitFor('the consumers to apply everything appended before the restart', () => applied() >= target, 60_000);
    t.comment(`lag recovered: every one of ${target} events appended applied ${since(restartedAt)} after the restart`);

    const now = await acknowledged();
    t.same(now.slice(0, kept.length), kept, `the ${kept.length} messages acknowledged before the kill are all there, at their sequences`);
    t.ok(appliedOnce(), 'no event applied twice');
  };

  await t.test('a follower of the stream', (t) => killAndRestart(t, 'a follower'));
  await t.test('the stream leader', (t) => killAndRestart(t, 'the leader'));

  loading = false;
  await Promise.all(writers);
  const expected = (await userEvents(client)).map((e) => e.eventId);
  t.equal(expected.length, appended, `${appended} events appended`);
  await waitFor('every event applied', () => applied() >= expected.length, 60_000);
  await waitFor('every event in CFUND_EVENTS', async () => (await info()).state.messages >= expected.length, 60_000);
  const stored = await acknowledged();
  t.same(stored, expected, 'CFUND_EVENTS holds every event exactly once, in $all order');
  t.ok(relay.status().published <= stored.length, `the relay republished nothing the cluster had acknowledged (${relay.status().published} acks, ${stored.length} messages)`);
  for (const { name, applications, consumer } of consumers) {
    t.same([...applications.keys()].sort(), [...expected].sort(), `${name} applied every event`);
    t.ok([...applications.values()].every((n) => n === 1), `${name}: each exactly once`);
    t.equal((await consumer.lag()).pending, 0, `${name}: nothing pending`);
  }
});
