/**
 * The inbox comes first: while claim events are flowing (the notifier busy), the background
 * (NotificationIssued records, then deliveries) waits, at most 50 ms at a time, so it never starves.
 */
import t from 'tap';
import { lifecycle, readClaimEnvelopes, startHarness } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('given claim events flowing, when the NotificationIssued records are due, then they wait for a pause, at most 50 ms at a time', async (t) => {
  const h = await startHarness(t);
  const notifier = h.app.notifier;
  const handleAll = async () => { for (const e of await readClaimEnvelopes(h.env.eventStore)) await notifier.handle(e); };
  await lifecycle(h, { until: 'assessment' });
  await handleAll();
  const issued = h.store.pendingIssues(100).length;
  t.ok(issued > 0, `${issued} records to append`);

  // Events flowing: the notifier says so (a real flow's gaps depend on the machine's load).
  let flowing = true;
  const busy = notifier.busy.bind(notifier);
  notifier.busy = () => flowing || busy();
  const recording = notifier.recordIssued();
  await sleep(30);
  t.equal(h.store.pendingIssues(100).length, issued, 'none appended while events flowed');
  flowing = false;
  await recording;
  t.equal(h.store.pendingIssues(100).length, 0, 'all appended once they paused');

  // Events that never pause do not starve the background.
  await lifecycle(h, { until: 'assessment' });
  await handleAll();
  t.ok(h.store.pendingIssues(100).length > 0);
  flowing = true;
  await notifier.recordIssued();
  t.equal(h.store.pendingIssues(100).length, 0, 'recorded while events were still flowing');
});
