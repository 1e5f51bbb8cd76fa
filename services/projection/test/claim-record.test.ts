/** The claim read model as a projection definition, pure: given a claim's events, then its rows. */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { parseEvent, type ClaimEvent } from '@cfund/contracts';
import { applyClaimEvent, claimRecord, initialEntry, type ClaimDetailView, type ClaimRecord } from '../src/index.ts';

const claimId = randomUUID();
const VICTIM_REF = 'vic-do-not-leak-7f3a';
const money = (amountMinor: number) => ({ amountMinor, currency: 'RSD' });
const event = (type: ClaimEvent['type'], data: Record<string, unknown>) => parseEvent(type, { schemaVersion: 1, claimId, ...data }) as ClaimEvent;

const lifecycle: ClaimEvent[] = [
  event('ClaimFiled', {
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-05T09:00:00.000Z',
    publicReference: 'RS-2026-000042', applicantRole: 'direct', victimRef: VICTIM_REF,
    personalData: { alg: 'AES-256-GCM', keyId: VICTIM_REF, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'AAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' },
    formOfExploitation: 'labour', incidentOn: '2025-01-10', damagesClaimed: [{ head: 'non-pecuniary', amount: money(120_000_000) }],
  }),
  event('CourtRulingRecorded', {
    court: 'Higher Court in Belgrade', caseNumber: 'K-1/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded',
    amounts: [{ head: 'non-pecuniary', amount: money(100_000_000) }],
  }),
  event('RulingBecameFinal', { finalOn: '2025-06-30' }),
  event('FundApplicationSubmitted', { submittedAt: '2026-01-10T10:00:00.000Z', deadline: '2028-06-30', late: false, otherCompensationDeclared: [] }),
  event('ClaimAssessed', {
    assessedBy: 'assessor-1', eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: money(90_000_000) }],
    deductions: [], capsApplied: [], recommendedNet: money(90_000_000),
  }),
  event('AwardApprovalGiven', { approver: 'approver-1', netAward: money(90_000_000), approvalNumber: 1 }),
  event('AwardApprovalGiven', { approver: 'approver-2', netAward: money(90_000_000), approvalNumber: 2 }),
  event('AwardApproved', { netAward: money(90_000_000), approvers: ['approver-1', 'approver-2'], fundYear: 2026 }),
  event('DecisionNotified', { servedAt: '2026-03-20T10:00:00.000Z', appealDeadline: '2026-04-06' }),
  event('PayoutScheduled', {
    instalments: [{ number: 1, amount: money(50_000_000), dueOn: '2026-05-04' }, { number: 2, amount: money(40_000_000), dueOn: '2026-06-01' }],
    total: money(90_000_000),
  }),
  event('PayoutDisbursed', { instalment: 1, amount: money(50_000_000), paymentReference: 'PAY-1', disbursedBy: 'finance-1', disbursedAt: '2026-05-05T12:00:00.000Z' }),
  event('PersonalDataErased', { victimRef: VICTIM_REF, erasedBy: 'dpo-1', erasedAt: '2026-07-01T08:00:00.000Z' }),
];
const at = (type: string) => lifecycle.findIndex((e) => e.type === type);

/** The rows after the first `count` events. */
function given(count: number): ClaimRecord & { detail: ClaimDetailView } {
  const entry = lifecycle.slice(0, count).reduce((e, x, i) => applyClaimEvent(e, x, i, `2026-01-0${1 + (i % 9)}T00:00:00.000Z`), initialEntry(claimId));
  const record = claimRecord(entry);
  return { ...record, detail: JSON.parse(record.row.detail) as ClaimDetailView };
}

t.test('given a filing, then the list\'s columns and its search text', async (t) => {
  const { row, detail, deadlines } = given(1);
  t.match(row, {
    revision: 0, status: 'filed', jurisdiction: 'RS', public_reference: 'RS-2026-000042', filed_by: 'lawyer-1', filed_at: '2026-01-05T09:00:00.000Z',
    currency: 'RSD', claimed_minor: 120_000_000, awarded_minor: 0, paid_minor: 0, outstanding_minor: 0, fund_year: null,
    form_of_exploitation: 'labour', applicant_role: 'direct',
  });
  t.equal(row.search_text, `${claimId} rs-2026-000042 lawyer-1`);
  t.same(deadlines, [], 'no anchor of the application deadline yet');
  t.match(detail, { incidentOn: '2025-01-10', personalDataErased: false, evidence: 0 });
  t.notOk(row.detail.includes('AES-256-GCM'), 'the envelope of personal data is only in its own column');
});

t.test('given a ruling, then the court\'s figures and the search by case number', async (t) => {
  const { row, detail } = given(2);
  t.match(row.search_text, /higher court in belgrade k-1\/2025/);
  t.equal(detail.money.courtAwarded, 100_000_000);
  t.same(given(at('RulingBecameFinal') + 1).deadlines.map((d) => d.kind), ['fund-application'], 'when final, the application deadline runs');
});

t.test('given an assessment and one approval, then what approvers need: assessor, approvals, approvals needed', async (t) => {
  const { row, detail, deadlines } = given(at('AwardApprovalGiven') + 1);
  t.equal(row.status, 'assessed');
  t.match(detail.fund, { eligible: true, assessedBy: 'assessor-1', approvals: ['approver-1'], approvalsNeeded: 2 });
  t.same(detail.moneyByHead.recommendedNet, money(90_000_000));
  t.same(deadlines, [], 'applied: no deadline runs');
});

t.test('given a decision served, then the appeal deadline', async (t) => {
  t.same(given(at('DecisionNotified') + 1).deadlines, [{ kind: 'appeal', dueOn: '2026-04-06' }]);
});

t.test('given a payout with one instalment disbursed, then money, funding and the instalment still due', async (t) => {
  const { row, detail, deadlines } = given(at('PayoutDisbursed') + 1);
  t.match(row, { status: 'scheduled', awarded_minor: 90_000_000, paid_minor: 50_000_000, outstanding_minor: 40_000_000, fund_year: 2026 });
  t.same(JSON.parse(row.funding), {
    fundYear: 2026, tied: 90_000_000, paid: 50_000_000, owed: 40_000_000, payments: [{ instalment: 1, amountMinor: 50_000_000 }],
    years: [{ year: 2026, tied: 90_000_000, paid: 50_000_000, owed: 40_000_000, payments: [{ instalment: 1, amountMinor: 50_000_000 }] }], recovered: 0, recoveries: [],
  });
  t.same(detail.fund.instalments.map((i) => [i.number, i.status]), [[1, 'disbursed'], [2, 'due']]);
  t.same(deadlines, [{ kind: 'instalment', dueOn: '2026-06-01', instalment: 2 }]);
});

t.test('given an old schedule (not committed by due year), then the detail says its commitments are not spread; spread, then it says so', async (t) => {
  t.equal(given(at('PayoutScheduled') + 1).detail.fund.commitmentsSpreadByYear, false, 'a schedule of before the rule: in the award\'s year');
  const spread = [...lifecycle.slice(0, at('PayoutScheduled') + 1),
    event('CommitmentsSpreadByYear', { instalments: [{ instalment: 2, year: 2027 }], reason: 'old schedule', spreadBy: 'admin-1', spreadAt: '2026-05-01T08:00:00.000Z' })];
  const entry = spread.reduce((e, x, i) => applyClaimEvent(e, x, i, '2026-05-01T08:00:00.000Z'), initialEntry(claimId));
  t.equal((JSON.parse(claimRecord(entry).row.detail) as ClaimDetailView).fund.commitmentsSpreadByYear, true, 'spread since');
});

t.test('given a recovery received the year after the award, then the funding holds it in that year', async (t) => {
  const paid = lifecycle.slice(0, at('PayoutDisbursed') + 1);
  const recovered = event('RecoveryFromOffenderRecorded', { amount: money(10_000_000), recordedOn: '2027-01-04' });
  const entry = [...paid, recovered].reduce((e, x, i) => applyClaimEvent(e, x, i, '2027-01-05T00:00:00.000Z'), initialEntry(claimId));
  const { row } = claimRecord(entry);
  t.match(JSON.parse(row.funding), { fundYear: 2026, recovered: 10_000_000, recoveries: [{ recovery: 1, year: 2027, amountMinor: 10_000_000 }] });
  t.equal(row.fund_year, 2026, 'the claim stays of its award\'s fund year');
  t.same(claimRecord(entry).fundYears, [
    { year: 2026, awardYear: 2026, tiedMinor: 90_000_000, paidMinor: 50_000_000 },
    { year: 2027, awardYear: 2026, tiedMinor: 0, paidMinor: 0 },
  ], 'its fund years: the award\'s, and the year of the recovery (holding none of the award)');
});

t.test('given a schedule with an instalment due the year after the award, then the claim has a row in each year', async (t) => {
  const served = lifecycle.slice(0, at('DecisionNotified') + 1);
  const scheduled = parseEvent('PayoutScheduled', {
    schemaVersion: 2, claimId, committedByDueYear: true, total: money(90_000_000),
    instalments: [{ number: 1, amount: money(50_000_000), dueOn: '2026-11-04' }, { number: 2, amount: money(40_000_000), dueOn: '2027-01-05' }],
  }) as ClaimEvent;
  const paidEarly = event('PayoutDisbursed', { instalment: 2, amount: money(40_000_000), paymentReference: 'PAY-2', disbursedBy: 'finance-1', disbursedAt: '2026-11-05T12:00:00.000Z', early: true });
  const record = (events: ClaimEvent[]) => claimRecord(events.reduce((e, x, i) => applyClaimEvent(e, x, i, '2026-11-05T00:00:00.000Z'), initialEntry(claimId)));
  t.same(record(served).fundYears, [{ year: 2026, awardYear: 2026, tiedMinor: 90_000_000, paidMinor: 0 }], 'before the schedule: the award in its year');
  t.same(record([...served, scheduled]).fundYears, [
    { year: 2026, awardYear: 2026, tiedMinor: 50_000_000, paidMinor: 0 },
    { year: 2027, awardYear: 2026, tiedMinor: 40_000_000, paidMinor: 0 },
  ]);
  t.same(record([...served, scheduled, paidEarly]).fundYears.map((y) => [y.year, y.paidMinor]), [[2026, 0], [2027, 40_000_000]], 'paid early, it stays in its year');
  // A schedule of before (v1) keeps the award in its year.
  const v1 = event('PayoutScheduled', { total: money(90_000_000), instalments: [{ number: 1, amount: money(50_000_000), dueOn: '2026-11-04' }, { number: 2, amount: money(40_000_000), dueOn: '2027-01-05' }] });
  t.same(record([...served, v1]).fundYears, [{ year: 2026, awardYear: 2026, tiedMinor: 90_000_000, paidMinor: 0 }]);
});

t.test('given an erasure, then the detail says so and nothing else changes', async (t) => {
  const before = given(lifecycle.length - 1);
  const after = given(lifecycle.length);
  t.equal(after.detail.personalDataErased, true);
  t.same({ ...after.row, revision: 0, updated_at: '', detail: '' }, { ...before.row, revision: 0, updated_at: '', detail: '' });
});

t.test('given payee details and a change after the approval, then the detail shows the kind and masked account only', async (t) => {
  const sealed = { alg: 'AES-256-GCM', keyId: VICTIM_REF, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'AAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' };
  const payee = (type: 'PayeeDetailsSet' | 'PayeeChangeRequested', change: number, maskedAccount: string, by: string) => event(type, {
    change, payeeKind: change === 1 ? 'victim' : 'guardian', maskedAccount, details: sealed,
    ...(type === 'PayeeDetailsSet' ? { setBy: by, setAt: '2026-01-11T09:00:00.000Z' } : { requestedBy: by, requestedAt: '2026-03-21T09:00:00.000Z' }),
  });
  const events = [...lifecycle.slice(0, at('AwardApproved')), payee('PayeeDetailsSet', 1, 'RS35 **** 1379', 'lawyer-1'),
    ...lifecycle.slice(at('AwardApproved'), at('PayoutScheduled')), payee('PayeeChangeRequested', 2, 'ME25 **** 8951', 'lawyer-1')];
  const detailOf = (es: ClaimEvent[]) => {
    const entry = es.reduce((e, x, i) => applyClaimEvent(e, x, i, '2026-03-21T09:00:00.000Z'), initialEntry(claimId));
    return JSON.parse(claimRecord(entry).row.detail) as ClaimDetailView;
  };
  t.same(detailOf(events).payee, {
    current: { change: 1, kind: 'victim', maskedAccount: 'RS35 **** 1379', by: 'lawyer-1' },
    pending: { change: 2, kind: 'guardian', maskedAccount: 'ME25 **** 8951', by: 'lawyer-1' },
  });
  const confirmed = detailOf([...events, event('PayeeChangeConfirmed', { change: 2, confirmedBy: 'finance-2', confirmedAt: '2026-03-22T09:00:00.000Z' })]);
  t.same(confirmed.payee, { current: { change: 2, kind: 'guardian', maskedAccount: 'ME25 **** 8951', by: 'lawyer-1' }, pending: null });
  t.same(given(1).detail.payee, { current: null, pending: null }, 'no payee yet');
});
