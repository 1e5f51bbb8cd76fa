/**
 * keepLease on a real nats-server: of two keepers one is active; the newcomer's `onAcquired`
 * runs before it turns active; a graceful stop hands over at once, a silent death after the TTL;
 * a take-over that fails gives the lease up for the other.
 */
import t from 'tap';
import { startTestEnvironment } from '@cfund/test-support';
import { keepLease, Lease, type LeaseKeeper } from '../src/index.ts';
import { waitFor } from './fixtures.ts';

const TTL = 1_000;

t.test('keepLease: one active keeper, handed over on stop and after a silent death', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  t.teardown(() => env.close());
  const bucket = `TEST_LEASE_${Date.now()}`;
  const log: string[] = [];
  const connections = new Map<string, Awaited<ReturnType<typeof env.connectNats>>>();
  const keeper = async (holder: string, onAcquired: () => Promise<void> = async () => undefined): Promise<LeaseKeeper> => {
    const nc = await env.connectNats();
    connections.set(holder, nc);
    return keepLease({
      nc, bucket, key: 'sender', holder, ttlMs: TTL, renewIntervalMs: TTL / 3, standbyPollMs: TTL / 10,
      onAcquired: async () => {
        log.push(`${holder} taking over`);
        await onAcquired();
      },
      onLost: (reason) => { log.push(`${holder} lost: ${reason}`); },
    });
  };

  let releaseB: () => void = () => undefined;
  const a = await keeper('a');
  await waitFor('a active', () => a.active(), 5_000);
  const b = await keeper('b', () => new Promise<void>((resolve) => { releaseB = resolve; }));
  await new Promise((r) => setTimeout(r, 2 * TTL));
  t.ok(a.active(), 'the first keeper stays active while it renews');
  t.notOk(b.active(), 'the second stands by');

  await a.stop();
  t.notOk(a.active(), 'a stopped keeper is not active');
  await waitFor('b to take over', () => log.includes('b taking over'), 5_000);
  t.notOk(b.active(), 'the newcomer is not active while it takes over');
  await new Promise((r) => setTimeout(r, 2 * TTL));
  t.notOk(b.active(), '... however long that takes (its renewals go on meanwhile)');
  releaseB();
  await waitFor('b active', () => b.active(), 5_000);
  t.ok(b.active(), 'then it is');

  // b dies without a word (its connection gone); c, whose take-over fails, gives the lease up.
  const probe = await Lease.open(await env.connectNats(), { bucket, key: 'sender', ttlMs: TTL, holder: 'probe' });
  t.equal((await probe.current())?.holder, 'b', 'b holds the lease');
  const c = await keeper('c', async () => { throw new Error('cannot settle'); });
  await connections.get('b')!.close();
  await waitFor('b to see itself expire', () => !b.active(), 3 * TTL);
  t.notOk(b.active(), 'a keeper that cannot renew is not active once its last renewal is a TTL old');
  await waitFor('c to try', () => log.includes('c taking over'), 10 * TTL);
  t.notOk(c.active(), 'a keeper whose take-over fails is not active');
  const d = await keeper('d');
  await waitFor('d active', () => d.active(), 20 * TTL);
  t.notOk(c.active(), 'c never was');
  t.equal((await probe.current())?.holder, 'd', 'the lease went to the keeper that could take over');
  await c.stop();
  await d.stop();
  await b.stop();
});
