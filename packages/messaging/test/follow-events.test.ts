/**
 * followEvents against a real nats-server, as a service's NATS user (the notification
 * service's: only the consumer permissions a durable has): it reads from the sequence given, in
 * order, with each message's sequence; filters by subject and by type; skips what the relay did
 * not sign; says when it has read what the stream held at its start, also when that is nothing;
 * and keeps following what comes after until stopped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { startTestEnvironment } from '@cfund/test-support';
import { ensureEventsStream, followEvents, type EventEnvelope } from '../src/index.ts';
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
});
