/** The notifier's own snapshot of a claim, evolved from events: given events, when one more, then the snapshot. */
import t from 'tap';
import { Templates, desiredReminders, defaultNotificationSettings, evolveSnapshot, initialSnapshot, isCurrentSnapshot, routeClaimEvent } from '../src/index.ts';
import { VICTIM_REF, claimEvent, fold, rsLifecycle } from './fixtures.ts';

const { reminders } = defaultNotificationSettings();
const templates = Templates.default();
const claimId = '0b7a3c2e-5d4f-4a1b-9c8d-7e6f5a4b3c2d';
const lifecycle = rsLifecycle(claimId);
const at = (type: string) => lifecycle.findIndex((e) => e.type === type);
const given = (count: number) => fold(lifecycle.slice(0, count));
const money = (amountMinor: number) => ({ amountMinor, currency: 'RSD' });
const payoutDisbursed = (instalment: number) => claimEvent('PayoutDisbursed', {
  claimId, instalment, amount: money(45_000_000), paymentReference: `BK-${instalment}`, disbursedBy: 'finance-1', disbursedAt: '2026-04-28T12:00:00.000Z', early: true,
});
const payoutFailed = (instalment: number) => claimEvent('PayoutFailed', { claimId, instalment, reason: 'AC04', failedAt: '2026-04-30T12:00:00.000Z' });

t.test('given a filing, then who filed it, where and its public reference; never the victim', async (t) => {
  const filed = given(1);
  t.match(filed, { status: 'filed', claimId, jurisdiction: 'RS', schemeVersion: '2025-01-01', filedBy: 'lawyer-1', publicReference: 'RS-2026-000042', incidentOn: '2025-01-10' });
  t.notOk(JSON.stringify(filed).includes(VICTIM_REF), 'no victim reference');
  t.ok(isCurrentSnapshot(filed));
  t.notOk(isCurrentSnapshot({ stateVersion: 2, status: 'filed' }), 'the claim decider\'s state is not a snapshot');
});

t.test('given the court track, then the anchors of the application deadline', async (t) => {
  t.match(given(at('FundApplicationSubmitted')), { status: 'filed', rulingFinalOn: '2025-06-30', enforcementFailedOn: '2025-09-01' });
  t.equal(given(at('FundApplicationSubmitted') + 1).status, 'under-way', 'when applied, then the application deadline is met');
});

t.test('given a decision served, when appealed and decided, then no appeal deadline runs again', async (t) => {
  const notified = given(at('DecisionNotified') + 1);
  t.match(notified, { status: 'notified', appealDeadline: '2026-04-06', appealed: false });
  const decided = given(at('AppealDecided') + 1);
  t.match(decided, { status: 'notified', appealed: true });
  t.same(desiredReminders(decided, reminders), [], 'no appeal reminder after an appeal');
  const remitted = evolveSnapshot(given(at('AppealDecided')), claimEvent('AppealDecided', { claimId, outcome: 'remitted', decidedOn: '2026-04-20' }));
  t.equal(remitted.status, 'under-way', 'when remitted, then back to the fund');
});

t.test('given a rejection, when the decision is served, then the status before it was rejected', async (t) => {
  const rejected = evolveSnapshot(given(at('AwardApprovalGiven')), claimEvent('AwardRejected', { claimId, rejectedBy: 'approver-1', reasons: ['r'], appealInstructions: 'i' }));
  t.equal(rejected.status, 'rejected');
  const served = routeClaimEvent(lifecycle[at('DecisionNotified')]!, rejected, evolveSnapshot(rejected, lifecycle[at('DecisionNotified')]!), { eventId: 'e', occurredAt: '2026-03-20T10:00:00.000Z' });
  t.same(served.map((i) => i.params.decision), [{ code: 'rejected' }], 'the lawyer learns of a refusal');
});

t.test('given instalments scheduled, when one is disbursed, then it is no longer due', async (t) => {
  t.same(given(at('PayoutScheduled') + 1).instalmentsDue, [{ number: 1, dueOn: '2026-05-04' }, { number: 2, dueOn: '2026-06-01' }]);
  const disbursed = evolveSnapshot(given(at('PayoutScheduled') + 1), payoutDisbursed(2));
  t.same(disbursed.instalmentsDue, [{ number: 1, dueOn: '2026-05-04' }]);
  t.same(disbursed.instalmentsPaid, [{ number: 2, dueOn: '2026-06-01' }]);
});

t.test('given an instalment paid, when the bank returns it, then it is due again and reminded; when paid again, then not', async (t) => {
  const scheduled = given(at('PayoutScheduled') + 1);
  const paid = evolveSnapshot(scheduled, payoutDisbursed(1));
  t.same(desiredReminders(paid, reminders).filter((r) => r.kind === 'instalment-due').map((r) => r.ref), ['2']);
  const returned = evolveSnapshot(paid, payoutFailed(1));
  t.same(returned.instalmentsDue, [{ number: 1, dueOn: '2026-05-04' }, { number: 2, dueOn: '2026-06-01' }], 'the returned one is due again');
  t.same(returned.instalmentsPaid, []);
  t.same(desiredReminders(returned, reminders).filter((r) => r.kind === 'instalment-due').map((r) => r.id),
    desiredReminders(scheduled, reminders).filter((r) => r.kind === 'instalment-due').map((r) => r.id), 'its reminder is desired again (the same one: never sent twice)');
  const paidAgain = evolveSnapshot(returned, payoutDisbursed(1));
  t.same(paidAgain.instalmentsDue, [{ number: 2, dueOn: '2026-06-01' }], 'paid again: no longer due');
  t.same(evolveSnapshot(scheduled, payoutFailed(2)).instalmentsDue, scheduled.instalmentsDue, 'a failure before any payment leaves it due');
  t.same(evolveSnapshot(scheduled, payoutFailed(9)), { ...scheduled }, 'an instalment never scheduled changes nothing');
});

t.test('a snapshot of the shape before paid instalments were kept is folded again', async (t) => {
  const { instalmentsPaid: _, ...older } = { ...given(at('PayoutScheduled') + 1), snapshotVersion: 3 };
  t.notOk(isCurrentSnapshot(older));
});

t.test('given a filed claim, when withdrawn and reopened, then it is filed again', async (t) => {
  const withdrawn = evolveSnapshot(given(3), claimEvent('ClaimWithdrawn', { claimId, reason: 'r', withdrawnAt: '2026-02-01T00:00:00Z' }));
  t.equal(withdrawn.status, 'withdrawn');
  const reopened = evolveSnapshot(withdrawn, claimEvent('ClaimReopened', { claimId, reason: 'r', reopenedAt: '2026-02-02T00:00:00Z' }));
  t.equal(reopened.status, 'filed');
  t.equal(reopened.statusBeforeWithdrawal, undefined);
  t.same(desiredReminders(reopened, reminders).map((r) => r.id), desiredReminders(given(3), reminders).map((r) => r.id), 'the application deadline runs again');
});

t.test('an event that tells notifications nothing leaves the snapshot as it was', async (t) => {
  const before = given(1);
  t.equal(evolveSnapshot(before, lifecycle[1]!), before, 'a ruling recorded');
  t.same(initialSnapshot().status, 'none');
});

t.test('given co-counsel and a hand-over, then every lawyer acting for the victim is told; both lawyers of a hand-over are', async (t) => {
  const src = { eventId: 'e', occurredAt: '2026-03-02T10:00:00.000Z' };
  const at2 = '2026-03-02T10:00:00.000Z';
  const steps = [
    claimEvent('CoCounselAdded', { claimId, lawyer: 'lawyer-2', addedBy: 'lawyer-1', addedAt: at2 }),
    claimEvent('ClaimHandedOver', { claimId, from: 'lawyer-1', to: 'lawyer-3', reason: 'Leaves the firm.', handedOverBy: 'lawyer-1', handedOverAt: at2 }),
    claimEvent('AssessorAssigned', { claimId, assessor: 'assessor-2', assignedBy: 'admin-1', assignedAt: at2, taken: false }),
    claimEvent('AssessorAssigned', { claimId, assessor: 'assessor-3', assignedBy: 'assessor-3', assignedAt: at2, taken: true }),
  ];
  let s = given(at('FundApplicationSubmitted') + 1);
  const told: [string, string, unknown][] = [];
  for (const e of steps) {
    const after = evolveSnapshot(s, e);
    for (const i of routeClaimEvent(e, s, after, src)) told.push([i.recipient.kind === 'user' ? i.recipient.userId : i.recipient.role, i.topic, i.params.as]);
    s = after;
  }
  t.same(told, [
    ['lawyer-2', 'claim-assigned', { code: 'co-counsel' }],
    ['lawyer-3', 'claim-assigned', { code: 'lead' }],
    ['lawyer-1', 'claim-handed-over', undefined],
    ['assessor-2', 'claim-assigned', { code: 'assessor' }],
  ], 'the assigned are told; an assessor who took the claim is not');
  t.match(s, { lead: 'lawyer-3', coCounsel: ['lawyer-2'], filedBy: 'lawyer-1' });
  const assessed = lifecycle[at('ClaimAssessed')]!;
  const recipients = routeClaimEvent(assessed, s, evolveSnapshot(s, assessed), src).filter((i) => i.topic === 'claim-assessed').map((i) => (i.recipient as { userId: string }).userId);
  t.same(recipients, ['lawyer-3', 'lawyer-2'], 'the lead and co-counsel learn of the assessment, not the former lead');
  t.notOk(JSON.stringify(told).includes(VICTIM_REF), 'no victim reference');
});

t.test('given a hand-over by a fund admin (the lead left), then both lawyers are told, and the victim\'s language set after filing changes nothing told', async (t) => {
  const src = { eventId: 'e', occurredAt: '2026-03-02T10:00:00.000Z' };
  const s = given(at('FundApplicationSubmitted') + 1);
  const handOver = claimEvent('ClaimHandedOver', { claimId, from: 'lawyer-1', to: 'lawyer-3', reason: 'The lead left the firm.', handedOverBy: 'admin-1', handedOverAt: src.occurredAt });
  const told = routeClaimEvent(handOver, s, evolveSnapshot(s, handOver), src).map((i) => [(i.recipient as { userId: string }).userId, i.topic]);
  t.same(told, [['lawyer-3', 'claim-assigned'], ['lawyer-1', 'claim-handed-over']], 'the new lead and the former one; not the admin');
  const sealed = { alg: 'AES-256-GCM' as const, keyId: 'k-1', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' };
  const language = claimEvent('PreferredLanguageSet', { claimId, preference: sealed, setBy: 'lawyer-1', setAt: src.occurredAt });
  t.equal(evolveSnapshot(s, language), s, 'the snapshot unchanged');
  t.same(routeClaimEvent(language, s, s, src), [], 'nobody told (the language is the victim\'s personal data)');
});

t.test('given a change of payee after an approval, then the lawyers and the finance officers are told, and the lawyers of its outcome', async (t) => {
  const src = { eventId: 'e', occurredAt: '2026-03-02T10:00:00.000Z' };
  const at2 = '2026-03-02T10:00:00.000Z';
  const sealed = { alg: 'AES-256-GCM', keyId: 'k', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'AAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' };
  let s = given(at('FundApplicationSubmitted') + 1);
  const told: [string, string, unknown][] = [];
  for (const e of [
    claimEvent('CoCounselAdded', { claimId, lawyer: 'lawyer-2', addedBy: 'lawyer-1', addedAt: at2 }),
    claimEvent('PayeeDetailsSet', { claimId, change: 1, payeeKind: 'victim', maskedAccount: 'RS35 **** 1379', details: sealed, setBy: 'lawyer-1', setAt: at2 }),
    claimEvent('PayeeChangeRequested', { claimId, change: 2, payeeKind: 'guardian', maskedAccount: 'ME25 **** 8951', details: sealed, requestedBy: 'lawyer-2', requestedAt: at2 }),
    claimEvent('PayeeChangeConfirmed', { claimId, change: 2, confirmedBy: 'finance-1', confirmedAt: at2 }),
    claimEvent('PayeeChangeRejected', { claimId, change: 3, rejectedBy: 'finance-1', rejectedAt: at2, reason: 'x' }),
  ]) {
    const after = evolveSnapshot(s, e);
    for (const i of routeClaimEvent(e, s, after, src)) told.push([i.recipient.kind === 'user' ? i.recipient.userId : i.recipient.role, i.topic, i.params.change]);
    s = after;
  }
  t.same(told, [
    ['lawyer-2', 'claim-assigned', undefined],
    ['lawyer-1', 'payee-change-requested', 2], ['lawyer-2', 'payee-change-requested', 2], ['fund-finance', 'payee-change-requested', 2],
    ['lawyer-1', 'payee-change-confirmed', 2], ['lawyer-2', 'payee-change-confirmed', 2],
    ['lawyer-1', 'payee-change-rejected', 3], ['lawyer-2', 'payee-change-rejected', 3],
  ], 'a payee given before any approval tells no one; a change after it tells every lawyer and finance');
  t.notOk(JSON.stringify(told).includes('****'), 'no account, not even masked, in a notification');
});

t.test('given a claim in payment runs, when the bank pays, returns or rejects, then the lawyers and the finance officers learn what it did', async (t) => {
  const src = { eventId: 'e', occurredAt: '2026-05-06T10:00:00.000Z' };
  const runId = '5f0c2a4e-8b1d-4c7a-9e3f-2d6b8a1c4e7f';
  const instalment = { kind: 'instalment', number: 1 };
  const advance = { kind: 'advance', number: 1 };
  const amount = money(5_000_000);
  let s = given(at('PayoutScheduled') + 1);
  const told: [string, string, unknown][] = [];
  const rendered: string[] = [];
  for (const e of [
    claimEvent('CoCounselAdded', { claimId, lawyer: 'lawyer-2', addedBy: 'lawyer-1', addedAt: '2026-04-21T10:00:00.000Z' }),
    claimEvent('PaymentQueued', { claimId, runId, payment: instalment, amount, endToEndId: 'RUN1-1' }),
    claimEvent('PaymentUnqueued', { claimId, runId, payment: instalment, reason: 'voided' }),
    claimEvent('PaymentUnqueued', { claimId, runId, payment: instalment, reason: 'run-cancelled' }),
    claimEvent('PaymentUnqueued', { claimId, runId, payment: advance, reason: 'rejected-by-bank', endToEndId: 'RUN1-2' }),
    claimEvent('AdvanceFailed', { claimId, advance: 1, reason: 'Rejected by the bank before booking (AC04)', failedAt: '2026-05-04T12:00:00.000Z', endToEndId: 'RUN1-2', unbooked: true }),
    claimEvent('AdvanceDisbursed', { claimId, advance: 1, amount, paymentReference: 'BK-7', disbursedBy: 'finance-1', disbursedAt: '2026-05-05T12:00:00.000Z', endToEndId: 'RUN2-1' }),
    claimEvent('AdvanceFailed', { claimId, advance: 1, reason: 'AC04 account of Jane Victim closed', failedAt: '2026-05-06T12:00:00.000Z', endToEndId: 'RUN2-1' }),
    claimEvent('PayoutFailed', { claimId, instalment: 1, reason: 'AC04 account of Jane Victim closed', failedAt: '2026-05-06T12:00:00.000Z', endToEndId: 'RUN2-2' }),
  ]) {
    const after = evolveSnapshot(s, e);
    for (const i of routeClaimEvent(e, s, after, src)) {
      told.push([i.recipient.kind === 'user' ? i.recipient.userId : i.recipient.role, i.topic, i.params.advance ?? i.params.payment ?? i.params.instalment]);
      const r = templates.render(i.topic, i.params, { locale: 'en', timeZone: i.timeZone });
      rendered.push(r.subject, r.text);
    }
    s = after;
  }
  t.same(told, [
    ['lawyer-2', 'claim-assigned', undefined],
    ['lawyer-1', 'payment-rejected', 1], ['lawyer-2', 'payment-rejected', 1], ['fund-finance', 'payment-rejected-finance', 1],
    ['lawyer-1', 'advance-disbursed', 1], ['lawyer-2', 'advance-disbursed', 1],
    ['lawyer-1', 'advance-failed', 1], ['lawyer-2', 'advance-failed', 1], ['fund-finance', 'advance-failed-finance', 1],
    ['lawyer-1', 'payout-failed', 1], ['lawyer-2', 'payout-failed', 1], ['fund-finance', 'payout-failed-finance', 1],
  ], 'queueing, a voided payment and a cancelled run tell no one; what the bank did tells the lawyers and finance, a rejection once (its failure is not told again)');
  const text = rendered.join('\n');
  t.match(text, /The bank rejected the payment of advance 1 for claim RS-2026-000042 before booking it\. The fund will pay it again in a later payment run; check that the payee details/);
  t.match(text, /advance 1 of claim RS-2026-000042 \(end-to-end id RUN1-2\)/, 'finance can find the rejected payment');
  t.match(text, /returned the payment of advance 1 for claim RS-2026-000042 on .* later payment run; check that the payee details/);
  t.match(text, /instalment 1 of claim RS-2026-000042 failed on .*It is due again: pay it in a later payment run/);
  t.notMatch(text, /Jane Victim|AC04|BK-7|\*\*\*\*/, 'no reason, bank reference or account in any message');
});
