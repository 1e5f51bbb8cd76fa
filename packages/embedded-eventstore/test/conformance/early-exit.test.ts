/**
 * Conformance: reads and subscriptions left early (`break`/`return` in `for await`), through the
 * real client.
 *
 * A KurrentDB node ends a read by writing each response and then returning OK, and stops a read
 * or subscription whose call the client cancels (src/KurrentDB.Core/Services/Transport/Grpc/
 * Streams.Read.cs: `while (await enumerator.MoveNextAsync()) await responseStream.WriteAsync(..)`;
 * the enumerators of src/KurrentDB.Core/Services/Transport/Enumerators/, e.g.
 * Enumerator.ReadAllForwards.cs, run on the call's cancellation token). The embedded store does
 * the same (src/grpc/reads.ts). What stalled clients was client 6.2.1: leaving a `for await`
 * destroys its read stream but neither cancels nor drains the gRPC call behind it, so when the
 * call's OK status arrives after the loop was left, `dispose()` waits for that call forever.
 * `leavableRead` (@cfund/eventstore) cancels and drains it; these tests pin both.
 */
import type { Readable } from 'node:stream';
import t from 'tap';
import {
  BACKWARDS, END, START, StreamNotFoundError, jsonEvent, type EventStoreDBClient, type JSONEventData, type Position, type StreamingRead,
} from '@eventstore/db-client';
import { leavableRead } from '@cfund/eventstore';
import { SubscriptionRecorder, collect, rejects, sleep, startTarget, testEvents, uniqueStream } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());

/** Long enough for the server's OK status to reach the client after the loop was left. */
const STATUS_ARRIVES_MS = 200;

const stream = uniqueStream('early-exit');
await target.client.appendToStream(stream, testEvents(20, 'early-exit'));
// Where this file's events end in $all: forward reads of $all start there, never at an unknown
// server's start.
let firstOfFile: Position | undefined;
for await (const e of target.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) firstOfFile = e.event?.position;

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether `client.dispose()` settles within a second. When it does not, the client's calls are
 * drained by hand (client internals) so that the target, which disposes every client, can close.
 */
async function disposesPromptly(client: EventStoreDBClient): Promise<boolean> {
  if (await settlesWithin(client.dispose(), 1000)) return true;
  for (const call of (client as unknown as { disposableStreams: Set<Readable> }).disposableStreams) call.resume();
  return false;
}

/** What the tests look at in a read's events, readStream's and readAll's alike. */
type Read = StreamingRead<{ event?: { id: string } | undefined }>;

const reads: Record<string, (client: EventStoreDBClient) => Read> = {
  'readStream forwards': (c) => c.readStream(stream),
  'readStream backwards': (c) => c.readStream(stream, { fromRevision: END, direction: BACKWARDS }),
  'readStream backwards, maxCount 1': (c) => c.readStream(stream, { fromRevision: END, direction: BACKWARDS, maxCount: 1 }),
  'readAll forwards': (c) => c.readAll({ fromPosition: firstOfFile ?? START }),
  'readAll backwards': (c) => c.readAll({ fromPosition: END, direction: BACKWARDS }),
  'readAll backwards, maxCount 1': (c) => c.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
};

// Whether the OK status reaches the client before or after the loop is left depends on how the
// server splits its last response and its trailers over TCP writes: pinned for the embedded store.
const embeddedOnly = { skip: target.external ? 'the timing of a server\'s trailers; embedded store only' : false };

t.test('client 6.2.1 keeps the call of a read left after its last event: dispose() waits for it', embeddedOnly, async (t) => {
  const client = target.newClient();
  for await (const e of client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) if (e.event) break;
  await sleep(STATUS_ARRIVES_MS);
  t.notOk(await disposesPromptly(client), 'dispose() does not settle: the ended call never emits "end"');
  t.ok(await settlesWithin(client.dispose(), 1000), 'dispose() settles once the call is drained');
});

t.test('a read left early through leavableRead: dispose() settles within a second', async (t) => {
  for (const [name, read] of Object.entries(reads)) {
    const client = target.newClient();
    for await (const e of leavableRead(read(client))) if (e.event) break;
    const first = await (async () => {
      for await (const e of leavableRead(read(client))) if (e.event) return e.event.id;
      return undefined;
    })();
    t.ok(first, `${name}: an event before returning`);
    await sleep(STATUS_ARRIVES_MS);
    t.ok(await disposesPromptly(client), `${name}: dispose() settles`);
  }
});

t.test('a read through leavableRead consumed to its end, or of a missing stream, is as without it', async (t) => {
  const client = target.newClient();
  const all = await collect(leavableRead(client.readStream(stream)));
  t.equal(all.length, 20, 'every event of the stream');
  await rejects(t, collect(leavableRead(client.readStream(uniqueStream('early-exit-missing')))), StreamNotFoundError, 'a missing stream: StreamNotFoundError');
  await sleep(STATUS_ARRIVES_MS);
  t.ok(await disposesPromptly(client), 'dispose() settles');
});

t.test('a subscription left early or unsubscribed: dispose() settles within a second', async (t) => {
  const left = target.newClient();
  for await (const e of left.subscribeToStream(stream, { fromRevision: START })) if (e.event) break;
  for await (const e of left.subscribeToAll({ fromPosition: START })) if (e.event) break;
  await sleep(STATUS_ARRIVES_MS);
  t.ok(await disposesPromptly(left), 'for await left: dispose() settles');

  const unsubscribed = target.newClient();
  const recorder = new SubscriptionRecorder(unsubscribed.subscribeToStream(stream, { fromRevision: START }));
  await recorder.waitForCaughtUp();
  await recorder.unsubscribe();
  await sleep(STATUS_ARRIVES_MS);
  t.ok(await disposesPromptly(unsubscribed), 'unsubscribed: dispose() settles');
});

t.test('after many reads left early, the same client reads thousands of events, some of 200 KB, to the end', async (t) => {
  const client = target.newClient();
  const big = 'x'.repeat(200_000);
  const bulk = uniqueStream('early-exit-bulk');
  let from: Position | undefined;
  for await (const e of client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) from = e.event?.position;
  const ids = new Set<string>();
  for (let i = 0; i < 3000; i += 100) {
    const events: JSONEventData[] = [jsonEvent({ type: 'bulk-big', data: { i, big } })];
    for (let j = 1; j < 100; j++) events.push(jsonEvent({ type: 'bulk', data: { i: i + j, note: 'y'.repeat(300) } }));
    for (const [k, e] of events.entries()) {
      ids.add(e.id);
      // One big event per append: a 24.10 node takes 1 MiB per append.
      if (k === 0) await client.appendToStream(bulk, [e]);
    }
    await client.appendToStream(bulk, events.slice(1));
  }
  for (let n = 0; n < 25; n++) {
    for (const read of Object.values(reads)) for await (const e of leavableRead(read(client))) if (e.event) break;
    for await (const e of leavableRead(client.readStream(bulk))) if (e.event) break;
  }
  const seen: string[] = [];
  const start = Date.now();
  for await (const e of client.readAll({ fromPosition: from ?? START, maxCount: Number.MAX_SAFE_INTEGER })) {
    if (e.event?.streamId === bulk) seen.push(e.event.id);
  }
  t.equal(seen.length, 3000, `all 3000 events of the range read (${Date.now() - start} ms)`);
  t.same(new Set(seen), ids, 'each event once');
  t.ok(await disposesPromptly(client), 'dispose() settles');
});
