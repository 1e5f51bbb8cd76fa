/**
 * The messaging contract against a real nats-server: subjects, the envelope, the streams, and
 * consumeEvents (ack, redelivery after a throw, dead letter after maxDeliver, resume after restart).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { StorageType, headers, type NatsConnection } from 'nats';
import { startTestEnvironment } from '@cfund/test-support';
import {
  DEAD_LETTERS_STREAM,
  DeadLetterHeaders,
  EVENTS_STREAM,
  EventHeaders,
  consumeEvents,
  deadLetterSubject,
  decodeEnvelope,
  encodeEnvelope,
  ensureDeadLettersStream,
  ensureEventsStream,
  messagingSettings,
  signEventBody,
  subjectForEvent,
  UnverifiedEventError,
  type DeadLetter,
  type EventEnvelope,
} from '../src/index.ts';
import { envelope, publishEnvelope, signingKey, waitFor } from './fixtures.ts';

t.test('subjects', async (t) => {
  const id = randomUUID();
  t.equal(subjectForEvent(`claim-${id}`, 'ClaimFiled'), `cfund.events.claim.ClaimFiled.${id}`);
  t.equal(subjectForEvent('fund-RS-2026', 'FundsCommitted'), 'cfund.events.fund.FundsCommitted.RS-2026');
  t.equal(subjectForEvent('odd-a.b*c>d e', 'T.x'), 'cfund.events.odd.T_x.a_b_c_d_e');
  t.equal(subjectForEvent('nodash', 'T'), 'cfund.events.nodash.T._');
  t.equal(deadLetterSubject('projection.claims'), 'cfund.dead-letter.projection_claims');
});

t.test('envelope round trip and validation', async (t) => {
  const e = envelope(`claim-${randomUUID()}`, 3, 'ClaimFiled', { nested: { list: [1, 'two', null] }, unicode: 'Ž😀' });
  t.same(decodeEnvelope(encodeEnvelope(e)), e);
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  t.throws(() => decodeEnvelope(bytes({ ...e, revision: -1 })));
  t.throws(() => decodeEnvelope(bytes({ ...e, commitPosition: '12x' })));
  t.throws(() => decodeEnvelope(bytes({ ...e, created: 'yesterday' })));
  const { data: _omitted, ...withoutData } = e;
  t.throws(() => decodeEnvelope(bytes(withoutData)), 'data is required');
  t.throws(() => decodeEnvelope(new TextEncoder().encode('not json')));
});

t.test('against nats-server', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  const nc: NatsConnection = await env.connectNats();
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();

  await t.test('ensureEventsStream creates the stream from the settings, and is idempotent', async (t) => {
    const first = await ensureEventsStream(jsm);
    const again = await ensureEventsStream(jsm);
    t.equal(first.config.name, EVENTS_STREAM);
    t.equal(first.config.storage, StorageType.File);
    t.same(first.config.subjects, ['cfund.events.>']);
    t.equal(again.config.duplicate_window, messagingSettings.eventsStream.duplicateWindowMs * 1_000_000);
    t.equal(again.config.max_age, 0);
    const e = envelope(`claim-${randomUUID()}`, 0);
    const seq = await publishEnvelope(js, e);
    t.equal(await publishEnvelope(js, e), seq, 'a second publish with the same Nats-Msg-Id is dropped');
    const stored = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
    t.equal(stored.header.get(EventHeaders.msgId), e.eventId);
    t.equal(stored.header.get(EventHeaders.stream), e.streamId);
    t.equal(stored.header.get(EventHeaders.revision), '0');
    t.equal(stored.header.get(EventHeaders.position), e.commitPosition);
  });

  await t.test('replicas on a single server: more than one is refused with a message naming NATS_STREAM_REPLICAS', async (t) => {
    await ensureEventsStream(jsm);
    await t.rejects(ensureEventsStream(jsm, { replicas: 3 }), /CFUND_EVENTS: 3 replicas were asked for \(NATS_STREAM_REPLICAS\), but NATS is a single server/);
    await t.rejects(ensureDeadLettersStream(jsm, { replicas: 2 }), /cannot create stream CFUND_DEAD_LETTERS with 2 replica\(s\) \(NATS_STREAM_REPLICAS\): replicas > 1 not supported/);
    t.equal((await ensureEventsStream(jsm, { replicas: 1 })).config.num_replicas, 1, 'the stream is unchanged');
  });

  await t.test('acks each event once, in order', async (t) => {
    const streamId = `ack-${randomUUID()}`;
    const sent = [0, 1, 2, 3].map((revision) => envelope(streamId, revision));
    for (const e of sent) await publishEnvelope(js, e);
    const seen: Array<{ envelope: EventEnvelope; attempt: number }> = [];
    const consumer = await consumeEvents({ signingKey, nc, durable: 'ack-test', filterSubject: 'cfund.events.ack.>', handle: async (envelope, attempt) => void seen.push({ envelope, attempt }) });
    await waitFor('four events', async () => seen.length >= 4 && (await consumer.lag()).pending === 0);
    t.same(seen.map((s) => s.envelope), sent, 'envelopes intact, in order');
    t.same(seen.map((s) => s.attempt), [1, 1, 1, 1]);
    const lag = await consumer.lag();
    t.equal(lag.pending, 0);
    t.ok(lag.lastDeliveredAt instanceof Date);
    await consumer.stop();
  });

  await t.test('a throw is redelivered after a delay, and the next event waits for it', async (t) => {
    const streamId = `retry-${randomUUID()}`;
    const sent = [0, 1, 2].map((revision) => envelope(streamId, revision));
    for (const e of sent) await publishEnvelope(js, e);
    const calls: Array<[number, number]> = [];
    let failuresLeft = 2;
    const consumer = await consumeEvents({
      signingKey,
      nc,
      durable: 'retry-test',
      filterSubject: 'cfund.events.retry.>',
      nakDelayMs: () => 200,
      handle: async (e, attempt) => {
        calls.push([e.revision, attempt]);
        if (e.revision === 1 && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('projection store unavailable');
        }
      },
    });
    await waitFor('revision 2', () => calls.some(([revision]) => revision === 2));
    t.same(calls, [[0, 1], [1, 1], [1, 2], [1, 3], [2, 1]], 'revision 1 retried with growing attempt, revision 2 after it');
    await waitFor('nothing pending', async () => (await consumer.lag()).pending === 0);
    await consumer.stop();
  });

  await t.test('after maxDeliver attempts the event goes to the dead letters, and the consumer moves on', async (t) => {
    const streamId = `poison-${randomUUID()}`;
    const sent = [0, 1, 2].map((revision) => envelope(streamId, revision));
    for (const e of sent) await publishEnvelope(js, e);
    const attempts: number[] = [];
    const handled: number[] = [];
    const deadLetters: DeadLetter[] = [];
    const consumer = await consumeEvents({
      signingKey,
      nc,
      durable: 'poison-test',
      filterSubject: 'cfund.events.poison.>',
      maxDeliver: 3,
      nakDelayMs: () => 100,
      onDeadLetter: (d) => deadLetters.push(d),
      handle: async (e, attempt) => {
        if (e.revision === 1) {
          attempts.push(attempt);
          throw new Error('cannot apply');
        }
        handled.push(e.revision);
      },
    });
    await waitFor('revision 2 handled', () => handled.includes(2));
    t.same(attempts, [1, 2, 3], 'three attempts');
    t.same(handled, [0, 2]);
    t.equal(deadLetters.length, 1);
    t.equal(deadLetters[0]?.envelope?.eventId, sent[1]?.eventId);
    t.equal(deadLetters[0]?.attempts, 3);

    const info = await jsm.streams.info(DEAD_LETTERS_STREAM);
    t.equal(info.state.messages, 1);
    const dead = await jsm.streams.getMessage(DEAD_LETTERS_STREAM, { last_by_subj: deadLetterSubject('poison-test') });
    t.same(decodeEnvelope(dead.data), sent[1], 'the dead letter holds the original envelope');
    t.equal(dead.header.get(DeadLetterHeaders.consumer), 'poison-test');
    t.equal(dead.header.get(DeadLetterHeaders.attempts), '3');
    t.match(dead.header.get(DeadLetterHeaders.error), /cannot apply/);
    t.equal(dead.header.get(DeadLetterHeaders.originalSubject), subjectForEvent(streamId, 'ClaimFiled'));
    t.equal(dead.header.get(EventHeaders.stream), streamId);
    // A terminated message is no longer pending (an ignored term would leave it awaiting redelivery).
    await waitFor('nothing pending', async () => (await consumer.lag()).pending === 0);
    t.equal(deadLetters.length, 1, 'dead-lettered once');
    await consumer.stop();
  });

  await t.test('a message the relay did not sign is dead-lettered and counted, never handled; the genuine event of its revision still is', async (t) => {
    const streamId = `forged-${randomUUID()}`;
    const genuine = [0, 1, 2].map((revision) => envelope(streamId, revision, 'ClaimAssessed', { amount: 1000 + revision }));
    // A forged revision 1 (a false amount) arrives before the genuine one: signed with another key,
    // then one without any signature, then the genuine body with its signature over other bytes.
    const forged = { ...envelope(streamId, 1, 'ClaimAssessed', { amount: 999_999 }) };
    const unsigned = { ...envelope(streamId, 1, 'ClaimAssessed', { amount: 888_888 }) };
    const altered = { ...genuine[1]!, eventId: randomUUID(), data: { amount: 777_777 } };
    await publishEnvelope(js, genuine[0]!);
    await publishEnvelope(js, forged, randomBytes(32));
    await js.publish(subjectForEvent(streamId, 'ClaimAssessed'), encodeEnvelope(unsigned), { msgID: unsigned.eventId });
    const alteredHeaders = headers();
    alteredHeaders.set(EventHeaders.signature, signEventBody(signingKey, encodeEnvelope(genuine[1]!)));
    await js.publish(subjectForEvent(streamId, 'ClaimAssessed'), encodeEnvelope(altered), { msgID: altered.eventId, headers: alteredHeaders });
    await publishEnvelope(js, genuine[1]!);
    await publishEnvelope(js, genuine[2]!);

    let last = -1;
    const applied: unknown[] = [];
    const deadLetters: DeadLetter[] = [];
    const consumer = await consumeEvents({
      signingKey, nc, durable: 'forged-test', filterSubject: 'cfund.events.forged.>', onDeadLetter: (d) => deadLetters.push(d),
      handle: async (e) => {
        if (e.revision <= last) return; // idempotent by revision, as every consumer is
        last = e.revision;
        applied.push(e.data);
      },
    });
    await waitFor('every event handled', () => last === 2);
    t.same(applied, [{ amount: 1000 }, { amount: 1001 }, { amount: 1002 }], 'only the genuine events applied, revision 1 included');
    t.same(deadLetters.map((d) => [d.reason, d.attempts, d.envelope]), [['unverified', 1, undefined], ['unverified', 1, undefined], ['unverified', 1, undefined]], 'each foreign message dead-lettered once, unhandled');
    t.match(deadLetters[0]?.error, UnverifiedEventError);
    const dead = await jsm.streams.getMessage(DEAD_LETTERS_STREAM, { last_by_subj: deadLetterSubject('forged-test') });
    t.same(JSON.parse(new TextDecoder().decode(dead.data)), altered, 'the dead letter keeps the message as it came');
    t.match(dead.header.get(DeadLetterHeaders.error), /UnverifiedEventError/);
    await waitFor('nothing pending', async () => (await consumer.lag()).pending === 0);
    t.equal(await consumer.stalled(), undefined, 'not stalled');
    await consumer.stop();
  });

  await t.test('stalled(): events pending and none settled for stallAfterMs, or the loop ended', async (t) => {
    const streamId = `stall-${randomUUID()}`;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const consumer = await consumeEvents({
      signingKey, nc, durable: 'stall-test', filterSubject: 'cfund.events.stall.>', stallAfterMs: 300, ackWaitMs: 60_000,
      handle: async (e) => { if (e.revision === 0) await held; },
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    t.equal(await consumer.stalled(), undefined, 'nothing pending: idle, not stalled');
    for (const revision of [0, 1]) await publishEnvelope(js, envelope(streamId, revision));
    await waitFor('stalled', async () => (await consumer.stalled()) !== undefined, 5_000);
    t.match(await consumer.stalled(), /events pending, none settled for \d+ s/);
    release();
    await waitFor('progress again', async () => (await consumer.stalled()) === undefined, 5_000);
    await waitFor('nothing pending', async () => (await consumer.lag()).pending === 0);
    await consumer.stop();
  });

  await t.test('a restarted consumer resumes after its last ack', async (t) => {
    const streamId = `resume-${randomUUID()}`;
    const sent = [0, 1, 2, 3, 4].map((revision) => envelope(streamId, revision));
    for (const e of sent.slice(0, 2)) await publishEnvelope(js, e);
    const first: number[] = [];
    let consumer = await consumeEvents({ signingKey, nc, durable: 'resume-test', filterSubject: 'cfund.events.resume.>', handle: async (e) => void first.push(e.revision) });
    await waitFor('first two', () => first.length === 2);
    await consumer.stop();
    for (const e of sent.slice(2)) await publishEnvelope(js, e);

    const second: number[] = [];
    const nc2 = await env.connectNats();
    consumer = await consumeEvents({ signingKey, nc: nc2, durable: 'resume-test', filterSubject: 'cfund.events.resume.>', handle: async (e) => void second.push(e.revision) });
    await waitFor('the rest', () => second.length >= 3);
    await waitFor('nothing pending', async () => (await consumer.lag()).pending === 0);
    t.same(first, [0, 1]);
    t.same(second, [2, 3, 4], 'no event handled twice, none skipped');
    await consumer.stop();
  });

  await t.test('stop() lets the event in hand finish and be acked', async (t) => {
    const streamId = `stop-${randomUUID()}`;
    for (const e of [0, 1].map((revision) => envelope(streamId, revision))) await publishEnvelope(js, e);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: number[] = [];
    let started = false;
    const consumer = await consumeEvents({
      signingKey,
      nc,
      durable: 'stop-test',
      filterSubject: 'cfund.events.stop.>',
      handle: async (e) => {
        started = true;
        await gate;
        handled.push(e.revision);
      },
    });
    await waitFor('handler started', () => started);
    const stopped = consumer.stop();
    release();
    await stopped;
    t.same(handled, [0], 'only the event in hand');
    const again: number[] = [];
    const next = await consumeEvents({ signingKey, nc, durable: 'stop-test', filterSubject: 'cfund.events.stop.>', handle: async (e) => void again.push(e.revision) });
    await waitFor('revision 1', () => again.length >= 1);
    t.same(again, [1]);
    await next.stop();
  });

  await t.test('stopping mid-stream and starting again: every event once, none held back for the ack wait', async (t) => {
    const streamId = `handover-${randomUUID()}`;
    const total = 300;
    for (let revision = 0; revision < total; revision += 1) await publishEnvelope(js, envelope(streamId, revision));
    // An ack wait longer than waitFor's deadline: a message stranded by stop() would fail the test.
    const options = { signingKey, nc, durable: 'handover-test', filterSubject: 'cfund.events.handover.>', ackWaitMs: 60_000 };
    const first: number[] = [];
    let stopping: Promise<void> | undefined;
    const started = Date.now();
    const a = await consumeEvents({
      ...options,
      handle: async (e) => {
        first.push(e.revision);
        if (first.length === 100) stopping = a.stop(); // from inside a handler, mid-stream
      },
    });
    await waitFor('the first consumer to stop', () => stopping !== undefined);
    await stopping;
    t.same(first, Array.from({ length: 100 }, (_, i) => i), 'the first hundred, in order, then nothing');
    const second: number[] = [];
    const b = await consumeEvents({ ...options, handle: async (e) => void second.push(e.revision) });
    await waitFor('the rest', () => second.length >= total - 100);
    t.comment(`${total} events through two consumers in ${Date.now() - started} ms`);
    t.same(second, Array.from({ length: total - 100 }, (_, i) => i + 100), 'the second consumer continues at 100, in order');
    await waitFor('nothing pending', async () => (await b.lag()).pending === 0);
    await b.stop();
  });

  await t.test('a consumer cannot silently change its filter', async (t) => {
    await t.rejects(consumeEvents({ signingKey, nc, durable: 'ack-test', filterSubject: 'cfund.events.other.>', handle: async () => undefined }), /exists with filter/);
    await t.rejects(consumeEvents({ signingKey, nc, durable: 'bad.name', handle: async () => undefined }), /invalid durable/);
  });
});
