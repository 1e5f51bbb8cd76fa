/**
 * Conformance: system events in `$all`, ServerFeatures, Gossip (esdb+discover:// and
 * multi-host connection strings) and many concurrent appends.
 */
import t, { type Test } from 'tap';
import * as grpc from '@grpc/grpc-js';
import {
  ANY,
  NO_STREAM,
  eventTypeFilter,
  jsonEvent,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendResult,
  type AppendToStreamOptions,
  type Position,
} from '@eventstore/db-client';
import gossipGrpc from '@eventstore/db-client/generated/gossip_grpc_pb.js';
import gossipPb from '@eventstore/db-client/generated/gossip_pb.js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import {
  ADMIN,
  SubscriptionRecorder,
  collect,
  comparePositions,
  rejection,
  startTarget,
  stringify,
  testEvents,
  uniqueStream,
} from './target.ts';

// The embedded store writes $statsCollected every 500 ms here; a real server every 30 s.
const STATS_INTERVAL_MS = 500;
const target = await startTarget({ statsIntervalMs: STATS_INTERVAL_MS });
t.teardown(() => target.close());
const client = target.client;
const address = `${target.host}:${target.port}`;

t.test('system events in $all', async (t) => {
  t.test('setStreamMetadata appears in $all as a $metadata event of $$<stream>', async (t) => {
    const stream = uniqueStream('sys-meta');
    await client.appendToStream(stream, testEvents(1));
    const result = await client.setStreamMetadata(stream, { maxCount: 50, custom: 'x' });
    t.equal(result.nextExpectedRevision, 0n, 'first revision of the metastream');
    t.ok(result.position, 'position returned');
    if (!result.position) return;
    const [first] = await collect(client.readAll({ fromPosition: result.position, maxCount: 1 }));
    const e = first?.event;
    t.ok(e, 'an event at that position');
    if (!e) return;
    t.equal(e.type, '$metadata', 'type $metadata');
    t.equal(e.streamId, `$$${stream}`, 'in the metastream $$<stream>');
    t.equal(e.revision, 0n, 'revision 0 of the metastream');
    t.equal(e.isJson, true, 'JSON');
    t.has(e.data, { $maxCount: 50, custom: 'x' }, 'the raw metadata with $-prefixed system keys');
    t.same(e.position, result.position, 'with the append position');

    const meta = await collect(client.readStream(`$$${stream}`));
    t.equal(meta.length, 1, 'the metastream can be read directly');
    t.equal(meta[0]?.event?.id, e.id, 'same event');
  });

  t.test('$statsCollected events appear periodically in $all', async (t) => {
    // A real server writes them every 30 s (when it writes stats to the database at all).
    const wanted = target.external ? 1 : 2;
    const timeoutMs = target.external ? 35_000 : 10 * STATS_INTERVAL_MS + 5_000;
    const rec = new SubscriptionRecorder<AllStreamResolvedEvent>(
      client.subscribeToAll({ fromPosition: 'end', filter: eventTypeFilter({ prefixes: ['$statsCollected'] }) }),
    );
    try {
      await rec.waitForEvents(wanted, timeoutMs);
    } catch (error) {
      if (target.external && rec.events.length === 0) {
        t.skip(`no $statsCollected within ${timeoutMs} ms: the external server does not write stats to the database`, () => {});
        await rec.unsubscribe();
        return;
      }
      throw error;
    }
    const events = rec.events.slice(0, wanted).map((r) => r.event);
    for (const [i, e] of events.entries()) {
      t.ok(e, `event ${i}`);
      if (!e) continue;
      t.equal(e.type, '$statsCollected', 'type');
      t.ok(e.streamId.startsWith('$stats-'), `in a $stats-<node> stream (${e.streamId})`);
      t.equal(e.isJson, true, 'JSON');
      t.equal(typeof e.data, 'object', 'data is an object');
      t.ok(Math.abs(e.created.getTime() - Date.now()) < 60_000, 'created near now');
      const [same] = await collect(client.readAll({ fromPosition: e.position, maxCount: 1 }));
      t.equal(same?.event?.id, e.id, 'readable from $all at its position');
    }
    if (events.length === 2 && events[0] && events[1]) {
      t.ok(comparePositions(events[0].position, events[1].position) < 0, 'later one has a later position');
      t.ok(events[1].created.getTime() >= events[0].created.getTime(), 'and a later creation time');
      t.equal(events[1].streamId, events[0].streamId, 'same stats stream');
      t.equal(events[1].revision, events[0].revision + 1n, 'consecutive revisions of the stats stream');
    }
    await rec.unsubscribe();
  });

  t.test('system events are in $all between user events (consumers must filter)', async (t) => {
    const s = uniqueStream('sys-between');
    const a = await client.appendToStream(s, jsonEvent({ type: 'user-a', data: {} }));
    await client.setStreamMetadata(s, { maxCount: 5 });
    await client.appendToStream(s, jsonEvent({ type: 'user-b', data: {} }));
    if (!a.position) throw new Error('no position');
    const read = await collect(client.readAll({ fromPosition: a.position, maxCount: 500 }));
    const mine = read
      .map((r) => r.event)
      .filter((e) => e?.streamId === s || e?.streamId === `$$${s}`)
      .map((e) => e?.type);
    t.same(mine, ['user-a', '$metadata', 'user-b']);
  });
});

t.test('ServerFeatures advertises Streams.BatchAppend', async (t) => {
  const features = new serverFeaturesGrpc.ServerFeaturesClient(address, target.grpcCredentials());
  try {
    const methods = await new Promise<{ service: string; method: string }[]>((resolve, reject) => {
      features.getSupportedMethods(new sharedPb.Empty(), (err, res) => {
        if (err) return reject(err);
        resolve(res.getMethodsList().map((m) => ({ service: m.getServiceName(), method: m.getMethodName() })));
      });
    });
    const paths = methods.map((m) => `/${m.service}/${m.method}`.toLowerCase());
    t.ok(paths.includes('/event_store.client.streams.streams/batchappend'), `batchappend listed in ${stringify(paths)}`);
  } finally {
    features.close();
  }
});

t.test('Gossip', async (t) => {
  t.test('Gossip.Read answers with an alive leader that has an HTTP endpoint', async (t) => {
    const gossip = new gossipGrpc.GossipClient(address, target.grpcCredentials());
    try {
      const members = await new Promise<InstanceType<typeof gossipPb.MemberInfo>[]>((resolve, reject) => {
        gossip.read(new sharedPb.Empty(), new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (err, info) => {
          if (err) return reject(err);
          resolve(info.getMembersList());
        });
      });
      const leaders = members.filter((m) => m.getIsAlive() && m.getState() === gossipPb.MemberInfo.VNodeState.LEADER);
      t.equal(leaders.length, 1, 'exactly one alive leader');
      const http = leaders[0]?.getHttpEndPoint();
      t.ok(http, 'with an HTTP endpoint');
      if (http && !target.external) {
        t.equal(http.getPort(), target.port, 'the embedded store advertises its own port');
      }
    } finally {
      gossip.close();
    }
  });

  const viaClient = async (t: Test, connectionString: string) => {
    const c = target.newClient(connectionString);
    const stream = uniqueStream('gossip');
    const events = testEvents(3);
    const r = await c.appendToStream(stream, events, { expectedRevision: NO_STREAM });
    t.equal(r.nextExpectedRevision, 2n, 'append through the discovered node');
    const r2 = await c.appendToStream(stream, testEvents(1, 'test-event', 3), { credentials: ADMIN });
    t.equal(r2.nextExpectedRevision, 3n, 'append (Append path) through the discovered node');
    const read = await collect(c.readStream(stream));
    t.same(
      read.map((e) => e.event?.id).slice(0, 3),
      events.map((e) => e.id),
      'read back through the discovered node',
    );
    const viaDefault = await collect(client.readStream(stream));
    t.equal(viaDefault.length, 4, 'the same data as through the direct connection');
  };

  t.test('esdb+discover:// works for append and read', async (t) => {
    await viaClient(t, target.connectionStringTo(address, 'discoveryInterval=100&maxDiscoverAttempts=20', true));
  });

  t.test('a multi-host connection string (one seed unreachable) works for append and read', async (t) => {
    await viaClient(t, target.connectionStringTo(`127.0.0.1:1,${address}`, 'discoveryInterval=100&maxDiscoverAttempts=20'));
  });
});

t.test('concurrency', async (t) => {
  t.test('500 concurrent appends across 20 streams (both paths): consistent revisions and positions', async (t) => {
    const streams = Array.from({ length: 20 }, () => uniqueStream('conc'));
    const perStream = 25;
    type Job = { stream: string; id: string; result?: AppendResult; error?: unknown };
    const jobs: Job[] = [];
    const promises: Promise<void>[] = [];
    for (let i = 0; i < perStream; i++) {
      for (const [si, stream] of streams.entries()) {
        const event = jsonEvent({ type: 'conc', data: { i, si } });
        const job: Job = { stream, id: event.id };
        jobs.push(job);
        const options: AppendToStreamOptions = (i + si) % 2 === 0 ? { expectedRevision: ANY } : { expectedRevision: ANY, credentials: ADMIN };
        promises.push(
          client.appendToStream(stream, event, options).then(
            (r) => {
              job.result = r;
            },
            (err: unknown) => {
              job.error = err;
            },
          ),
        );
      }
    }
    await Promise.all(promises);
    const failed = jobs.filter((j) => j.error !== undefined);
    t.equal(failed.length, 0, `all appends succeed${failed[0] ? ` (first error: ${String(failed[0].error)})` : ''}`);
    if (failed.length > 0) return;

    const positions = new Set(jobs.map((j) => stringify(j.result?.position)));
    t.equal(positions.size, jobs.length, 'every append has a distinct position');

    let minPosition: Position | undefined;
    for (const stream of streams) {
      const own = jobs.filter((j) => j.stream === stream);
      const revisions = own.map((j) => j.result?.nextExpectedRevision ?? -1n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      t.same(
        revisions,
        Array.from({ length: perStream }, (_, i) => BigInt(i)),
        `${stream}: revisions 0..${perStream - 1}, each once`,
      );
      const byRevision = [...own].sort((a, b) =>
        (a.result?.nextExpectedRevision ?? 0n) < (b.result?.nextExpectedRevision ?? 0n) ? -1 : 1,
      );
      const increasing = byRevision.every(
        (j, i) => i === 0 || comparePositions(byRevision[i - 1]?.result?.position as Position, j.result?.position as Position) < 0,
      );
      t.ok(increasing, `${stream}: positions increase with revisions`);
      const read = await collect(client.readStream(stream));
      t.same(
        read.map((r) => r.event?.id),
        byRevision.map((j) => j.id),
        `${stream}: read order matches the acknowledged revisions`,
      );
      t.same(
        read.map((r) => r.event?.position),
        byRevision.map((j) => j.result?.position),
        `${stream}: read positions match the acknowledged positions`,
      );
      for (const j of own) {
        const p = j.result?.position;
        if (p && (!minPosition || comparePositions(p, minPosition) < 0)) minPosition = p;
      }
    }

    if (minPosition) {
      const mine = new Set(streams);
      const all = (await collect(client.readAll({ fromPosition: minPosition, maxCount: 5_000 })))
        .map((r) => r.event)
        .filter((e) => e !== undefined && mine.has(e.streamId));
      t.equal(all.length, jobs.length, 'all 500 events are in $all');
      const byId = new Map(jobs.map((j) => [j.id, j]));
      t.ok(
        all.every((e) => e && stringify(e.position) === stringify(byId.get(e.id)?.result?.position)),
        '$all positions equal the acknowledged positions',
      );
    }
  });

  t.test('concurrent NO_STREAM appends to one stream: exactly one wins', async (t) => {
    const stream = uniqueStream('conc-race');
    const attempts = Array.from({ length: 20 }, (_, i) =>
      client
        .appendToStream(stream, jsonEvent({ type: 'race', data: { i } }), {
          expectedRevision: NO_STREAM,
          ...(i % 2 === 0 ? {} : { credentials: ADMIN }),
        })
        .then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
    );
    const results = await Promise.all(attempts);
    const wins = results.filter((r) => r.ok);
    const losses = results.flatMap((r) => (r.ok ? [] : [r.e]));
    t.equal(wins.length, 1, 'one append succeeds');
    t.equal(losses.length, 19, 'the others fail');
    t.ok(
      losses.every((e) => e instanceof WrongExpectedVersionError && e.expectedVersion === 'no_stream' && e.actualVersion === 0n),
      'each with WrongExpectedVersionError(expected no_stream, actual 0)',
    );
    t.equal((await collect(client.readStream(stream))).length, 1, 'one event stored');
  });

  t.test('optimistic concurrency loop: 10 writers x 10 increments, nothing lost', async (t) => {
    const stream = uniqueStream('conc-occ');
    await client.appendToStream(stream, jsonEvent({ type: 'init', data: {} }), { expectedRevision: NO_STREAM });
    let conflicts = 0;
    const writer = async (w: number) => {
      for (let n = 0; n < 10; n++) {
        for (;;) {
          const [last] = await collect(client.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }));
          const revision = last?.event?.revision ?? -1n;
          try {
            await client.appendToStream(stream, jsonEvent({ type: 'inc', data: { w, n } }), {
              expectedRevision: revision,
              ...(w % 2 === 0 ? {} : { credentials: ADMIN }),
            });
            break;
          } catch (error) {
            const wev = await rejection(Promise.reject(error), WrongExpectedVersionError);
            if (wev.expectedVersion !== revision) throw new Error(`expectedVersion ${String(wev.expectedVersion)} != ${revision}`);
            conflicts++;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, w) => writer(w)));
    const read = await collect(client.readStream(stream));
    t.equal(read.length, 101, 'all 100 increments plus init stored');
    t.same(
      read.map((r) => r.event?.revision),
      Array.from({ length: 101 }, (_, i) => BigInt(i)),
      'gapless revisions',
    );
    t.comment(`${conflicts} WrongExpectedVersion retries`);
  });
});
