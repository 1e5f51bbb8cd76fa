/**
 * Conformance: how catch-up subscriptions report going live. Client 6.2.1 sees the checkpoint a
 * filtered `$all` subscription is sent when catch-up ends; the timestamp and position that
 * `caught_up` and `checkpoint` carry since EventStoreDB 24.10.5 are not in its generated classes,
 * so those are read from the raw gRPC messages here (streams.proto of 24.10.5:
 * `ReadResp.CaughtUp { timestamp = 1; stream_revision = 2; position = 3 }`,
 * `ReadResp.Checkpoint { commit_position = 1; prepare_position = 2; timestamp = 3 }`).
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import jspb from 'google-protobuf';
import { jsonEvent, streamNameFilter, type Position } from '@eventstore/db-client';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { atLeast, serverFeatures, startTarget, testEvents, uniqueStream, waitFor } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;
const { version } = await serverFeatures(target);

t.test('a filtered $all subscription is sent a checkpoint when catch-up ends (Enumerator.AllSubscriptionFiltered.cs, CatchUp)', async (t) => {
  const prefix = `caughtup-ckpt-${randomUUID()}-`;
  const noise = uniqueStream('caughtup-noise');
  const marker = await client.appendToStream(noise, testEvents(1));
  await client.appendToStream(noise, testEvents(5));
  const match = await client.appendToStream(`${prefix}a`, jsonEvent({ type: 'match', data: {} }));
  const log: { kind: 'checkpoint' | 'caughtUp' | 'event'; position?: Position }[] = [];
  // An interval of 1000 x 32 scanned events: no checkpoint falls due by the interval here.
  const sub = client.subscribeToAll({
    fromPosition: marker.position!,
    filter: streamNameFilter({ prefixes: [prefix], checkpointInterval: 1000, checkpointReached: (_s, position) => { log.push({ kind: 'checkpoint', position }); } }),
  });
  sub.on('data', () => log.push({ kind: 'event' }));
  sub.on('caughtUp', () => log.push({ kind: 'caughtUp' }));
  try {
    await waitFor(() => log.some((l) => l.kind === 'caughtUp'), 10_000, 'caughtUp');
    const at = log.findIndex((l) => l.kind === 'caughtUp');
    const before = log[at - 1];
    t.equal(before?.kind, 'checkpoint', `a checkpoint just before caughtUp (log: ${log.map((l) => l.kind).join(', ')})`);
    t.ok(before?.position && before.position.commit >= match.position!.commit, 'at or after the last event scanned');
  } finally {
    await sub.unsubscribe();
  }
});

interface Reported { seconds?: number; revision?: number; commit?: bigint }

/** The `caught_up` (field 8) or `checkpoint` (field 3) of a raw ReadResp, if it is one. */
function parse(bytes: Uint8Array): { kind: 'caughtUp' | 'checkpoint'; reported: Reported } | undefined {
  const r = new jspb.BinaryReader(bytes);
  while (r.nextField()) {
    const field = r.getFieldNumber();
    if (field !== 8 && field !== 3) { r.skipField(); continue; }
    const reported: Reported = {};
    const timestamp = (tr: jspb.BinaryReader): void => {
      while (tr.nextField()) if (tr.getFieldNumber() === 1) reported.seconds = tr.readInt64(); else tr.skipField();
    };
    r.readMessage(reported, (_m: unknown, m: jspb.BinaryReader) => {
      while (m.nextField()) {
        const f = m.getFieldNumber();
        if (field === 8 && f === 1) m.readMessage(reported, (_x: unknown, tr: jspb.BinaryReader) => timestamp(tr));
        else if (field === 8 && f === 2) reported.revision = m.readInt64();
        else if (field === 8 && f === 3) {
          m.readMessage(reported, (_x: unknown, p: jspb.BinaryReader) => {
            while (p.nextField()) if (p.getFieldNumber() === 1) reported.commit = BigInt(p.readUint64String()); else p.skipField();
          });
        } else if (field === 3 && f === 1) reported.commit = BigInt(m.readUint64String());
        else if (field === 3 && f === 3) m.readMessage(reported, (_x: unknown, tr: jspb.BinaryReader) => timestamp(tr));
        else m.skipField();
      }
    });
    return { kind: field === 8 ? 'caughtUp' : 'checkpoint', reported };
  }
  return undefined;
}

/** Subscribes through a raw Streams.Read call until caught up; returns the checkpoints and the caught-up message. */
async function rawSubscription(options: streamsPb.ReadReq.Options): Promise<{ checkpoints: Reported[]; caughtUp: Reported }> {
  options.setReadDirection(streamsPb.ReadReq.Options.ReadDirection.FORWARDS);
  options.setResolveLinks(false);
  options.setSubscription(new streamsPb.ReadReq.Options.SubscriptionOptions());
  options.setUuidOption(new streamsPb.ReadReq.Options.UUIDOption().setString(new sharedPb.Empty()));
  const raw = new grpc.Client(`${target.host}:${target.port}`, target.grpcCredentials());
  const call = raw.makeServerStreamRequest(
    '/event_store.client.streams.Streams/Read',
    (req: streamsPb.ReadReq) => Buffer.from(req.serializeBinary()),
    (b: Buffer) => b,
    new streamsPb.ReadReq().setOptions(options),
    new grpc.Metadata(),
    {},
  );
  const checkpoints: Reported[] = [];
  try {
    return await new Promise((resolve, reject) => {
      call.on('data', (b: Buffer) => {
        const m = parse(b);
        if (m?.kind === 'checkpoint') checkpoints.push(m.reported);
        if (m?.kind === 'caughtUp') resolve({ checkpoints, caughtUp: m.reported });
      });
      call.on('error', reject);
      setTimeout(() => reject(new Error('no caught_up within 10 s')), 10_000).unref();
    });
  } finally {
    call.cancel();
    raw.close();
  }
}

const near = (seconds: number | undefined): boolean => seconds !== undefined && Math.abs(seconds - Date.now() / 1000) < 60;

t.test('caught_up carries the time and where the subscription is (Streams.Read.cs, Convert; 24.10.5+)', { skip: !atLeast(version, 24, 10, 5) && `server ${version} sends an empty caught_up` }, async (t) => {
  t.test('a stream subscription: its last revision', async (t) => {
    const stream = uniqueStream('caughtup-stream');
    await client.appendToStream(stream, testEvents(3));
    const options = new streamsPb.ReadReq.Options().setStream(new streamsPb.ReadReq.Options.StreamOptions()
      .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(stream)))
      .setStart(new sharedPb.Empty())).setNoFilter(new sharedPb.Empty());
    const { caughtUp } = await rawSubscription(options);
    t.ok(near(caughtUp.seconds), `timestamp is the server's current time (${caughtUp.seconds})`);
    t.equal(caughtUp.revision, 2, 'stream_revision: the last event delivered');
    t.equal(caughtUp.commit, undefined, 'no $all position');
  });

  t.test('a filtered $all subscription: its position, and timestamped checkpoints', async (t) => {
    const prefix = `caughtup-raw-${randomUUID()}-`;
    const marker = await client.appendToStream(uniqueStream('caughtup-raw-marker'), testEvents(1));
    const last = await client.appendToStream(`${prefix}a`, testEvents(2));
    const options = new streamsPb.ReadReq.Options().setAll(new streamsPb.ReadReq.Options.AllOptions()
      .setPosition(new streamsPb.ReadReq.Options.Position()
        .setCommitPosition(String(marker.position!.commit)).setPreparePosition(String(marker.position!.prepare))))
      .setFilter(new streamsPb.ReadReq.Options.FilterOptions()
        .setStreamIdentifier(new streamsPb.ReadReq.Options.FilterOptions.Expression().setPrefixList([prefix]))
        .setMax(32).setCheckpointintervalmultiplier(1000));
    const { checkpoints, caughtUp } = await rawSubscription(options);
    t.ok(near(caughtUp.seconds), 'timestamp is the server\'s current time');
    t.ok(caughtUp.commit !== undefined && caughtUp.commit >= last.position!.commit, 'position: at or after the last event delivered');
    t.equal(caughtUp.revision, undefined, 'no stream revision');
    t.ok(checkpoints.length >= 1 && checkpoints.every((c) => near(c.seconds)), 'the checkpoint before it carries a timestamp');
  });
});
