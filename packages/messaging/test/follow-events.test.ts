/**
 * followEvents against a real nats-server, as a service's NATS user (the notification
 * service's: only the consumer permissions a durable has): it reads from the sequence given, in
 * order, with each message's sequence; filters by subject and by type; skips what the relay did
 * not sign; says when it has read what the stream held at its start, also when that is nothing;
 * and keeps following what comes after until stopped. Its consumer lives while it follows, idle
 * or not, and the server deletes it within its inactive threshold once it stopped (the
 * notification user may not delete consumers), also a consumer made again after the first was
 * lost.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { nanos, type ConsumerInfo } from 'nats';
import t from 'tap';
import { startTestEnvironment } from '@cfund/test-support';
import { EVENTS_STREAM, ensureEventsStream, followEvents, messagingSettings, type EventEnvelope } from '../src/index.ts';
import { envelope, publishEnvelope, signingKey, waitFor } from './fixtures.ts';

t.test('followEvents', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  t.teardown(() => env.close());
  const publisher = await env.connectNats();
  await ensureEventsStream(await publisher.jetstreamManager());
  const js = publisher.jetstream();
  const nc = await env.connectNats(env.natsOptions('notification'));

  const claim = `claim-${randomUUID()}`;
  const sequences: number[] = [];
  for (let revision = 0; revision < 4; revision++) sequences.push(await publishEnvelope(js, envelope(claim, revision)));
  const webhook = `webhook-${randomUUID()}`;
  sequences.push(await publishEnvelope(js, envelope(webhook, 0, 'WebhookRegistered')));
  // Signed with another key: never handed on.
  sequences.push(await publishEnvelope(js, envelope(claim, 4, 'ClaimAssessed'), randomBytes(32)));

  await t.test('from a sequence, in order, with the sequences; forged ones skipped; caught up', async (t) => {
    const got: [EventEnvelope, number][] = [];
    const follower = await followEvents({
      nc, signingKey, filterSubject: 'cfund.events.claim.>', fromSequence: sequences[1]!, handle: (e, sequence) => { got.push([e, sequence]); },
    });
    await follower.caughtUp;
    t.same(got.map(([e, s]) => [e.revision, s]), [[1, sequences[1]], [2, sequences[2]], [3, sequences[3]]], 'revisions 1-3 of the claim at their sequences; not the webhook, not the forged one');
    const later = await publishEnvelope(js, envelope(claim, 5, 'ClaimAssessed'));
    await waitFor('the next event', () => got.length === 4);
    t.same(got[3]![1], later, 'it keeps following until stopped');
    await follower.stop();
    await follower.done;
  });

  await t.test('by type, before the signature; nothing left to read is caught up at once', async (t) => {
    const types: string[] = [];
    const follower = await followEvents({ nc, signingKey, fromSequence: 1, wants: (type) => type.startsWith('Webhook'), handle: (e) => { types.push(e.type); } });
    await follower.caughtUp;
    t.same(types, ['WebhookRegistered'], 'only the type wanted');
    await follower.stop();
    const empty = await followEvents({ nc, signingKey, filterSubject: `cfund.events.nothing.>`, fromSequence: 1, handle: () => { t.fail('nothing to hand on'); } });
    await empty.caughtUp;
    t.pass('a filter with no message is caught up at once');
    await empty.stop();
  });

  await t.test('a handler that throws ends the follower: done rejects', async (t) => {
    const follower = await followEvents({ nc, signingKey, filterSubject: 'cfund.events.claim.>', fromSequence: 1, handle: () => { throw new Error('cannot apply'); } });
    await t.rejects(follower.done, /cannot apply/);
    await follower.caughtUp; // resolved by the end too: a waiter is never left hanging
  });

  await t.test('its consumer lives while it follows, even idle, and goes within its threshold once stopped', async (t) => {
    // Above the pull requests' life (5 s): a live follower pulls again well within it.
    const thresholdMs = 2 * messagingSettings.consumer.pullExpiresMs;
    const admin = await publisher.jetstreamManager();
    const filterSubject = 'cfund.events.lapse.>';
    const consumers = async (): Promise<ConsumerInfo[]> =>
      (await admin.consumers.list(EVENTS_STREAM).next()).filter((c) => c.config.filter_subject === filterSubject);
    const lapse = `lapse-${randomUUID()}`;
    const revisions: number[] = [];
    const follower = await followEvents({
      nc, signingKey, filterSubject, fromSequence: 1, inactiveThresholdMs: thresholdMs, handle: (e) => { revisions.push(e.revision); },
    });
    await follower.caughtUp;
    const [first, ...others] = await consumers();
    t.ok(first && others.length === 0, 'one consumer while it follows');
    t.equal(first?.config.inactive_threshold, nanos(thresholdMs), 'with the threshold asked for');
    t.equal(first?.config.mem_storage, true, 'in memory');

    // No event flows: only its pull requests keep it, and they must be enough.
    await sleep(2.5 * thresholdMs);
    t.same((await consumers()).map((c) => c.name), [first?.name], 'idle for 2.5 thresholds, it is still there');

    // Lost from under it (a node restart loses a consumer in memory): it makes another, from where it was.
    await admin.consumers.delete(EVENTS_STREAM, first!.name);
    await publishEnvelope(js, envelope(lapse, 0, 'LapseNoted'));
    await waitFor('the event after its consumer was lost', () => revisions.length === 1, 60_000);
    const again = await consumers();
    t.same(revisions, [0], 'the event reached it once');
    t.equal(again.length, 1, 'one consumer again');
    t.not(again[0]?.name, first?.name, 'a new one');
    t.equal(again[0]?.config.inactive_threshold, nanos(thresholdMs), 'with the same threshold');

    await follower.stop();
    const stoppedAt = Date.now();
    // Gone within the threshold and the server's check of it (it runs at about each threshold); generous bound.
    await waitFor('its consumer gone after the stop', async () => (await consumers()).length === 0, 4 * thresholdMs);
    t.pass('no consumer of it left on the server');
    t.comment(`gone ${Date.now() - stoppedAt} ms after the stop (threshold ${thresholdMs} ms)`);
  });

  await t.test('a threshold within the life of a pull request is refused', async (t) => {
    await t.rejects(
      followEvents({ nc, signingKey, fromSequence: 1, inactiveThresholdMs: messagingSettings.consumer.pullExpiresMs, handle: () => undefined }),
      /inactive threshold/,
    );
  });
});
