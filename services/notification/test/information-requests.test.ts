/**
 * Requests for information in the notifier, pure: given a claim's events, when a request is made,
 * answered or withdrawn, then who is told what, and which reminders run (before the due date and
 * when missed, at local times in Belgrade across the change to summer time). No text of the
 * request reaches a notification: only its number and dates.
 */
import t from 'tap';
import type { ClaimEvent } from '@cfund/contracts';
import { Templates, defaultNotificationSettings, desiredReminders, evolveSnapshot, reminderIntent, routeClaimEvent, type ClaimSnapshot } from '../src/index.ts';
import { claimEvent, fold, rsLifecycle } from './fixtures.ts';

const { reminders } = defaultNotificationSettings();
const claimId = '5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const lifecycle = rsLifecycle(claimId);
const applied = lifecycle.slice(0, lifecycle.findIndex((e) => e.type === 'FundApplicationSubmitted') + 1);
const envelope = { alg: 'AES-256-GCM', keyId: 'k', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VjcmV0', tag: 'dGFndGFndGFndGFndGFnZw==' };
const requested = (request: number, dueOn: string): ClaimEvent => claimEvent('InformationRequested', {
  claimId, request, question: envelope, dueOn, requestedBy: 'assessor-1', requestedAt: '2026-03-27T09:00:00.000Z',
});
const source = { eventId: 'e-1', occurredAt: '2026-03-27T09:00:00.000Z' };

function when(before: ClaimSnapshot, event: ClaimEvent) {
  const after = evolveSnapshot(before, event);
  return { after, intents: routeClaimEvent(event, before, after, source) };
}

t.test('the lawyers are told of a request, the assessor of its answer', async (t) => {
  const withCoCounsel = fold([...applied, claimEvent('CoCounselAdded', { claimId, lawyer: 'lawyer-2', addedBy: 'lawyer-1', addedAt: '2026-03-20T09:00:00.000Z' })]);
  const asked = when(withCoCounsel, requested(1, '2026-03-30'));
  t.same(asked.intents.map((i) => [i.recipient, i.topic, i.params.request, i.params.dueOn]), [
    [{ kind: 'user', userId: 'lawyer-1' }, 'information-requested', 1, { date: '2026-03-30' }],
    [{ kind: 'user', userId: 'lawyer-2' }, 'information-requested', 1, { date: '2026-03-30' }],
  ], 'the lead and the co-counsel');
  t.notMatch(JSON.stringify(asked.intents), /c2VjcmV0|question/, 'nothing of the question, not even its envelope');

  const answered = when(asked.after, claimEvent('InformationRequestAnswered', {
    claimId, request: 1, answer: envelope, documentIds: [], answeredBy: 'lawyer-2', answeredAt: '2026-03-31T08:00:00.000Z', late: true,
  }));
  t.same(answered.intents.map((i) => [i.recipient, i.topic, i.params.late, i.params.documents]), [
    [{ kind: 'user', userId: 'assessor-1' }, 'information-request-answered', { code: 'late' }, 0],
  ], 'the assessor who asked');
  t.same(answered.after.openRequests, [], 'no longer open');

  const withdrawn = when(fold([requested(2, '2026-04-01')], asked.after), claimEvent('InformationRequestWithdrawn', {
    claimId, request: 2, withdrawnBy: 'assessor-1', withdrawnAt: '2026-03-28T09:00:00.000Z',
  }));
  t.same(withdrawn.intents.map((i) => i.topic), ['information-request-withdrawn', 'information-request-withdrawn']);
  t.same(withdrawn.after.openRequests.map((r) => r.request), [1], 'the other request stays open');

  const text = new Templates().render(asked.intents[0]!.topic, asked.intents[0]!.params, { locale: 'en', timeZone: 'Europe/Belgrade' });
  t.match(text.subject, /answer by Monday, March 30, 2026/);
  t.match(text.text, /\(request 1\)\. The last day to answer is /);
});

t.test('reminders before the due date and when missed, at local times across the change to summer time', async (t) => {
  const open = fold([...applied, requested(1, '2026-03-30')]);
  const planned = desiredReminders(open, { daysBefore: [7, 1], hour: reminders.hour }).filter((r) => r.kind === 'information-request');
  const early = desiredReminders(fold([...applied, requested(1, '2026-04-10')]), { daysBefore: [14, 7], hour: reminders.hour })
    .filter((r) => r.kind === 'information-request').map((r) => [r.label, r.fireAt]);
  t.same(early, [['7d', '2026-04-03T07:00:00.000Z'], ['missed', '2026-04-10T22:00:00.000Z']], 'a 7-day reminder at 09:00 CEST where the request was made before it');
  t.same(planned.map((r) => [r.label, r.fireAt, r.recipient]), [
    ['1d', '2026-03-29T07:00:00.000Z', { kind: 'user', userId: 'lawyer-1' }],
    ['missed', '2026-03-30T22:00:00.000Z', { kind: 'user', userId: 'lawyer-1' }],
  ], '09:00 CEST the day before (no 7-day reminder for a request made 3 days before), and missed at local midnight CEST');
  const missed = reminderIntent(planned[1]!);
  t.match(missed, { topic: 'deadline-missed', params: { request: 1, deadlineKind: { code: 'information-request' }, deadline: { date: '2026-03-30' } } });
  t.match(new Templates().render(missed.topic, missed.params, { locale: 'en', timeZone: 'Europe/Belgrade' }).subject, /answer to the fund's request for information/);

  const answered = fold([claimEvent('InformationRequestAnswered', {
    claimId, request: 1, documentIds: [], answeredBy: 'lawyer-1', answeredAt: '2026-03-29T08:00:00.000Z', late: false,
  })], open);
  t.same(desiredReminders(answered, reminders).filter((r) => r.kind === 'information-request'), [], 'an answer ends the reminders');
});
