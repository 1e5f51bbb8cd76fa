/**
 * Conformance: what an append must carry and how big and how late it may be. Files named are under
 * src/ of kurrent-io/KurrentDB. The append limits depend on the server's version, read from
 * ServerFeatures: the same assertions run against a real node of either kind, and here against
 * an embedded store answering as EventStoreDB 24.10 and as KurrentDB 25.1.
 */
import t, { type Test } from 'tap';
import {
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  StreamNotFoundError,
  binaryEvent,
  jsonEvent,
  type AppendToStreamOptions,
} from '@eventstore/db-client';
import {
  ADMIN, appendLimitsOf, collect, rejection, rejects, serverFeatures, startTarget, testEvents, uniqueStream, type Target,
} from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const client = target.client;

const paths: { name: string; options: AppendToStreamOptions }[] = [
  { name: 'BatchAppend path', options: {} },
  { name: 'Append path (per-call credentials)', options: { credentials: ADMIN } },
];

const ZERO_ID = '00000000-0000-0000-0000-000000000000';

for (const path of paths) {
  t.test(`${path.name}: an all-zero event id is refused, nothing is written (Data/Event.cs: "Empty eventId provided.")`, async (t) => {
    const stream = uniqueStream('zero-id');
    const events = [...testEvents(1), jsonEvent({ id: ZERO_ID, type: 'zero', data: {} })];
    await rejection(client.appendToStream(stream, events, path.options), Error);
    t.pass('the append fails');
    await rejects(t, collect(client.readStream(stream)), StreamNotFoundError, 'nothing was written, not even the valid event');
  });

  t.test(`${path.name}: a deadline already passed is a deadline error, not a success (Streams.BatchAppend.cs, Status.Timeout)`, async (t) => {
    const stream = uniqueStream('deadline');
    await rejects(t, client.appendToStream(stream, testEvents(1), { ...path.options, deadline: 0 }), DeadlineExceededError, 'DeadlineExceededError');
    await rejects(t, collect(client.readStream(stream)), StreamNotFoundError, 'nothing was written');
    const ok = await client.appendToStream(stream, testEvents(1), { ...path.options, deadline: 10_000 });
    t.equal(ok.nextExpectedRevision, 0n, 'a deadline in the future is met');
  });
}

/** The limits of the target's version (ClusterVNodeOptions.cs MaxAppendSize / MaxAppendEventSize). */
async function assertAppendLimits(t: Test, on: Target): Promise<void> {
  const { version } = await serverFeatures(on);
  const limits = appendLimitsOf(version);
  t.comment(`server ${version}: ${limits.maxAppendSize} bytes per append, ${limits.maxAppendEventSize ?? 'no limit'} per event`);
  const chunk = () => binaryEvent({ type: 'Big', data: Buffer.alloc(100 * 1024, 7) });
  const overOneMib = Array.from({ length: 12 }, chunk); // 1.17 MiB in events of 100 KiB
  for (const path of paths) {
    const stream = uniqueStream('limits');
    if (limits.maxAppendSize === 1024 * 1024) {
      const err = await rejects(t, on.client.appendToStream(stream, overOneMib, path.options), MaxAppendSizeExceededError, `${path.name}: 1.17 MiB refused`);
      t.equal(err?.maxAppendSize, limits.maxAppendSize, 'the error reports the limit');
      await rejects(t, collect(on.client.readStream(stream)), StreamNotFoundError, 'nothing was written');
    } else {
      const r = await on.client.appendToStream(stream, overOneMib, path.options);
      t.equal(r.nextExpectedRevision, 11n, `${path.name}: 1.17 MiB accepted`);
    }
    if (limits.maxAppendEventSize !== undefined) {
      const single = uniqueStream('limits-event');
      const tooBig = binaryEvent({ type: 'Big', data: Buffer.alloc(limits.maxAppendEventSize + 1, 1) });
      await rejection(on.client.appendToStream(single, tooBig, path.options), Error);
      t.pass(`${path.name}: one event over ${limits.maxAppendEventSize} bytes refused`);
      await rejects(t, collect(on.client.readStream(single)), StreamNotFoundError, 'nothing was written');
      const twoMib = binaryEvent({ type: 'Big', data: Buffer.alloc(2 * 1024 * 1024, 2) });
      const ok = await on.client.appendToStream(single, twoMib, path.options);
      t.equal(ok.nextExpectedRevision, 0n, 'one event of 2 MiB accepted');
    }
  }
}

t.test('the append limits of the server\'s version', async (t) => {
  await assertAppendLimits(t, target);
});

t.test('an embedded store answering as KurrentDB 25.1 has its limits', { skip: target.external && 'needs the embedded store' }, async (t) => {
  const kurrent = await startTarget({ serverVersion: '25.1' });
  t.teardown(() => kurrent.close());
  t.equal((await serverFeatures(kurrent)).version, '25.1.0');
  await assertAppendLimits(t, kurrent);
});
