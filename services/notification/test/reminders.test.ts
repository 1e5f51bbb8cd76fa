/**
 * Appeal-deadline reminders with a controllable clock, across the spring DST change in Belgrade
 * (RS) and the autumn one in Tirana (AL): 14, 7 and 1 days before at 09:00 local time and when
 * missed; they survive a restart, are never sent twice, wait for the claim's pending events, and
 * are cancelled when the deadline is met (an appeal).
 */
import t from 'tap';
import { clock, lifecycle, startHarness, type Harness } from './helpers.ts';

t.test('deadline reminders across DST in two zones, a restart, never twice, cancelled when met', async (t) => {
  const c = clock('2026-03-20T12:00:00.000Z');
  const commandClock = clock('2026-03-20T12:00:00.000Z');
  const h: Harness = await startHarness(t, { now: c.now }, { commandNow: commandClock.now });
  // The RS lawyer chose English; the AL lawyer chose nothing and reads the Albanian scheme's language.
  const chose = await h.app.inject({ method: 'PUT', url: '/notification-settings', payload: { locale: 'en' }, headers: { authorization: `Bearer ${await h.token('lawyer-rs', ['lawyer'], ['RS'])}` } });
  t.equal(chose.statusCode, 200);

  // RS: served 2026-03-20 -> + 15 days = Saturday 4 April -> Monday 2026-04-06 (CEST).
  const rs = await lifecycle(h, { until: 'decision-notice', lawyer: 'lawyer-rs', servedAt: '2026-03-20T10:00:00.000Z', fundYear: 2026 });
  // AL: served 2026-10-01 -> + 30 days = Saturday 31 October -> Monday 2026-11-02 (CET).
  commandClock.set('2026-10-01T12:00:00.000Z');
  const al = await lifecycle(h, { until: 'decision-notice', lawyer: 'lawyer-al', jurisdiction: 'AL', servedAt: '2026-10-01T10:00:00.000Z', fundYear: 2026 });
  await h.pump();

  const pending = (claimId: string) => h.store.remindersOf(claimId).filter((r) => r.status === 'pending').map((r) => `${r.kind} ${r.deadline} ${r.label} ${r.fireAt}`);
  t.same(pending(rs), [
    'appeal-deadline 2026-04-06 14d 2026-03-23T08:00:00.000Z', // 09:00 CET
    'appeal-deadline 2026-04-06 7d 2026-03-30T07:00:00.000Z', // 09:00 CEST: the clocks went forward on 29 March
    'appeal-deadline 2026-04-06 1d 2026-04-05T07:00:00.000Z',
    'appeal-deadline 2026-04-06 missed 2026-04-06T22:00:00.000Z', // local midnight at the end of the day
  ]);
  t.same(pending(al), [
    'appeal-deadline 2026-11-02 14d 2026-10-19T07:00:00.000Z', // 09:00 CEST
    'appeal-deadline 2026-11-02 7d 2026-10-26T08:00:00.000Z', // 09:00 CET: the clocks went back on 25 October
    'appeal-deadline 2026-11-02 1d 2026-11-01T08:00:00.000Z',
    'appeal-deadline 2026-11-02 missed 2026-11-02T23:00:00.000Z',
  ]);
  t.ok(h.store.remindersOf(rs).some((r) => r.kind === 'application-deadline' && r.status === 'cancelled'), 'the application deadline was met: its reminders cancelled');

  const inboxOf = async (sub: string, j: 'RS' | 'AL') => (await h.app.inject({
    method: 'GET', url: '/notifications', headers: { authorization: `Bearer ${await h.token(sub, ['lawyer'], [j])}` },
  })).json<{ items: { topic: string; subject: string; text: string; createdAt: string; claimId: string }[] }>().items.filter((i) => i.topic.startsWith('deadline'));
  const at = async (instant: string) => { c.set(instant); return (await h.app.scheduler.tick()).reminders; };

  t.equal(await at('2026-03-23T07:59:59.999Z'), 0, 'not before 09:00 local');
  t.equal(await at('2026-03-23T08:00:00.000Z'), 1, '14 days before, 09:00 CET');
  t.equal(await at('2026-03-23T08:30:00.000Z'), 0, 'never twice');
  const first = await inboxOf('lawyer-rs', 'RS');
  t.same(first.map((i) => i.subject.replace(/ for claim .*/, '')), ['14 days left: appeal against the decision']);
  t.match(first[0]!.text, /is Monday, April 6, 2026 \(14 days left\)/);
  t.equal(first[0]!.createdAt, '2026-03-23T08:00:00.000Z');

  // A restart: the pending reminders are in SQLite; the sent one stays sent.
  await h.restart();
  t.equal(await at('2026-03-23T09:00:00.000Z'), 0, 'not again after a restart');
  t.equal(await at('2026-03-30T06:59:59.999Z'), 0, 'the 7-day reminder is not due at 08:59 CEST');
  t.equal(await at('2026-03-30T07:00:00.000Z'), 1, '7 days before, 09:00 CEST (after the DST change)');
  t.equal(await at('2026-03-30T07:00:00.000Z'), 0);

  // The lawyer appeals on 4 April; the notifier has not consumed it when the 1-day reminder falls due.
  commandClock.set('2026-04-04T10:00:00.000Z');
  const appeal = await h.command.inject({
    method: 'POST', url: `/claims/${rs}/appeals`, payload: { grounds: 'The award is too low.' },
    headers: { authorization: `Bearer ${await h.token('lawyer-rs', ['lawyer'], ['RS'])}` },
  });
  t.equal(appeal.statusCode, 200);
  t.equal(await at('2026-04-05T07:00:00.000Z'), 0, 'a reminder waits while its claim has events not yet applied');
  await h.pump();
  t.same(pending(rs), [], 'the appeal met the deadline: the 1-day and missed reminders are cancelled');
  t.equal(await at('2026-04-07T00:00:00.000Z'), 0);
  t.same((await inboxOf('lawyer-rs', 'RS')).map((i) => i.subject.replace(/ for claim .*/, '')),
    ['7 days left: appeal against the decision', '14 days left: appeal against the decision']);

  // AL, across the autumn change; nobody appeals: the missed reminder follows.
  t.equal(await at('2026-10-19T07:00:00.000Z'), 1, '14 days before, 09:00 CEST');
  t.equal(await at('2026-10-26T07:59:59.999Z'), 0, '08:59 CET is not yet 09:00');
  t.equal(await at('2026-10-26T08:00:00.000Z'), 1, '7 days before, 09:00 CET (after the DST change)');
  await h.restart();
  t.equal(await at('2026-11-01T08:00:00.000Z'), 1, '1 day before, after another restart');
  t.equal(await at('2026-11-02T22:59:59.999Z'), 0, 'the deadline day is in time until local midnight');
  t.equal(await at('2026-11-02T23:00:00.000Z'), 1, 'missed at local midnight');
  t.equal(await at('2026-12-01T00:00:00.000Z'), 0, 'nothing more');
  const alInbox = await inboxOf('lawyer-al', 'AL');
  t.same(alInbox.map((i) => i.subject.replace(/, kërkesa .*/, '')), [
    'Kaloi afati për ankesën kundër vendimit', 'Edhe 1 ditë deri në mbarimin e afatit për ankesën kundër vendimit',
    'Edhe 7 ditë deri në mbarimin e afatit për ankesën kundër vendimit', 'Edhe 14 ditë deri në mbarimin e afatit për ankesën kundër vendimit',
  ]);
  t.match(alInbox[0]!.text, /ishte e hënë, 2 nëntor 2026 dhe ka kaluar/);
  t.match(alInbox[1]!.text, /\(mbetet edhe 1 ditë\)/, 'Albanian singular');
  t.ok(alInbox.every((i) => i.claimId === al) && (await inboxOf('lawyer-rs', 'RS')).every((i) => i.claimId === rs), 'each lawyer only their own claim');
});
