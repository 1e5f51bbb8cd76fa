/**
 * `readAllResponses` and `decodeReadResponse` against the client's own decoding of the same
 * bytes (`ReadResp.deserializeBinary` then `convertGrpcEvent`): every event of a store read
 * through the real client (embedded store, or the one ESDB_CONNECTION_STRING names), and
 * messages built with the client's generated classes for what a store rarely sends.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { EventStoreDBClient, START, binaryEvent, jsonEvent } from '@eventstore/db-client';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent.js';
import { startTestEnvironment } from '@cfund/test-support';
import { decodeReadResponse, readAllResponses, type ReadResponse } from '../src/index.ts';

type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type RecordedEvent = InstanceType<typeof streamsPb.ReadResp.ReadEvent.RecordedEvent>;

/** What the client makes of a message, in the decoder's shape. */
function viaClient(bytes: Uint8Array): ReadResponse {
  const resp: ReadResp = streamsPb.ReadResp.deserializeBinary(bytes);
  if (resp.hasStreamNotFound()) return { kind: 'stream-not-found' };
  if (!resp.hasEvent()) return { kind: 'other' };
  const e = convertGrpcEvent(resp.getEvent()!).event;
  if (!e) return { kind: 'event', event: undefined };
  return {
    kind: 'event',
    event: {
      eventId: e.id, streamId: e.streamId, revision: Number(e.revision), type: e.type, data: e.data,
      metadata: e.metadata, isJson: e.isJson, created: e.created.toISOString(),
      ...(e.position ? { commitPosition: e.position.commit.toString(), preparePosition: e.position.prepare.toString() } : {}),
    },
  };
}

/** Uint8Arrays compared by content (the client's copies and the decoder's views differ as objects). */
const plain = (r: ReadResponse): unknown => JSON.parse(JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? { bytes: [...v] } : v)));

t.test('every event of a store decodes as the client decodes it', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  t.comment(env.description);
  const client: EventStoreDBClient = env.eventStore;
  const id = randomUUID().slice(0, 8);
  await client.appendToStream(`wire-${id}`, [
    jsonEvent({ type: 'Filed', data: { amount: 12, text: 'zwölf € 🙂', nested: { list: [1, null, true] } }, metadata: { actor: 'lawyer-1', hash: 'ab'.repeat(32) } }),
    jsonEvent({ type: 'NoMetadata', data: { n: 1 } }),
    binaryEvent({ type: 'Binary', data: new Uint8Array([0, 1, 2, 250, 255]), metadata: new Uint8Array([123, 34, 120]) }),
    binaryEvent({ type: 'Empty', data: new Uint8Array(0) }),
  ]);
  await client.appendToStream(`wire-ünïcode-${id}`, [jsonEvent({ type: 'Grüße', data: { ok: true }, metadata: { occurredAt: '2026-01-02T03:04:05.678Z' } })]);
  // Enough revisions for multi-byte varints.
  await client.appendToStream(`wire-long-${id}`, Array.from({ length: 300 }, (_, i) => jsonEvent({ type: 'Tick', data: { i } })));

  let compared = 0;
  const differing: unknown[] = [];
  const ids: string[] = [];
  for await (const bytes of readAllResponses(client)) {
    const mine = plain(decodeReadResponse(bytes));
    const theirs = plain(viaClient(bytes));
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) differing.push({ mine, theirs });
    const decoded = mine as ReadResponse;
    if (decoded.kind === 'event' && decoded.event) {
      compared += 1;
      ids.push(decoded.event.eventId);
    }
  }
  t.same(differing.slice(0, 3), [], 'every response decodes as the client decodes it');
  const expected: string[] = [];
  for await (const r of client.readAll({ fromPosition: START, maxCount: Number.MAX_SAFE_INTEGER })) if (r.event) expected.push(r.event.id);
  t.ok(compared >= 305, `${compared} events compared`);
  t.same(ids, expected, 'the same events in the same order as readAll');

  let taken = 0;
  for await (const _ of readAllResponses(client)) if ((taken += 1) === 3) break;
  let again = 0;
  for await (const bytes of readAllResponses(client)) if (decodeReadResponse(bytes).kind === 'event') again += 1;
  t.ok(again >= compared, 'leaving a read early cancels it; the client reads on');
});

t.test('a failed read throws what the client throws', async (t) => {
  const nowhere = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false');
  t.teardown(() => nowhere.dispose());
  const failure = async (read: () => AsyncIterable<unknown>): Promise<Error> => {
    try {
      for await (const _ of read()) { /* nothing arrives */ }
    } catch (error) {
      return error as Error;
    }
    throw new Error('the read did not fail');
  };
  const theirs = await failure(() => nowhere.readAll({ fromPosition: START, maxCount: 10 }));
  const mine = await failure(() => readAllResponses(nowhere));
  t.equal(mine.constructor.name, theirs.constructor.name, `both ${theirs.constructor.name}`);
  t.not(mine.constructor.name, 'Error', 'a command error of the client');
});

/** A RecordedEvent with the fields a store sets. */
function recorded(fields: { id?: 'string' | 'structured' | 'none'; metadata?: Record<string, string>; custom?: Uint8Array; data?: Uint8Array; revision?: string; stream?: string }): RecordedEvent {
  const e = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const uuid = new sharedPb.UUID();
  if (fields.id === 'structured') {
    const s = new sharedPb.UUID.Structured();
    // 5f0c2a3e-9d1b-4e6f-8a7b-1c2d3e4f5a6b as two signed 64-bit halves.
    s.setMostSignificantBits('6848895581735833199');
    s.setLeastSignificantBits('-8468143693695591829');
    uuid.setStructured(s);
  } else uuid.setString('5f0c2a3e-9d1b-4e6f-8a7b-1c2d3e4f5a6b');
  if (fields.id !== 'none') e.setId(uuid);
  const stream = new sharedPb.StreamIdentifier();
  stream.setStreamName(Buffer.from(fields.stream ?? 'claim-1'));
  e.setStreamIdentifier(stream);
  e.setStreamRevision(fields.revision ?? '7');
  e.setCommitPosition('1000');
  e.setPreparePosition('1000');
  for (const [k, v] of Object.entries(fields.metadata ?? { type: 'ClaimFiled', 'content-type': 'application/json', created: '17647200001234567' })) e.getMetadataMap().set(k, v);
  if (fields.custom) e.setCustomMetadata(fields.custom);
  e.setData(fields.data ?? Buffer.from('{"a":1}'));
  return e;
}

function response(event?: RecordedEvent, link?: RecordedEvent): Uint8Array {
  const read = new streamsPb.ReadResp.ReadEvent();
  if (event) read.setEvent(event);
  if (link) read.setLink(link);
  read.setCommitPosition('1000');
  const resp = new streamsPb.ReadResp();
  resp.setEvent(read);
  return resp.serializeBinary();
}

t.test('messages a store rarely sends decode as the client decodes them', async (t) => {
  const cases: [string, Uint8Array][] = [
    ['a string id', response(recorded({}))],
    ['a structured id', response(recorded({ id: 'structured' }))],
    ['an event and its link', response(recorded({}), recorded({ stream: '$ce-claim', metadata: { type: '$>', 'content-type': 'application/octet-stream', created: '1' } }))],
    ['a link alone', response(undefined, recorded({ stream: '$ce-claim' }))],
    ['no created', response(recorded({ metadata: { type: 'X', 'content-type': 'application/json' } }))],
    ['created not a number', response(recorded({ metadata: { type: 'X', 'content-type': 'application/json', created: 'soon' } }))],
    ['created below a millisecond', response(recorded({ metadata: { type: 'X', 'content-type': 'application/json', created: '9999' } }))],
    ['no type, other metadata', response(recorded({ metadata: { 'content-type': 'application/json', created: '17647200001234567', extra: 'x' } }))],
    ['malformed JSON data', response(recorded({ data: Buffer.from('{"a":') }))],
    ['malformed JSON metadata', response(recorded({ custom: Buffer.from('not json') }))],
    ['JSON metadata', response(recorded({ custom: Buffer.from('{"actor":"a","n":[1,2]}') }))],
    ['binary data', response(recorded({ metadata: { type: 'B', 'content-type': 'application/octet-stream', created: '17647200001234567' }, data: new Uint8Array([9, 8, 7]) }))],
    ['a revision beyond 2^53', response(recorded({ revision: '18446744073709551615' }))],
    ['a revision of 2^49', response(recorded({ revision: String(2 ** 49) }))],
    ['a unicode stream', response(recorded({ stream: 'claim-ßü🙂' }))],
    ['a checkpoint', (() => { const c = new streamsPb.ReadResp.Checkpoint(); c.setCommitPosition('5'); c.setPreparePosition('5'); const r = new streamsPb.ReadResp(); r.setCheckpoint(c); return r.serializeBinary(); })()],
    ['caught up', (() => { const r = new streamsPb.ReadResp(); r.setCaughtUp(new streamsPb.ReadResp.CaughtUp()); return r.serializeBinary(); })()],
    ['stream not found', (() => { const n = new streamsPb.ReadResp.StreamNotFound(); const s = new sharedPb.StreamIdentifier(); s.setStreamName(Buffer.from('x')); n.setStreamIdentifier(s); const r = new streamsPb.ReadResp(); r.setStreamNotFound(n); return r.serializeBinary(); })()],
  ];
  for (const [name, bytes] of cases) {
    const buf = Buffer.from(bytes);
    t.same(plain(decodeReadResponse(buf)), plain(viaClient(bytes)), name);
    // The same message in the middle of a larger buffer (how a rebuild's worker receives them).
    const padded = Buffer.concat([Buffer.from([1, 2, 3]), buf, Buffer.from([4])]);
    t.same(plain(decodeReadResponse(padded, 3, 3 + buf.length)), plain(viaClient(bytes)), `${name}, inside a larger buffer`);
  }
  const structured = decodeReadResponse(Buffer.from(cases[1]![1]));
  t.equal(structured.kind === 'event' ? structured.event?.eventId : undefined, '5f0c2a3e-9d1b-4e6f-8a7b-1c2d3e4f5a6b', 'a structured id reads as its string form');

  const whole = Buffer.from(response(recorded({})));
  t.throws(() => decodeReadResponse(whole, 0, whole.length - 5), /truncated/, 'a truncated message is an error, not a wrong event');
  t.throws(() => decodeReadResponse(Buffer.from([0x0a, 0x05, 0x0a, 0x03, 0x0f])), /wire type|truncated/, 'garbage is an error');
});
