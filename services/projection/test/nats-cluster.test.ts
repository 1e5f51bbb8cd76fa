/**
 * The real services on a real three-node NATS cluster (nats-server processes on loopback, every
 * stream with three replicas): the command service hosting the relay, the projection and the
 * notification service, each the compiled `dist/main.js` in a child process, while claims go
 * through the command service without pause. A follower of CFUND_EVENTS, then its leader, is
 * killed (SIGKILL) and restarted: nothing acknowledged is lost (every command answered is in the
 * read model; the stream keeps every message it had), nothing is applied twice (the read model is
 * the one a rebuild from the event store gives, the projector applied each event it projects
 * once, the notification service told each thing once), and the lag recovers.
 *
 * packages/messaging/test/nats-cluster.test.ts shows the same of the relay and OrderedApplier in
 * one process; here it is the services as deployed, each with its own NATS connection failing
 * over between the nodes.
 */
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { EventStoreDBClient, START } from '@eventstore/db-client';
import { connect, type StreamInfo } from 'nats';
import { EVENTS_STREAM, EventHeaders, isSystemEvent } from '@cfund/messaging';
import { isProjected } from '../src/read-model/projector.ts';
import {
  BenchRun, CLAIM_ONLY_STEPS, HttpClient, benchOperatorToken, benchTokens, findNatsServer, natsCredentials, natsInstallHint, projectionCaughtUp, runLifecycles,
  startEventStore, startNatsClusterOf, startService, waitFor,
} from '@cfund/bench-kit';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REPLICAS = 3;
/** Events in a consumer's hands when its node dies come back after the ack wait (30 s in production): shorter here. */
const ACK_WAIT_MS = '4000';
/** Lifecycles in flight: a load the two shared cores sustain beside the three nodes and four processes. */
const IN_FLIGHT = 4;

t.test('the services on a three-node NATS cluster: a follower, then the stream leader, killed under load and restarted', async (t) => {
  if (!findNatsServer()) return t.plan(0, `nats-server is not installed: ${natsInstallHint()}`);
  execFileSync('pnpm', ['exec', 'tsc', '-b', 'services/command', 'services/projection', 'services/notification', 'packages/embedded-eventstore'], { cwd: repoRoot, stdio: 'inherit' });
  const began = performance.now();
  const since = (at: number) => `${((performance.now() - at) / 1000).toFixed(1)} s`;
  const run = new BenchRun('cfund-nats-cluster-services', 600_000);
  t.teardown(() => run.cleanup());
  const http = new HttpClient(16);
  t.teardown(() => http.destroy());

  const store = await startEventStore(run);
  const nats = await startNatsClusterOf(run, { users: { test: { publish: ['>'], subscribe: ['>'] } } });
  const { cluster } = nats;
  const inspector = await connect({ servers: cluster.urls, ...natsCredentials(nats.url, 'test'), name: 'inspector', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  t.teardown(() => inspector.close());
  const jsm = await inspector.jetstreamManager({ checkAPI: false });
  await waitFor('JetStream to elect its meta leader', () => jsm.getAccountInfo().then(() => true, () => false), 60_000);

  const env = { NATS_STREAM_REPLICAS: String(REPLICAS), PROJECTION_ACK_WAIT_MS: ACK_WAIT_MS, NOTIFICATION_ACK_WAIT_MS: ACK_WAIT_MS };
  const start = (service: 'command' | 'projection' | 'notification') =>
    startService(run, service, { connection: store.connection, natsUrl: nats.url, env, readyTimeoutMs: 120_000 });
  const command = await start('command');
  const projection = await start('projection');
  const notification = await start('notification');
  const tk = await benchTokens(run.dir('data'));

  const info = (name = EVENTS_STREAM): Promise<StreamInfo> => jsm.streams.info(name);
  await waitFor('CFUND_EVENTS on three nodes', () => info().then((i) => (i.cluster?.replicas ?? []).length === REPLICAS - 1, () => false), 60_000);
  t.equal((await info()).config.num_replicas, REPLICAS, `CFUND_EVENTS has ${REPLICAS} replicas (NATS_STREAM_REPLICAS)`);
  t.comment(`the cluster and the three services up ${since(began)} after the start (the build included)`);

  /** A counter or gauge of a service's /metrics (0 when absent). */
  const metric = async (port: number, series: string): Promise<number> => {
    const text = (await http.request(port, 'GET', '/metrics', '')).text;
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  const applied = () => metric(projection.port, 'cfund_projection_events_total{outcome="applied"}');

  // Load: claim lifecycles (filing to assessment) through the command service; `answered` holds
  // each claim's newest revision the service acknowledged.
  const answered = new Map<string, number>();
  let loading = true;
  let number = 0;
  const load = (async () => {
    while (loading) {
      await runLifecycles({
        http, port: command.port, tk, count: IN_FLIGHT, inFlight: IN_FLIGHT, steps: CLAIM_ONLY_STEPS, firstNumber: (number += IN_FLIGHT),
        onCommand: (c) => answered.set(c.claimId, Math.max(answered.get(c.claimId) ?? -1, c.revision)),
      });
    }
  })();
  t.teardown(async () => { loading = false; await load.catch(() => undefined); });

  /** Every command answered so far is visible in the read model. */
  const allVisible = async (timeoutMs: number) => {
    const claims = [...answered];
    for (let i = 0; i < claims.length; i += 16) {
      await Promise.all(claims.slice(i, i + 16).map(([id, revision]) => projectionCaughtUp(http, projection.port, tk.auditor, id, revision, timeoutMs)));
    }
    return claims.length;
  };

  /** The event ids (Nats-Msg-Id) of CFUND_EVENTS' messages, in sequence order (an ordered consumer). */
  const messageIds = async (): Promise<string[]> => {
    const { state } = await info();
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

  const killAndRestart = async (t: Test, which: 'a follower' | 'the leader') => {
    const floor = (await applied()) + 100;
    await waitFor('events applied under load', async () => (await applied()) >= floor, 60_000);
    const leader = (await info()).cluster?.leader;
    t.ok(leader, `CFUND_EVENTS is led by ${leader}`);
    const victim = which === 'the leader' ? leader! : cluster.nodes.find((n) => n.name !== leader)!.name;
    const kept = await messageIds();

    const killedAt = performance.now();
    await cluster.kill(victim);
    const appliedAtKill = await applied();
    t.comment(`killed ${victim} (${which}) with ${kept.length} messages in CFUND_EVENTS, ${appliedAtKill} events applied`);
    // Two of three nodes are a quorum: the relay publishes and the projection applies meanwhile.
    await waitFor('applying while the node is down', async () => (await applied()) >= appliedAtKill + 50, 60_000);
    const newLeader = (await info()).cluster?.leader;
    t.comment(`with ${victim} down: 50 more applied ${since(killedAt)} after the kill; leader ${newLeader}`);
    if (which === 'the leader') t.not(newLeader, victim, 'another node leads the stream');

    const restartedAt = performance.now();
    await cluster.restart(victim);
    await waitFor(`${victim} current again`, async () => {
      const c = (await info().catch(() => undefined))?.cluster;
      return c?.leader !== undefined && (c.replicas ?? []).length === REPLICAS - 1 && (c.replicas ?? []).every((r) => r.current);
    }, 60_000);
    t.comment(`${victim} rejoined and caught up ${since(restartedAt)} after its restart`);
    const claims = await allVisible(60_000);
    t.comment(`lag recovered: every command answered before then (${claims} claims) in the read model ${since(restartedAt)} after the restart`);

    const now = await messageIds();
    t.same(now.slice(0, kept.length), kept, `the ${kept.length} messages CFUND_EVENTS held before the kill are all there, at their sequences`);
  };

  await t.test('a follower of the stream', (t) => killAndRestart(t, 'a follower'));
  await t.test('the stream leader', (t) => killAndRestart(t, 'the leader'));

  loading = false;
  await load;
  const claims = await allVisible(60_000);
  t.comment(`${claims} claims, ${claims * (1 + CLAIM_ONLY_STEPS)} commands answered; the load stopped ${since(began)} after the start`);

  // The notification service: each claim's application told the assessors once, its assessment the approvers once.
  await waitFor('the notification service to catch up', async () => (await metric(notification.port, 'cfund_notification_consumer_pending')) === 0, 60_000);
  const inbox = async (token: string, topic: string): Promise<string[]> => {
    const ids: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = JSON.parse((await http.request(notification.port, 'GET', `/notifications?limit=100&offset=${offset}`, token)).text) as { items: { topic: string; claimId: string | null }[]; total: number };
      ids.push(...page.items.filter((n) => n.topic === topic).map((n) => n.claimId ?? ''));
      if (offset + 100 >= page.total) return ids;
    }
  };
  const every = [...answered.keys()].sort();
  for (const [token, topic] of [[tk.assessor, 'application-submitted'], [tk.approver1, 'assessment-awaiting-approval']] as const) {
    await waitFor(`${topic} for every claim`, async () => (await inbox(token, topic)).length >= every.length, 60_000);
    t.same((await inbox(token, topic)).sort(), every, `${topic}: once for each of the ${every.length} claims`);
  }

  // The store's user events (the notification service records its own there too): what the
  // relay must have published, once each.
  const client = EventStoreDBClient.connectionString(store.connection);
  t.teardown(() => client.dispose());
  const storedEvents = async (): Promise<{ id: string; streamId: string }[]> => {
    const events: { id: string; streamId: string }[] = [];
    for await (const r of client.readAll({ fromPosition: START, direction: 'forwards', maxCount: 1_000_000 })) {
      if (r.event && !isSystemEvent(r.event)) events.push({ id: r.event.id, streamId: r.event.streamId });
    }
    return events;
  };
  // The projector applied each event of the streams it projects once: a redelivery is a
  // duplicate (a no-op), and events of other categories are ignored (each time they come).
  // Counted at an instant: the store read between two equal readings of the counter.
  let events = await storedEvents();
  let projected = events.filter((e) => isProjected(e.streamId)).length;
  let appliedThen = -1;
  await waitFor('the projection to apply every stored event', async () => {
    const before = await applied();
    events = await storedEvents();
    projected = events.filter((e) => isProjected(e.streamId)).length;
    appliedThen = await applied();
    return before === appliedThen && appliedThen >= projected;
  }, 60_000).catch(() => undefined);
  t.equal(appliedThen, projected, `the projector applied each of the store's ${projected} events of claims, fund years and access logs exactly once`);
  t.comment(`duplicates skipped: ${await metric(projection.port, 'cfund_projection_events_total{outcome="duplicate"}')}`);
  const stored = events.map((e) => e.id);
  await waitFor('every event in CFUND_EVENTS', async () => (await info()).state.messages >= stored.length, 60_000);
  const published = await messageIds();
  t.equal(new Set(published).size, published.length, 'no event twice in CFUND_EVENTS');
  // In $all order; anything the notification service recorded since comes after.
  t.same(published.slice(0, stored.length), stored, `CFUND_EVENTS holds the store's ${stored.length} events, in $all order`);

  const operator = await benchOperatorToken(run.dir('data'));
  const digest = JSON.parse((await http.request(projection.port, 'GET', '/admin/digest', operator)).text) as { digest: string };
  const rebuilt = await http.request(projection.port, 'POST', '/admin/rebuild', operator);
  t.equal(rebuilt.status, 200, 'rebuilt from the event store');
  t.equal((JSON.parse(rebuilt.text) as { digest: string }).digest, digest.digest, 'the read model built through the cluster is the one the event store gives');
});
