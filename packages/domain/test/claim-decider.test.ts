import t, { type Test } from 'tap';
import { parseEvent, type Actor, type ClaimEvent, type Money } from '@cfund/contracts';
import {
  awardApprovalsNeeded, claimFunding, decide, fundingInYear, ledgerYears, evolve, initialState, isDomainError, onHoldForInformation, type ClaimCommand, type ClaimState,
} from '@cfund/domain';

// ---- given / when / then ----------------------------------------------------------------------

const stateOf = (events: ClaimEvent[]): ClaimState => events.reduce(evolve, initialState());

function given(events: ClaimEvent[]) {
  return {
    when(command: ClaimCommand) {
      return {
        then(t: Test, expected: ClaimEvent[], message?: string) {
          t.same(decide(command, stateOf(events)), expected, message ?? "the expected events");
        },
        /** `details`: the refusal's facts, exactly (a four-eyes rule by name, an amount with its currency). */
        thenThrows(t: Test, code: string, message?: string, details?: Record<string, unknown>) {
          let thrown: unknown;
          try {
            decide(command, stateOf(events));
          } catch (err) {
            thrown = err;
          }
          t.ok(isDomainError(thrown, code), message ?? `refused with ${code}`, { found: thrown instanceof Error ? `${(thrown as { code?: string }).code}: ${thrown.message}` : thrown });
          if (details) t.same(isDomainError(thrown) ? thrown.details : undefined, details, `${message ?? code}: its facts`);
        },
        events: () => decide(command, stateOf(events)),
      };
    },
  };
}

// ---- fixtures: a Serbian claim (model scheme: RSD, 36 months from the final ruling, enforcement
// must fail first, caps 2,000,000 total and 1,500,000 non-pecuniary, two approvers above 500,000,
// 15 days to appeal, advances up to 50%, recovery from the offender) ---------------------------

const claimId = '3f1c2a9e-8b7d-4c6e-9a5b-1d2e3f4a5b6c';
const RSD = (major: number): Money => ({ amountMinor: major * 100, currency: 'RSD' });
const lawyer: Actor = { sub: 'lawyer-1', roles: ['lawyer'] };
const assessor: Actor = { sub: 'assessor-1', roles: ['fund-assessor'] };
const approver1: Actor = { sub: 'approver-1', roles: ['fund-approver'] };
const approver2: Actor = { sub: 'approver-2', roles: ['fund-approver'] };
const finance: Actor = { sub: 'finance-1', roles: ['fund-finance'] };
const dpo: Actor = { sub: 'dpo-1', roles: ['dpo'] };

const personalData = { alg: 'AES-256-GCM' as const, keyId: 'victim-7', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' };
const data = <T extends Record<string, unknown>>(d: T) => ({ schemaVersion: 1 as const, claimId, ...d });

const fileClaim: ClaimCommand = {
  type: 'FileClaim', actor: lawyer, at: '2026-01-10T09:00:00.000Z',
  data: {
    claimId, publicReference: 'RS-2026-0001', victimRef: 'victim-7', personalData, jurisdiction: 'RS',
    applicantRole: 'direct', formOfExploitation: 'labour', incidentOn: '2024-05-01',
    damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(1_800_000) }, { head: 'medical-costs', amount: RSD(200_000) }],
  },
};
const filed: ClaimEvent = {
  type: 'ClaimFiled',
  data: data({
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-10T09:00:00.000Z',
    publicReference: 'RS-2026-0001', applicantRole: 'direct', victimRef: 'victim-7', personalData, formOfExploitation: 'labour',
    incidentOn: '2024-05-01', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(1_800_000) }, { head: 'medical-costs', amount: RSD(200_000) }],
  }),
};
const ruling: ClaimEvent = {
  type: 'CourtRulingRecorded',
  data: data({ court: 'Higher Court in Belgrade', caseNumber: 'K-12/25', decidedOn: '2025-12-01', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(1_000_000) }] }),
};
const final = (finalOn: string): ClaimEvent => ({ type: 'RulingBecameFinal', data: data({ finalOn }) });
const enforcementFailed: ClaimEvent = { type: 'EnforcementFailed', data: data({ reason: 'no-assets', amountOutstanding: RSD(1_000_000), recordedOn: '2026-02-20' }) };
const applied: ClaimEvent = {
  type: 'FundApplicationSubmitted',
  data: data({ submittedAt: '2026-03-01T10:00:00.000Z', deadline: '2029-02-01', late: false, otherCompensationDeclared: [] }),
};
const assessed: ClaimEvent = {
  type: 'ClaimAssessed',
  data: data({
    assessedBy: 'assessor-1', eligible: true, ineligibilityReasons: [],
    assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(1_800_000) }, { head: 'medical-costs', amount: RSD(200_000) }],
    deductions: [], capsApplied: [{ head: 'non-pecuniary', cap: RSD(1_500_000), reducedBy: RSD(300_000) }],
    recommendedNet: RSD(1_700_000),
  }),
};
const approval = (approver: string, n: 1 | 2): ClaimEvent => ({ type: 'AwardApprovalGiven', data: data({ approver, netAward: RSD(1_700_000), approvalNumber: n }) });
const approved: ClaimEvent = { type: 'AwardApproved', data: data({ netAward: RSD(1_700_000), approvers: ['approver-1', 'approver-2'], fundYear: 2026 }) };
const notified: ClaimEvent = { type: 'DecisionNotified', data: data({ servedAt: '2026-04-01T08:00:00.000Z', appealDeadline: '2026-04-16' }) };
const scheduled: ClaimEvent = {
  type: 'PayoutScheduled',
  data: {
    ...data({
      instalments: [
        { number: 1, amount: { amountMinor: 56_666_667, currency: 'RSD' }, dueOn: '2026-05-04' },
        { number: 2, amount: { amountMinor: 56_666_667, currency: 'RSD' }, dueOn: '2026-06-01' },
        { number: 3, amount: { amountMinor: 56_666_666, currency: 'RSD' }, dueOn: '2026-07-01' },
      ],
      total: RSD(1_700_000),
    }),
    schemaVersion: 2,
    committedByDueYear: true,
  },
};
const disbursed = (n: number, amountMinor: number, at: string): ClaimEvent => ({
  type: 'PayoutDisbursed',
  data: data({ instalment: n, amount: { amountMinor, currency: 'RSD' }, paymentReference: `PAY-${n}`, disbursedBy: 'finance-1', disbursedAt: at }),
});

const courtTrack = [filed, ruling, final('2026-02-01'), enforcementFailed];
const toApproval = [...courtTrack, applied, assessed];
const toNotified = [...toApproval, approval('approver-1', 1), approval('approver-2', 2), approved, notified];
const toScheduled = [...toNotified, scheduled];

// ---- the happy path ------------------------------------------------------------------------------

t.test('the whole lifecycle, command by command', async (t) => {
  given([]).when(fileClaim).then(t, [filed], 'filing records the scheme in force, its currency and the filing lawyer');
  given([filed]).when({ type: 'RecordCourtRuling', actor: lawyer, at: '2026-01-20T10:00:00.000Z', data: { court: 'Higher Court in Belgrade', caseNumber: 'K-12/25', decidedOn: '2025-12-01', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(1_000_000) }] } })
    .then(t, [ruling]);
  given([filed, ruling]).when({ type: 'RecordRulingFinality', actor: lawyer, at: '2026-02-02T10:00:00.000Z', data: { finalOn: '2026-02-01' } }).then(t, [final('2026-02-01')]);
  given([filed, ruling, final('2026-02-01')]).when({ type: 'RecordEnforcementFailure', actor: lawyer, at: '2026-02-20T10:00:00.000Z', data: { reason: 'no-assets', amountOutstanding: RSD(1_000_000), recordedOn: '2026-02-20' } })
    .then(t, [enforcementFailed]);
  given(courtTrack).when({ type: 'SubmitFundApplication', actor: lawyer, at: '2026-03-01T10:00:00.000Z', data: { otherCompensationDeclared: [] } })
    .then(t, [applied], 'the deadline is 36 months after the ruling became final (2029-02-01, a Thursday)');
  given([...courtTrack, applied]).when({
    type: 'AssessClaim', actor: assessor, at: '2026-03-10T10:00:00.000Z',
    data: { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(1_800_000) }, { head: 'medical-costs', amount: RSD(200_000) }], deductions: [] },
  }).then(t, [assessed], 'non-pecuniary is cut to its cap: 1,500,000 + 200,000 = 1,700,000');
  given(toApproval).when({ type: 'ApproveAward', actor: approver1, at: '2026-03-15T10:00:00.000Z', data: {} })
    .then(t, [approval('approver-1', 1)], 'above 500,000 one approval is not enough');
  given([...toApproval, approval('approver-1', 1)]).when({ type: 'ApproveAward', actor: approver2, at: '2026-03-16T10:00:00.000Z', data: {} })
    .then(t, [approval('approver-2', 2), approved], 'the second approver approves the award');
  given([...toApproval, approval('approver-1', 1), approval('approver-2', 2), approved])
    .when({ type: 'NotifyDecision', actor: approver1, at: '2026-04-01T09:00:00.000Z', data: { servedAt: '2026-04-01T08:00:00.000Z' } })
    .then(t, [notified], 'served on 1 April: 15 days to appeal, to Thursday 16 April');
  given(toNotified).when({ type: 'SchedulePayout', actor: finance, at: '2026-04-20T09:00:00.000Z', data: { instalments: 3, firstDueOn: '2026-05-01', intervalMonths: 1 } })
    .then(t, [scheduled], 'three instalments adding up exactly; 1-2 May are holidays, so the first falls on Monday 4 May');
  given(toScheduled).when({ type: 'DisbursePayout', actor: finance, at: '2026-05-04T09:00:00.000Z', data: { instalment: 1, paymentReference: 'PAY-1' } })
    .then(t, [disbursed(1, 56_666_667, '2026-05-04T09:00:00.000Z')]);
  const allPaid = [...toScheduled, disbursed(1, 56_666_667, '2026-05-04T09:00:00.000Z'), disbursed(2, 56_666_667, '2026-06-01T09:00:00.000Z'), disbursed(3, 56_666_666, '2026-07-01T09:00:00.000Z')];
  t.equal(stateOf(allPaid).status, 'paid', 'every instalment paid: the claim is paid');
  given(allPaid).when({ type: 'CloseClaim', actor: finance, at: '2026-07-02T09:00:00.000Z', data: { reason: 'paid in full' } })
    .then(t, [{ type: 'ClaimClosed', data: data({ reason: 'paid in full', closedAt: '2026-07-02T09:00:00.000Z' }) }]);
});

// ---- filing and the court track ------------------------------------------------------------------

t.test('filing', async (t) => {
  given([filed]).when(fileClaim).thenThrows(t, 'already-filed');
  given([]).when({ ...fileClaim, data: { ...fileClaim.data, damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 100, currency: 'EUR' } }] } })
    .thenThrows(t, 'currency-mismatch', 'one currency per claim: the scheme\'s');
  given([]).when({ ...fileClaim, data: { ...fileClaim.data, incidentOn: '2026-02-01' } }).thenThrows(t, 'incident-in-future');
  given([]).when({ ...fileClaim, at: '2024-06-01T10:00:00.000Z' }).thenThrows(t, 'no-scheme-in-force', 'no Serbian scheme version before 2025');
});

t.test('court track rules', async (t) => {
  const ruling = (outcome: 'compensation-awarded' | 'referred-to-civil', amounts: { head: 'non-pecuniary'; amount: Money }[]): ClaimCommand => ({
    type: 'RecordCourtRuling', actor: lawyer, at: '2026-01-20T10:00:00.000Z', data: { court: 'c', caseNumber: 'n', decidedOn: '2025-12-01', outcome, amounts },
  });
  given([filed]).when(ruling('compensation-awarded', [])).thenThrows(t, 'amounts-required');
  given([filed]).when(ruling('referred-to-civil', [{ head: 'non-pecuniary', amount: RSD(1) }])).thenThrows(t, 'amounts-not-expected');
  given([filed]).when({ type: 'RecordRulingFinality', actor: lawyer, at: '2026-02-02T10:00:00.000Z', data: { finalOn: '2026-02-01' } }).thenThrows(t, 'no-ruling');
  given([filed, ruling as unknown as ClaimEvent].slice(0, 1)).when({ type: 'RecordEnforcementFailure', actor: lawyer, at: '2026-02-20T10:00:00.000Z', data: { reason: 'no-assets', amountOutstanding: RSD(1), recordedOn: '2026-02-20' } })
    .thenThrows(t, 'no-award-to-enforce');
  given([filed]).when({ type: 'RecordEnforcementFailure', actor: lawyer, at: '2026-02-20T10:00:00.000Z', data: { reason: 'offender-unknown', amountOutstanding: RSD(0), recordedOn: '2026-02-20' } })
    .then(t, [{ type: 'EnforcementFailed', data: data({ reason: 'offender-unknown', amountOutstanding: RSD(0), recordedOn: '2026-02-20' }) }], 'an unknown offender needs no award');
  given([filed]).when({ type: 'RecordOffenderPayment', actor: lawyer, at: '2026-02-20T10:00:00.000Z', data: { amount: RSD(0), receivedOn: '2026-02-20' } }).thenThrows(t, 'zero-amount');
});

// ---- the fund application and its deadline ----------------------------------------------------

t.test('application deadline, late filing and extensions', async (t) => {
  const apply = (at: string): ClaimCommand => ({ type: 'SubmitFundApplication', actor: lawyer, at, data: { otherCompensationDeclared: [] } });
  given([filed, ruling, final('2026-02-01')]).when(apply('2026-03-01T10:00:00.000Z')).thenThrows(t, 'enforcement-not-failed');
  // Final on Friday 3 January 2023: 36 months later is Saturday 3 January 2026 -> Monday 5 January.
  const oldCase = [filed, ruling, final('2023-01-03'), enforcementFailed];
  given(oldCase).when(apply('2026-01-05T22:59:59.000Z')).then(t, [{
    type: 'FundApplicationSubmitted', data: data({ submittedAt: '2026-01-05T22:59:59.000Z', deadline: '2026-01-05', late: false, otherCompensationDeclared: [] }),
  }], 'in time until local midnight (23:00 UTC in winter)');
  given(oldCase).when(apply('2026-01-05T23:00:00.000Z')).thenThrows(t, 'late-filing', 'a minute past local midnight is late');
  const granted: ClaimEvent = { type: 'LateFilingExtensionGranted', data: data({ decidedBy: 'assessor-1', reason: 'the victim was in a shelter abroad' }) };
  given(oldCase).when({ type: 'DecideLateFilingExtension', actor: assessor, at: '2026-03-01T10:00:00.000Z', data: { decision: 'granted', reason: 'the victim was in a shelter abroad' } })
    .then(t, [granted]);
  given([...oldCase, granted]).when(apply('2026-03-02T10:00:00.000Z')).then(t, [{
    type: 'FundApplicationSubmitted', data: data({ submittedAt: '2026-03-02T10:00:00.000Z', deadline: '2026-01-05', late: true, otherCompensationDeclared: [] }),
  }], 'with an extension granted, a late application is accepted and marked late');
  given([...oldCase, granted]).when({ type: 'DecideLateFilingExtension', actor: assessor, at: '2026-03-01T10:00:00.000Z', data: { decision: 'refused', reason: 'x' } })
    .thenThrows(t, 'already-decided');
  given([filed, ruling]).when(apply('2026-03-01T10:00:00.000Z')).thenThrows(t, 'enforcement-not-failed');
});

// ---- assessment: caps, deductions, never negative ---------------------------------------------

t.test('assessment', async (t) => {
  const assess = (amounts: { head: 'non-pecuniary' | 'medical-costs' | 'lost-earnings'; amount: Money }[], deductions: { source: 'offender' | 'insurance'; amount: Money }[], eligible = true, reasons: string[] = []): ClaimCommand => ({
    type: 'AssessClaim', actor: assessor, at: '2026-03-10T10:00:00.000Z', data: { eligible, ineligibilityReasons: reasons, assessedAmounts: amounts, deductions },
  });
  // A claim that asked under every head assessed below (the fund awards at most what was asked).
  const filedWide: ClaimEvent = { type: 'ClaimFiled', data: { ...(filed as Extract<ClaimEvent, { type: 'ClaimFiled' }>).data, damagesClaimed: [
    { head: 'non-pecuniary', amount: RSD(1_500_000) }, { head: 'lost-earnings', amount: RSD(900_000) }, { head: 'medical-costs', amount: RSD(500_000) },
  ] } };
  const base = [filedWide, ...courtTrack.slice(1), applied];
  const net = (events: ClaimEvent[]) => (events[0]!.data as { recommendedNet: Money }).recommendedNet.amountMinor;
  t.equal(net(given(base).when(assess([{ head: 'medical-costs', amount: RSD(300_000) }], [{ source: 'insurance', amount: RSD(50_000) }])).events()), RSD(250_000).amountMinor, 'assessed less deductions');
  t.equal(net(given(base).when(assess([{ head: 'medical-costs', amount: RSD(100_000) }], [{ source: 'insurance', amount: RSD(150_000) }])).events()), 0, 'never below zero');
  const capped = given(base).when(assess([
    { head: 'non-pecuniary', amount: RSD(1_500_000) }, { head: 'lost-earnings', amount: RSD(900_000) }, { head: 'medical-costs', amount: RSD(500_000) },
  ], [])).events()[0]!.data as { recommendedNet: Money; capsApplied: unknown[] };
  t.equal(capped.recommendedNet.amountMinor, RSD(2_000_000).amountMinor, 'limited by the total cap of 2,000,000');
  t.same(capped.capsApplied, [{ head: 'total', cap: RSD(2_000_000), reducedBy: RSD(900_000) }], 'and it says so');
  const offenderPaid: ClaimEvent = { type: 'OffenderPaymentReceived', data: data({ amount: RSD(100_000), receivedOn: '2026-02-10' }) };
  const withOffender = given([...base, offenderPaid]).when(assess([{ head: 'medical-costs', amount: RSD(300_000) }], [])).events()[0]!.data as { recommendedNet: Money; deductions: unknown[] };
  t.equal(withOffender.recommendedNet.amountMinor, RSD(200_000).amountMinor, 'what the offender paid is always deducted');
  t.same(withOffender.deductions, [{ source: 'offender', amount: RSD(100_000) }]);
  given(base).when(assess([{ head: 'medical-costs', amount: { amountMinor: 1, currency: 'EUR' } }], [])).thenThrows(t, 'currency-mismatch');
  given(base).when(assess([], [], false, [])).thenThrows(t, 'reasons-required');
  const ineligible = given(base).when(assess([{ head: 'medical-costs', amount: RSD(300_000) }], [], false, ['not a victim of a crime covered by the scheme'])).events()[0]!;
  t.equal(net([ineligible]), 0, 'an ineligible claim has no award');
  given([...base, ineligible]).when({ type: 'ApproveAward', actor: approver1, at: '2026-03-15T10:00:00.000Z', data: {} }).thenThrows(t, 'not-eligible');
  given([...toApproval, approval('approver-1', 1)]).when(assess([], [])).thenThrows(t, 'approval-under-way');
  given([filed]).when(assess([], [])).thenThrows(t, 'not-allowed-in-state', 'no assessment before an application');
  // At most what was claimed under each head, or what a court awarded under it when that is more.
  const narrow = [...courtTrack, applied];
  given(narrow).when(assess([{ head: 'medical-costs', amount: RSD(200_001) }], [])).thenThrows(t, 'above-claimed', 'not above what was claimed',
    { head: 'medical-costs', claimed: RSD(200_000), assessed: RSD(200_001) });
  given(narrow).when(assess([{ head: 'lost-earnings', amount: RSD(1) }], [])).thenThrows(t, 'head-not-claimed', 'not under a head never claimed');
  t.equal(net(given(narrow).when(assess([{ head: 'medical-costs', amount: RSD(200_000) }], [])).events()), RSD(200_000).amountMinor, 'exactly what was claimed');
  const courtAwardedMore: ClaimEvent = { type: 'CourtRulingRecorded', data: data({ court: 'Basic Court', caseNumber: 'P-1/26', decidedOn: '2026-02-25', outcome: 'compensation-awarded', amounts: [{ head: 'lost-earnings', amount: RSD(300_000) }] }) };
  t.equal(net(given([...narrow, courtAwardedMore]).when(assess([{ head: 'lost-earnings', amount: RSD(300_000) }], [])).events()), RSD(300_000).amountMinor,
    'a head a court awarded may be assessed up to the court\'s amount');
});

// ---- approvals and four-eyes ---------------------------------------------------------------------

t.test('approvals: four-eyes and dual approval', async (t) => {
  const approve = (actor: Actor): ClaimCommand => ({ type: 'ApproveAward', actor, at: '2026-03-15T10:00:00.000Z', data: {} });
  given(toApproval).when(approve({ sub: 'assessor-1', roles: ['fund-approver', 'fund-assessor'] })).thenThrows(t, 'four-eyes', 'the assessor cannot approve', { rule: 'assessor-approves' });
  given([...toApproval, approval('approver-1', 1)]).when(approve(approver1)).thenThrows(t, 'already-approved', 'two distinct approvers', { rule: 'approves-award-twice' });
  const assessedAt = (net: Money): ClaimEvent => ({ type: 'ClaimAssessed', data: { ...(assessed as Extract<ClaimEvent, { type: 'ClaimAssessed' }>).data, recommendedNet: net, capsApplied: [] } });
  const small = assessedAt(RSD(400_000));
  const one = given([...courtTrack, applied, small]).when(approve(approver1)).events();
  t.same(one.map((e) => e.type), ['AwardApprovalGiven', 'AwardApproved'], 'at or below the threshold one approval suffices');
  given(toApproval).when({ type: 'RejectAward', actor: assessor, at: '2026-03-15T10:00:00.000Z', data: { reasons: ['x'], appealInstructions: 'y' } }).thenThrows(t, 'four-eyes', 'the assessor cannot reject', { rule: 'assessor-rejects' });
  const zero = assessedAt(RSD(0));
  given([...courtTrack, applied, zero]).when(approve(approver1)).thenThrows(t, 'nothing-to-award');
  t.equal(awardApprovalsNeeded(stateOf(toApproval)), 2, 'an award above the threshold needs two approvals');
  t.equal(awardApprovalsNeeded(stateOf([...courtTrack, applied, small])), 1, 'one at or below it');
  t.equal(awardApprovalsNeeded(stateOf([...courtTrack, applied])), 1, 'one while nothing is assessed');
});

t.test('rejection: four-eyes against the assessor, but an approver who gave an approval may reject', async (t) => {
  const reject = (actor: Actor): ClaimCommand => ({ type: 'RejectAward', actor, at: '2026-03-16T10:00:00.000Z', data: { reasons: ['x'], appealInstructions: 'y' } });
  const rejectedBy = (who: string): ClaimEvent => ({ type: 'AwardRejected', data: data({ rejectedBy: who, reasons: ['x'], appealInstructions: 'y' }) });
  given([...toApproval, approval('approver-1', 1)]).when(reject(approver1))
    .then(t, [rejectedBy('approver-1')], 'the first approver, having looked again, rejects');
  given([...toApproval, approval('approver-1', 1)]).when(reject(approver2)).then(t, [rejectedBy('approver-2')], 'another approver rejects');
  given([...toApproval, approval('approver-1', 1)]).when(reject({ sub: 'assessor-1', roles: ['fund-approver', 'fund-assessor'] }))
    .thenThrows(t, 'four-eyes', 'the assessor does not decide on their own assessment');
});

t.test('who may not act is refused as an authorization (403), before the state is considered', async (t) => {
  const kindOf = (events: ClaimEvent[], command: ClaimCommand): unknown => {
    try {
      decide(command, stateOf(events));
    } catch (e) {
      return isDomainError(e) ? `${e.code}/${e.kind}` : e;
    }
    return 'decided';
  };
  const at = '2026-03-16T10:00:00.000Z';
  const assessorApprover: Actor = { sub: 'assessor-1', roles: ['fund-assessor', 'fund-approver'] };
  t.equal(kindOf(toApproval, { type: 'ApproveAward', actor: assessorApprover, at, data: {} }), 'four-eyes/authorization', 'the assessor approving');
  t.equal(kindOf([...toApproval, approval('approver-1', 1)], { type: 'ApproveAward', actor: approver1, at, data: {} }), 'already-approved/authorization', 'the same approver twice');
  t.equal(kindOf(toNotified, { type: 'ApproveAward', actor: approver1, at, data: {} }), 'already-approved/authorization', 'an approver of an award already approved');
  t.equal(kindOf(toScheduled, { type: 'DisbursePayout', actor: { sub: 'approver-2', roles: ['fund-finance'] }, at, data: { instalment: 1, paymentReference: 'P' } }),
    'four-eyes/authorization', 'an approver of the award paying it');
  t.equal(kindOf(toApproval, { type: 'ApproveAward', actor: { sub: 'nobody-yet', roles: ['fund-approver'] }, at, data: {} }), 'decided', 'anyone else approves');
});

// ---- decision, appeal and its deadline across DST ------------------------------------------------

t.test('notification and appeal, with the deadline as a local date', async (t) => {
  // Served Friday 13 March 2026: 15 days is Saturday 28 March -> Monday 30 March, after the switch
  // to summer time on Sunday 29 March: local midnight ending 30 March is 22:00 UTC.
  const served: ClaimEvent = { type: 'DecisionNotified', data: data({ servedAt: '2026-03-13T10:00:00.000Z', appealDeadline: '2026-03-30' }) };
  const decided = [...toApproval, approval('approver-1', 1), approval('approver-2', 2), approved];
  given(decided).when({ type: 'NotifyDecision', actor: approver1, at: '2026-03-13T11:00:00.000Z', data: { servedAt: '2026-03-13T10:00:00.000Z' } }).then(t, [served]);
  const appeal = (at: string): ClaimCommand => ({ type: 'AppealDecision', actor: lawyer, at, data: { grounds: 'the award ignores lost earnings' } });
  given([...decided, served]).when(appeal('2026-03-30T21:59:00.000Z')).then(t, [{ type: 'DecisionAppealed', data: data({ appealedAt: '2026-03-30T21:59:00.000Z', grounds: 'the award ignores lost earnings' }) }], '23:59 local time on the last day is in time');
  given([...decided, served]).when(appeal('2026-03-30T22:00:00.000Z')).thenThrows(t, 'appeal-late', 'local midnight (22:00 UTC in summer time) is late');
  // Served 23:30 UTC on 31 December is already 1 January in Belgrade: the period counts from then.
  given(decided).when({ type: 'NotifyDecision', actor: approver1, at: '2027-01-01T09:00:00.000Z', data: { servedAt: '2026-12-31T23:30:00.000Z' } })
    .then(t, [{ type: 'DecisionNotified', data: data({ servedAt: '2026-12-31T23:30:00.000Z', appealDeadline: '2027-01-18' }) }], 'served on local 1 January 2027: +15 = Saturday 16 -> Monday 18 January');
  const appealed: ClaimEvent = { type: 'DecisionAppealed', data: data({ appealedAt: '2026-03-20T10:00:00.000Z', grounds: 'g' }) };
  const decideAppeal = (outcome: 'upheld' | 'increased' | 'reduced' | 'remitted', netAward?: Money): ClaimCommand => ({
    type: 'DecideAppeal', actor: approver1, at: '2026-04-10T10:00:00.000Z', data: { outcome, decidedOn: '2026-04-10', ...(netAward ? { netAward } : {}) },
  });
  const underAppeal = [...decided, served, appealed];
  given([...decided, served, appealed]).when(appeal('2026-03-21T10:00:00.000Z')).thenThrows(t, 'not-allowed-in-state');
  given(underAppeal).when(decideAppeal('increased', RSD(2_100_000))).thenThrows(t, 'above-cap', 'an appeal cannot lift the award above the cap');
  given(underAppeal).when(decideAppeal('increased', RSD(1_600_000))).thenThrows(t, 'not-an-increase');
  given(underAppeal).when(decideAppeal('increased')).thenThrows(t, 'amount-required');
  // Above the threshold an appeal's award needs two approvers, as an award of that amount does.
  const firstApproval = given(underAppeal).when(decideAppeal('increased', RSD(1_900_000))).events();
  t.same(firstApproval.map((e) => e.type), ['AppealApprovalGiven'], 'one approver alone cannot raise an award above the threshold');
  t.same(stateOf([...underAppeal, ...firstApproval]).fund.netAward, RSD(1_700_000), 'the award is unchanged until the second approval');
  given([...underAppeal, ...firstApproval]).when(decideAppeal('increased', RSD(1_900_000))).thenThrows(t, 'already-approved', 'not twice by the same approver', { rule: 'approves-appeal-twice' });
  const second = (outcome: 'increased' | 'upheld', netAward?: Money): ClaimCommand => ({ ...decideAppeal(outcome, netAward), actor: approver2 } as ClaimCommand);
  given([...underAppeal, ...firstApproval]).when(second('increased', RSD(1_800_000))).thenThrows(t, 'appeal-decision-differs', 'the second approval confirms the first');
  const increased = given([...underAppeal, ...firstApproval]).when(second('increased', RSD(1_900_000))).events();
  t.same(increased.map((e) => e.type), ['AppealDecided']);
  t.same((increased[0]!.data as { approvers?: string[] }).approvers, ['approver-1', 'approver-2'], 'both approvers recorded');
  t.same(stateOf([...underAppeal, ...firstApproval, ...increased]).fund.netAward, RSD(1_900_000), 'the increased award stands');
  given(underAppeal).when({ ...decideAppeal('increased', RSD(1_900_000)), actor: assessor } as ClaimCommand).thenThrows(t, 'four-eyes', 'the assessor does not decide the appeal', { rule: 'assessor-decides-appeal' });
  const reducedSmall = given(underAppeal).when(decideAppeal('reduced', RSD(400_000))).events();
  t.same(reducedSmall.map((e) => e.type), ['AppealDecided'], 'an award at or below the threshold needs one approver');
  const remitted = given(underAppeal).when(decideAppeal('remitted')).events();
  t.equal(stateOf([...underAppeal, ...remitted]).status, 'applied', 'a remitted claim goes back for a new assessment');
});

t.test('an award granted on appeal after a rejection gets a fund year; appeals need a served decision', async (t) => {
  const rejected: ClaimEvent = { type: 'AwardRejected', data: data({ rejectedBy: 'approver-1', reasons: ['r'], appealInstructions: 'i' }) };
  const appeal: ClaimCommand = { type: 'AppealDecision', actor: lawyer, at: '2026-04-02T10:00:00.000Z', data: { grounds: 'g' } };
  given([...toApproval, rejected]).when(appeal).thenThrows(t, 'decision-not-served', 'a decision not yet served cannot be appealed (and the refusal says so)');
  given([...toApproval, rejected, notified]).when({ ...appeal, at: '2026-04-01T07:00:00.000Z' } as ClaimCommand).thenThrows(t, 'decision-not-served', 'not before the time of service');
  const appealed: ClaimEvent = { type: 'DecisionAppealed', data: data({ appealedAt: '2026-04-02T10:00:00.000Z', grounds: 'g' }) };
  const granted = given([...toApproval, rejected, notified, appealed]).when({
    type: 'DecideAppeal', actor: approver1, at: '2027-01-05T10:00:00.000Z', data: { outcome: 'increased', decidedOn: '2027-01-05', netAward: RSD(400_000) },
  }).events();
  t.same(granted.map((e) => e.type), ['AppealDecided']);
  t.equal((granted[0]!.data as { fundYear?: number }).fundYear, 2027, 'committed against the year of the appeal decision');
  const s = stateOf([...toApproval, rejected, notified, appealed, ...granted]);
  t.equal(s.fund.fundYear, 2027);
  t.same(claimFunding(s), {
    fundYear: 2027, tied: RSD(400_000).amountMinor, paid: 0, owed: RSD(400_000).amountMinor, payments: [],
    years: [{ year: 2027, tied: RSD(400_000).amountMinor, paid: 0, owed: RSD(400_000).amountMinor, payments: [] }], recovered: 0, recoveries: [],
  }, 'the award granted on appeal is owed');
});

t.test('dates of facts cannot lie in the future (a small clock tolerance)', async (t) => {
  const at = '2026-04-01T10:00:00.000Z';
  const decided = [...toApproval, approval('approver-1', 1), approval('approver-2', 2), approved];
  given(decided).when({ type: 'NotifyDecision', actor: approver1, at, data: { servedAt: '2027-04-01T10:00:00.000Z' } }).thenThrows(t, 'date-in-future', 'a decision served next year');
  given(decided).when({ type: 'NotifyDecision', actor: approver1, at, data: { servedAt: '2026-04-01T10:06:00.000Z' } }).thenThrows(t, 'date-in-future', 'six minutes ahead');
  t.same(given(decided).when({ type: 'NotifyDecision', actor: approver1, at, data: { servedAt: '2026-04-01T10:04:00.000Z' } }).events().map((e) => e.type),
    ['DecisionNotified'], 'four minutes ahead is clock skew');
  given([filed]).when({ type: 'RecordCourtRuling', actor: lawyer, at, data: { court: 'c', caseNumber: 'n', decidedOn: '9999-01-01', outcome: 'dismissed', amounts: [] } })
    .thenThrows(t, 'date-in-future', 'a ruling in 9999');
  given([filed, ruling]).when({ type: 'RecordRulingFinality', actor: lawyer, at, data: { finalOn: '2026-04-02' } }).thenThrows(t, 'date-in-future', 'final tomorrow');
  given([filed]).when({ type: 'RecordOffenderPayment', actor: lawyer, at, data: { amount: RSD(1), receivedOn: '2026-04-02' } }).thenThrows(t, 'date-in-future');
  given([filed, ruling]).when({ type: 'RecordEnforcementFailure', actor: lawyer, at, data: { reason: 'no-assets', amountOutstanding: RSD(1), recordedOn: '2026-04-02' } }).thenThrows(t, 'date-in-future');
  // Today in Belgrade is already 2 April at 22:30 UTC on 1 April (summer time).
  t.same(given([filed]).when({ type: 'RecordOffenderPayment', actor: lawyer, at: '2026-04-01T22:30:00.000Z', data: { amount: RSD(1), receivedOn: '2026-04-02' } }).events().map((e) => e.type),
    ['OffenderPaymentReceived'], 'today is the local date in the scheme\'s time zone');
});

// ---- advances and payouts ------------------------------------------------------------------------

t.test('advances are committed, paid by a second person, deducted, and part of "paid in full"', async (t) => {
  const base = [...courtTrack, applied];
  const approveAdvance: ClaimCommand = { type: 'ApproveAdvancePayment', actor: approver1, at: '2026-03-05T10:00:00.000Z', data: { amount: RSD(200_000), reason: 'urgent medical costs' } };
  const adv = given(base).when(approveAdvance).events();
  t.same(adv[0]!.data, data({ approvedBy: 'approver-1', amount: RSD(200_000), reason: 'urgent medical costs', advance: 1, fundYear: 2026 }), 'numbered, with its fund year');
  t.same(claimFunding(stateOf([...base, ...adv])), {
    fundYear: 2026, tied: RSD(200_000).amountMinor, paid: 0, owed: RSD(200_000).amountMinor, payments: [],
    years: [{ year: 2026, tied: RSD(200_000).amountMinor, paid: 0, owed: RSD(200_000).amountMinor, payments: [] }], recovered: 0, recoveries: [],
  }, 'an approved advance is owed');
  const pay = (actor: Actor, n = 1, at = '2026-03-06T10:00:00.000Z'): ClaimCommand => ({ type: 'DisburseAdvance', actor, at, data: { advance: n, paymentReference: `ADV-${n}` } });
  given([...base, ...adv]).when(pay(approver1)).thenThrows(t, 'four-eyes', 'not by its approver', { rule: 'approver-pays-advance', advance: 1 });
  given([...base, ...adv]).when(pay(finance, 2)).thenThrows(t, 'unknown-advance');
  const paid = given([...base, ...adv]).when(pay(finance)).events();
  t.same(paid.map((e) => e.type), ['AdvanceDisbursed']);
  given([...base, ...adv, ...paid]).when(pay(finance)).thenThrows(t, 'already-disbursed', 'paid at most once');
  t.same(claimFunding(stateOf([...base, ...adv, ...paid])).payments, [{ advance: 1, amountMinor: RSD(200_000).amountMinor }]);
  // The award: 1,700,000, of which 200,000 advanced: instalments of 1,500,000; paid in full only with the advance paid too.
  const awardPath = [approval('approver-1', 1), approval('approver-2', 2), approved, notified];
  const unpaidAdvanceSchedule: ClaimEvent = { type: 'PayoutScheduled', data: { ...data({ instalments: [{ number: 1, amount: RSD(1_500_000), dueOn: '2026-05-04' }], total: RSD(1_500_000) }), schemaVersion: 2, committedByDueYear: true } };
  const allInstalments = [...base, ...adv, assessed, ...awardPath, unpaidAdvanceSchedule, disbursed(1, RSD(1_500_000).amountMinor, '2026-05-04T09:00:00.000Z')];
  t.equal(stateOf(allInstalments).status, 'scheduled', 'every instalment paid but the advance: not paid in full');
  given(allInstalments).when({ type: 'CloseClaim', actor: finance, at: '2026-06-01T10:00:00.000Z', data: { reason: 'paid' } }).thenThrows(t, 'not-allowed-in-state', 'and it cannot be closed as paid');
  given(allInstalments).when(pay(approver2)).thenThrows(t, 'four-eyes', 'not by an approver of the award either', { rule: 'approver-pays-award' });
  const last = given(allInstalments).when(pay(finance, 1, '2026-05-05T10:00:00.000Z')).events();
  const s = stateOf([...allInstalments, ...last]);
  t.equal(s.status, 'paid', 'paid in full once the advance is paid too');
  t.same(claimFunding(s), {
    fundYear: 2026, tied: RSD(1_700_000).amountMinor, paid: RSD(1_700_000).amountMinor, owed: 0,
    payments: [{ advance: 1, amountMinor: RSD(200_000).amountMinor }, { instalment: 1, amountMinor: RSD(1_500_000).amountMinor }],
    years: [{
      year: 2026, tied: RSD(1_700_000).amountMinor, paid: RSD(1_700_000).amountMinor, owed: 0,
      payments: [{ advance: 1, amountMinor: RSD(200_000).amountMinor }, { instalment: 1, amountMinor: RSD(1_500_000).amountMinor }],
    }],
    recovered: 0, recoveries: [],
  });
  // A rejection cancels advances not yet paid.
  const rejected: ClaimEvent = { type: 'AwardRejected', data: data({ rejectedBy: 'approver-1', reasons: ['r'], appealInstructions: 'i' }) };
  given([...base, ...adv, assessed, rejected]).when(pay(finance)).thenThrows(t, 'not-allowed-in-state');
  t.equal(claimFunding(stateOf([...base, ...adv, assessed, rejected])).tied, 0, 'nothing owed after a rejection');
});

t.test('an instalment before its due date is paid only when the payment says it is early', async (t) => {
  const disburse = (early?: boolean): ClaimCommand => ({ type: 'DisbursePayout', actor: finance, at: '2026-05-01T09:00:00.000Z', data: { instalment: 1, paymentReference: 'PAY-1', ...(early === undefined ? {} : { earlyPayment: early }) } });
  given(toScheduled).when(disburse()).thenThrows(t, 'not-yet-due', 'due on 4 May: refused on 1 May');
  given(toScheduled).when(disburse(false)).thenThrows(t, 'not-yet-due');
  const early = given(toScheduled).when(disburse(true)).events();
  t.equal((early[0]!.data as { early?: boolean }).early, true, 'an early payment is recorded as such');
  t.notOk('early' in given(toScheduled).when({ ...disburse(), at: '2026-05-04T09:00:00.000Z' } as ClaimCommand).events()[0]!.data, 'on the due date it is not early');
});

t.test('a reduction cannot go below what was paid; a reduced or withdrawn award owes less', async (t) => {
  const appealed: ClaimEvent = { type: 'DecisionAppealed', data: data({ appealedAt: '2026-04-02T10:00:00.000Z', grounds: 'g' }) };
  const adv: ClaimEvent = { type: 'AdvancePaymentApproved', data: data({ approvedBy: 'approver-1', amount: RSD(300_000), reason: 'r', advance: 1, fundYear: 2026 }) };
  const advPaid: ClaimEvent = { type: 'AdvanceDisbursed', data: data({ advance: 1, amount: RSD(300_000), paymentReference: 'A', disbursedBy: 'finance-1', disbursedAt: '2026-03-06T10:00:00.000Z' }) };
  const path = [...courtTrack, applied, adv, advPaid, assessed, approval('approver-1', 1), approval('approver-2', 2), approved, notified, appealed];
  given(path).when({ type: 'DecideAppeal', actor: approver1, at: '2026-04-10T10:00:00.000Z', data: { outcome: 'reduced', decidedOn: '2026-04-10', netAward: RSD(200_000) } })
    .thenThrows(t, 'below-paid', 'not below the advance paid', { paid: RSD(300_000) });
  const reduced = given(path).when({ type: 'DecideAppeal', actor: approver1, at: '2026-04-10T10:00:00.000Z', data: { outcome: 'reduced', decidedOn: '2026-04-10', netAward: RSD(400_000) } }).events();
  t.equal(claimFunding(stateOf([...path, ...reduced])).tied, RSD(400_000).amountMinor, 'a reduced award ties the reduced amount');
  const withdrawn: ClaimEvent = { type: 'ClaimWithdrawn', data: data({ reason: 'x', withdrawnAt: '2026-04-03T10:00:00.000Z' }) };
  t.equal(claimFunding(stateOf([...path.slice(0, -1), withdrawn])).tied, RSD(300_000).amountMinor, 'a withdrawn claim ties only what was paid');
});


t.test('advance payments are limited and deducted from the payout', async (t) => {
  const advance = (major: number): ClaimCommand => ({ type: 'ApproveAdvancePayment', actor: approver1, at: '2026-03-05T10:00:00.000Z', data: { amount: RSD(major), reason: 'urgent medical costs' } });
  const base = [...courtTrack, applied];
  // Before assessment the limit is 50% of the claim (2,000,000, within the cap): 1,000,000.
  given(base).when(advance(1_000_001)).thenThrows(t, 'advance-above-limit');
  const adv = given(base).when(advance(200_000)).events();
  t.same(adv.map((e) => e.type), ['AdvancePaymentApproved']);
  const withAdvance = [...courtTrack, applied, ...adv, assessed, approval('approver-1', 1), approval('approver-2', 2), approved, notified];
  const schedule = given(withAdvance).when({ type: 'SchedulePayout', actor: finance, at: '2026-04-20T09:00:00.000Z', data: { instalments: 2, firstDueOn: '2026-06-01', intervalMonths: 6 } }).events();
  const d = schedule[0]!.data as { total: Money; instalments: { amount: Money; dueOn: string }[] };
  t.same(d.total, RSD(1_500_000), 'the schedule pays the award less the advance');
  t.equal(d.instalments.reduce((a, i) => a + i.amount.amountMinor, 0), RSD(1_500_000).amountMinor, 'instalments add up exactly');
  t.same(d.instalments.map((i) => i.dueOn), ['2026-06-01', '2026-12-01']);
});

t.test('payouts: exactly once, never by an approver, failure and retry', async (t) => {
  const disburse = (actor: Actor, n: number): ClaimCommand => ({ type: 'DisbursePayout', actor, at: '2026-05-04T09:00:00.000Z', data: { instalment: n, paymentReference: `PAY-${n}` } });
  given(toNotified.slice(0, -1)).when({ type: 'SchedulePayout', actor: finance, at: '2026-04-20T09:00:00.000Z', data: { instalments: 1, firstDueOn: '2026-05-04', intervalMonths: 1 } })
    .thenThrows(t, 'not-allowed-in-state', 'no schedule before the decision is served');
  given(toScheduled).when(disburse(approver1, 1)).thenThrows(t, 'four-eyes', 'an approver of the award cannot pay it');
  given(toScheduled).when(disburse(finance, 4)).thenThrows(t, 'unknown-instalment');
  const first = disbursed(1, 56_666_667, '2026-05-04T09:00:00.000Z');
  given([...toScheduled, first]).when(disburse(finance, 1)).thenThrows(t, 'already-disbursed', 'an instalment is paid at most once');
  given(toScheduled).when({ type: 'RecordPayoutFailure', actor: finance, at: '2026-05-05T09:00:00.000Z', data: { instalment: 1, reason: 'account closed' } }).thenThrows(t, 'not-disbursed');
  const failed: ClaimEvent = { type: 'PayoutFailed', data: data({ instalment: 1, reason: 'account closed', failedAt: '2026-05-05T09:00:00.000Z' }) };
  given([...toScheduled, first]).when({ type: 'RecordPayoutFailure', actor: finance, at: '2026-05-05T09:00:00.000Z', data: { instalment: 1, reason: 'account closed' } }).then(t, [failed]);
  t.same(given([...toScheduled, first, failed]).when(disburse(finance, 1)).events().map((e) => e.type), ['PayoutDisbursed'], 'a failed payout is paid again');
  const rejected: ClaimEvent = { type: 'AwardRejected', data: data({ rejectedBy: 'approver-1', reasons: ['r'], appealInstructions: 'i' }) };
  given([...toApproval, rejected, notified]).when({ type: 'SchedulePayout', actor: finance, at: '2026-04-20T09:00:00.000Z', data: { instalments: 1, firstDueOn: '2026-05-04', intervalMonths: 1 } }).thenThrows(t, 'no-award');
});

t.test('recovery from the offender is limited to what was paid', async (t) => {
  const recover = (major: number): ClaimCommand => ({ type: 'RecordRecovery', actor: finance, at: '2026-08-01T09:00:00.000Z', data: { amount: RSD(major), recordedOn: '2026-08-01' } });
  const paidOne = [...toScheduled, disbursed(1, 56_666_667, '2026-05-04T09:00:00.000Z')];
  given(paidOne).when(recover(566_667)).thenThrows(t, 'recovery-exceeds-paid', 'not more than was paid', { paid: { amountMinor: 56_666_667, currency: 'RSD' } });
  t.same(given(paidOne).when(recover(500_000)).events().map((e) => e.type), ['RecoveryFromOffenderRecorded']);
});

t.test('recoveries are numbered on the claim and belong to the fund year they were received in, not the award\'s', async (t) => {
  const recovered = (major: number, recordedOn: string): ClaimEvent => ({ type: 'RecoveryFromOffenderRecorded', data: data({ amount: RSD(major), recordedOn }) });
  const paidOne = [...toScheduled, disbursed(1, 56_666_667, '2026-05-04T09:00:00.000Z')];
  const s = stateOf([...paidOne, recovered(100_000, '2026-12-31'), recovered(50_000, '2027-01-01')]);
  const funding = claimFunding(s);
  t.equal(funding.fundYear, 2026, 'the award was committed in 2026');
  t.same(funding.recoveries, [{ recovery: 1, year: 2026, amountMinor: RSD(100_000).amountMinor }, { recovery: 2, year: 2027, amountMinor: RSD(50_000).amountMinor }]);
  t.equal(funding.recovered, RSD(150_000).amountMinor);
  t.same(ledgerYears(funding), [2026, 2027], 'the claim has money in the ledgers of 2026 and 2027');
  const in2027 = fundingInYear(funding, 2027);
  t.same(in2027, { tied: 0, paid: 0, owed: 0, payments: [], years: [], recovered: RSD(50_000).amountMinor, recoveries: [funding.recoveries[1]] },
    '2027 holds the recovery received in 2027 and none of the award');
  t.same(fundingInYear(funding, 2026).recoveries, [funding.recoveries[0]]);
  t.equal(fundingInYear(funding, 2026).tied, funding.tied, 'the award stays in its fund year');
  const recover = (major: number): ClaimCommand => ({ type: 'RecordRecovery', actor: finance, at: '2027-02-01T09:00:00.000Z', data: { amount: RSD(major), recordedOn: '2027-02-01' } });
  const s2 = [...paidOne, recovered(100_000, '2026-12-31'), recovered(50_000, '2027-01-01')];
  given(s2).when(recover(416_667)).thenThrows(t, 'recovery-exceeds-paid', 'every recovery counts toward what was paid');
  t.same(given(s2).when(recover(416_666)).events().map((e) => e.type), ['RecoveryFromOffenderRecorded']);
});

// ---- instalments committed in the fund year they fall due in --------------------------------------

t.test('a schedule commits each instalment in the fund year it falls due in; advances and the rest stay in the award\'s year', async (t) => {
  const advance: ClaimEvent = { type: 'AdvancePaymentApproved', data: data({ approvedBy: 'approver-1', amount: RSD(200_000), reason: 'r', advance: 1, fundYear: 2026 }) };
  const advancePaid: ClaimEvent = { type: 'AdvanceDisbursed', data: data({ advance: 1, amount: RSD(200_000), paymentReference: 'A', disbursedBy: 'finance-1', disbursedAt: '2026-03-06T10:00:00.000Z' }) };
  const notifiedWithAdvance = [...courtTrack, applied, advance, advancePaid, assessed, approval('approver-1', 1), approval('approver-2', 2), approved, notified];
  // Given an award of 1,700,000 decided in 2026 with 200,000 advanced and paid,
  // when it is scheduled in two instalments six months apart from December,
  const events = given(notifiedWithAdvance).when({ type: 'SchedulePayout', actor: finance, at: '2026-11-20T09:00:00.000Z', data: { instalments: 2, firstDueOn: '2026-12-01', intervalMonths: 6 } }).events();
  // then the schedule says its money is committed by due year,
  t.match(events, [{ type: 'PayoutScheduled', data: { schemaVersion: 2, committedByDueYear: true, instalments: [{ dueOn: '2026-12-01' }, { dueOn: '2027-06-01' }] } }]);
  const scheduledState = stateOf([...notifiedWithAdvance, ...events]);
  const f = claimFunding(scheduledState);
  // and the instalment due in 2027 is held by the ledger of 2027, the rest by 2026's.
  t.same(f.years, [
    { year: 2026, tied: RSD(950_000).amountMinor, paid: RSD(200_000).amountMinor, owed: RSD(750_000).amountMinor, payments: [{ advance: 1, amountMinor: RSD(200_000).amountMinor }] },
    { year: 2027, tied: RSD(750_000).amountMinor, paid: 0, owed: RSD(750_000).amountMinor, payments: [] },
  ]);
  t.equal(f.tied, RSD(1_700_000).amountMinor, 'the claim ties up what it did before, only spread');
  t.same(ledgerYears(f), [2026, 2027]);
  t.equal(fundingInYear(f, 2027).tied, RSD(750_000).amountMinor);
  t.same(fundingInYear(f, 2027).years, [f.years[1]], 'the year holds part of the award');
  t.equal(fundingInYear(f, 2028).years.length, 0, 'a year without instalments holds none of it');

  // Paid early, the instalment of 2027 stays in 2027; failed, it is owed there again.
  const early: ClaimEvent = { type: 'PayoutDisbursed', data: data({ instalment: 2, amount: RSD(750_000), paymentReference: 'P2', disbursedBy: 'finance-1', disbursedAt: '2026-12-02T09:00:00.000Z', early: true }) };
  const afterEarly = claimFunding(stateOf([...notifiedWithAdvance, ...events, early]));
  t.same(afterEarly.years.map((y) => [y.year, y.paid, y.owed]), [[2026, RSD(200_000).amountMinor, RSD(750_000).amountMinor], [2027, RSD(750_000).amountMinor, 0]]);
  t.same(afterEarly.years[1]!.payments, [{ instalment: 2, amountMinor: RSD(750_000).amountMinor }]);
  const failed: ClaimEvent = { type: 'PayoutFailed', data: data({ instalment: 2, reason: 'account closed', failedAt: '2026-12-03T09:00:00.000Z' }) };
  t.same(claimFunding(stateOf([...notifiedWithAdvance, ...events, early, failed])).years, f.years, 'a failed payment is owed in its year again');

  // Withdrawn: each year keeps only what was paid in it.
  const withdrawn: ClaimEvent = { type: 'ClaimWithdrawn', data: data({ reason: 'x', withdrawnAt: '2026-12-04T10:00:00.000Z' }) };
  t.same(claimFunding(stateOf([...notifiedWithAdvance, ...events, early, withdrawn])).years.map((y) => [y.year, y.tied]),
    [[2026, RSD(200_000).amountMinor], [2027, RSD(750_000).amountMinor]]);
});

t.test('an instalment due before the award\'s fund year is committed in the fund year (a schedule recorded after the fact)', async (t) => {
  const events = given(toNotified).when({ type: 'SchedulePayout', actor: finance, at: '2026-04-20T09:00:00.000Z', data: { instalments: 2, firstDueOn: '2025-12-15', intervalMonths: 12 } }).events();
  t.same((events[0]!.data as { instalments: { dueOn: string }[] }).instalments.map((i) => i.dueOn), ['2025-12-15', '2026-12-15']);
  t.same(claimFunding(stateOf([...toNotified, ...events])).years.map((y) => [y.year, y.tied]), [[2026, RSD(1_700_000).amountMinor]], 'never in a past year\'s budget');
});

t.test('a schedule recorded before instalments were committed by due year (v1) keeps its money in the award\'s fund year', async (t) => {
  const v1 = {
    schemaVersion: 1, claimId, total: RSD(1_700_000),
    instalments: [{ number: 1, amount: RSD(850_000), dueOn: '2026-12-01' }, { number: 2, amount: RSD(850_000), dueOn: '2027-06-01' }],
  };
  const stored = parseEvent('PayoutScheduled', v1) as ClaimEvent;
  const s = stateOf([...toNotified, stored]);
  t.equal(s.fund.committedByDueYear, false, 'the upcaster reads it as not committed by due year');
  t.same(claimFunding(s).years.map((y) => [y.year, y.tied]), [[2026, RSD(1_700_000).amountMinor]], 'no ledger moves on deployment');
  t.same(ledgerYears(claimFunding(s)), [2026]);
});

// ---- withdrawal, reopening, closure, erasure -----------------------------------------------------

t.test('withdrawal, reopening, closure and erasure', async (t) => {
  const withdrawn: ClaimEvent = { type: 'ClaimWithdrawn', data: data({ reason: 'the victim asked', withdrawnAt: '2026-03-12T10:00:00.000Z' }) };
  given(toApproval).when({ type: 'WithdrawClaim', actor: lawyer, at: '2026-03-12T10:00:00.000Z', data: { reason: 'the victim asked' } }).then(t, [withdrawn]);
  const reopened = given([...toApproval, withdrawn]).when({ type: 'ReopenClaim', actor: lawyer, at: '2026-03-20T10:00:00.000Z', data: { reason: 'new evidence' } }).events();
  t.equal(stateOf([...toApproval, withdrawn, ...reopened]).status, 'assessed', 'reopening returns to where the claim was');
  given(toScheduled).when({ type: 'WithdrawClaim', actor: lawyer, at: '2026-05-01T10:00:00.000Z', data: { reason: 'x' } }).thenThrows(t, 'not-allowed-in-state', 'not once payouts are scheduled');
  given(toScheduled).when({ type: 'CloseClaim', actor: finance, at: '2026-05-01T10:00:00.000Z', data: { reason: 'x' } }).thenThrows(t, 'not-allowed-in-state', 'not before it is paid');
  const rejected: ClaimEvent = { type: 'AwardRejected', data: data({ rejectedBy: 'approver-1', reasons: ['r'], appealInstructions: 'i' }) };
  const rejectedServed = [...toApproval, rejected, notified];
  given(rejectedServed).when({ type: 'CloseClaim', actor: finance, at: '2026-04-16T20:00:00.000Z', data: { reason: 'x' } }).thenThrows(t, 'not-allowed-in-state', 'not while the appeal period runs');
  t.same(given(rejectedServed).when({ type: 'CloseClaim', actor: finance, at: '2026-04-16T22:00:00.000Z', data: { reason: 'rejected, no appeal' } }).events().map((e) => e.type), ['ClaimClosed'], 'after it');
  const erased: ClaimEvent = { type: 'PersonalDataErased', data: data({ victimRef: 'victim-7', erasedBy: 'dpo-1', erasedAt: '2026-09-01T10:00:00.000Z' }) };
  given(toScheduled).when({ type: 'ErasePersonalData', actor: dpo, at: '2026-09-01T10:00:00.000Z', data: { reason: 'request of the victim' } }).then(t, [erased]);
  given([...toScheduled, erased]).when({ type: 'ErasePersonalData', actor: dpo, at: '2026-09-02T10:00:00.000Z', data: { reason: 'again' } }).thenThrows(t, 'already-erased');
  given([]).when({ type: 'AttachEvidence', actor: lawyer, at: '2026-01-11T10:00:00.000Z', data: { documentId: 'd', kind: 'other', sha256: 'a'.repeat(64), title: 't' } }).thenThrows(t, 'not-allowed-in-state');
});

t.test('evidence, criminal proceedings, offender payments and rejection', async (t) => {
  const evidence = { documentId: 'doc-1', kind: 'medical-report' as const, sha256: 'b'.repeat(64), title: 'Psychiatric assessment' };
  const attached: ClaimEvent = { type: 'EvidenceAttached', data: data(evidence) };
  given([filed]).when({ type: 'AttachEvidence', actor: lawyer, at: '2026-01-11T10:00:00.000Z', data: evidence }).then(t, [attached]);
  given([filed, attached]).when({ type: 'AttachEvidence', actor: lawyer, at: '2026-01-12T10:00:00.000Z', data: evidence }).thenThrows(t, 'evidence-already-attached');
  given([filed]).when({ type: 'RecordCriminalProceedings', actor: lawyer, at: '2026-01-11T10:00:00.000Z', data: { court: 'Higher Court in Belgrade', caseNumber: 'K-12/25' } })
    .then(t, [{ type: 'CriminalProceedingsRecorded', data: data({ court: 'Higher Court in Belgrade', caseNumber: 'K-12/25' }) }]);
  const closed: ClaimEvent = { type: 'ClaimClosed', data: data({ reason: 'x', closedAt: '2026-02-01T10:00:00.000Z' }) };
  given([filed, closed]).when({ type: 'RecordCriminalProceedings', actor: lawyer, at: '2026-02-02T10:00:00.000Z', data: { court: 'c', caseNumber: 'n' } })
    .thenThrows(t, 'not-allowed-in-state', 'nothing is recorded on a closed claim');
  given([filed]).when({ type: 'RecordOffenderPayment', actor: lawyer, at: '2026-02-20T10:00:00.000Z', data: { amount: RSD(50_000), receivedOn: '2026-02-20' } })
    .then(t, [{ type: 'OffenderPaymentReceived', data: data({ amount: RSD(50_000), receivedOn: '2026-02-20' }) }]);
  given([filed]).when({ type: 'RecordOffenderPayment', actor: lawyer, at: '2026-02-20T10:00:00.000Z', data: { amount: { amountMinor: 5, currency: 'EUR' }, receivedOn: '2026-02-20' } })
    .thenThrows(t, 'currency-mismatch');
  given(toApproval).when({ type: 'RejectAward', actor: approver1, at: '2026-03-15T10:00:00.000Z', data: { reasons: ['the harm is not shown'], appealInstructions: 'Appeal within 15 days to the fund board.' } })
    .then(t, [{ type: 'AwardRejected', data: data({ rejectedBy: 'approver-1', reasons: ['the harm is not shown'], appealInstructions: 'Appeal within 15 days to the fund board.' }) }]);
  given([...toApproval, approval('approver-1', 1)]).when({ type: 'RejectAward', actor: approver2, at: '2026-03-15T10:00:00.000Z', data: { reasons: ['r'], appealInstructions: 'i' } })
    .then(t, [{ type: 'AwardRejected', data: data({ rejectedBy: 'approver-2', reasons: ['r'], appealInstructions: 'i' }) }], 'a second approver may still reject');
});

// ---- assignment: co-counsel, hand-over, the assessor of record -----------------------------------

t.test('assignment: co-counsel, hand-over and the assessor of record', async (t) => {
  const at = '2026-03-02T10:00:00.000Z';
  const admin: Actor = { sub: 'admin-1', roles: ['fund-admin'] };
  const coCounselAdded = (lawyer: string): ClaimEvent => ({ type: 'CoCounselAdded', data: data({ lawyer, addedBy: 'lawyer-1', addedAt: at }) });
  const handedOver = (from: string, to: string): ClaimEvent => ({
    type: 'ClaimHandedOver', data: data({ from, to, reason: 'The lead leaves the firm.', handedOverBy: from, handedOverAt: at }),
  });
  const assessorAssigned = (who: string, by: string, taken: boolean): ClaimEvent => ({
    type: 'AssessorAssigned', data: data({ assessor: who, assignedBy: by, assignedAt: at, taken }),
  });
  const add = (lawyerSub: string): ClaimCommand => ({ type: 'AddCoCounsel', actor: lawyer, at, data: { lawyer: lawyerSub } });
  const remove = (lawyerSub: string): ClaimCommand => ({ type: 'RemoveCoCounsel', actor: lawyer, at, data: { lawyer: lawyerSub } });
  const handOver = (to: string): ClaimCommand => ({ type: 'HandOverClaim', actor: lawyer, at, data: { to, reason: 'The lead leaves the firm.' } });
  const assign = (who: string): ClaimCommand => ({ type: 'AssignAssessor', actor: admin, at, data: { assessor: who } });
  const take = (actor: Actor): ClaimCommand => ({ type: 'TakeClaim', actor, at, data: {} });

  t.test('co-counsel', async (t) => {
    given([filed]).when(add('lawyer-2')).then(t, [coCounselAdded('lawyer-2')], 'the lead adds a co-counsel');
    given([filed, coCounselAdded('lawyer-2')]).when(add('lawyer-2')).thenThrows(t, 'already-co-counsel');
    given([filed]).when(add('lawyer-1')).thenThrows(t, 'already-lead', 'the lead is not their own co-counsel');
    given([]).when(add('lawyer-2')).thenThrows(t, 'not-allowed-in-state', 'no claim, no co-counsel');
    given([filed, { type: 'ClaimWithdrawn', data: data({ reason: 'x', withdrawnAt: at }) }]).when(add('lawyer-2')).thenThrows(t, 'not-allowed-in-state', 'not on a withdrawn claim');
    given([filed, coCounselAdded('lawyer-2')]).when(remove('lawyer-2'))
      .then(t, [{ type: 'CoCounselRemoved', data: data({ lawyer: 'lawyer-2', removedBy: 'lawyer-1', removedAt: at }) }], 'the lead removes a co-counsel');
    given([filed]).when(remove('lawyer-2')).thenThrows(t, 'not-co-counsel');
    const s = stateOf([filed, coCounselAdded('lawyer-2'), coCounselAdded('lawyer-3'),
      { type: 'CoCounselRemoved', data: data({ lawyer: 'lawyer-2', removedBy: 'lawyer-1', removedAt: at }) }]);
    t.same(s.lawyers, { lead: 'lawyer-1', coCounsel: ['lawyer-3'] }, 'the state keeps who acts for the victim');
  });

  t.test('hand-over', async (t) => {
    given([filed]).when(handOver('lawyer-2')).then(t, [handedOver('lawyer-1', 'lawyer-2')], 'the lead hands over, with the reason');
    given([filed]).when(handOver('lawyer-1')).thenThrows(t, 'already-lead');
    given([filed, { type: 'ClaimClosed', data: data({ reason: 'x', closedAt: at }) }]).when(handOver('lawyer-2')).thenThrows(t, 'not-allowed-in-state');
    const s = stateOf([filed, coCounselAdded('lawyer-2'), coCounselAdded('lawyer-3'), handedOver('lawyer-1', 'lawyer-2')]);
    t.same(s.lawyers, { lead: 'lawyer-2', coCounsel: ['lawyer-3'] }, 'the new lead leaves the co-counsel, the former lead acts no more');
    t.equal(s.filedBy, 'lawyer-1', 'who filed the claim stays on record');
  });

  t.test('a fund admin hands over (the lead left) and manages co-counsel; never onto themselves', async (t) => {
    const byAdmin = <C extends ClaimCommand>(c: C): ClaimCommand => ({ ...c, actor: admin });
    given([filed, coCounselAdded('lawyer-2')]).when(byAdmin(handOver('lawyer-3'))).then(t, [{
      type: 'ClaimHandedOver', data: data({ from: 'lawyer-1', to: 'lawyer-3', reason: 'The lead leaves the firm.', handedOverBy: 'admin-1', handedOverAt: at }),
    }], 'from the lead to the new lawyer, recorded as the admin\'s, with the reason');
    given([filed]).when(byAdmin(add('lawyer-2'))).then(t, [{ type: 'CoCounselAdded', data: data({ lawyer: 'lawyer-2', addedBy: 'admin-1', addedAt: at }) }], 'the admin adds a co-counsel');
    given([filed]).when(byAdmin(handOver('admin-1'))).thenThrows(t, 'not-a-lawyer', 'the admin cannot lead the claim');
    given([filed]).when(byAdmin(add('admin-1'))).thenThrows(t, 'not-a-lawyer', 'nor be its co-counsel');
    given([filed]).when(byAdmin({ ...handOver('lawyer-3'), data: { to: 'lawyer-3', reason: '  ' } } as ClaimCommand)).thenThrows(t, 'reason-required', 'a hand-over says why');
    given([filed]).when(handOver('lawyer-1')).thenThrows(t, 'already-lead');
  });

  t.test('the assessor: assigned by a fund admin or taken', async (t) => {
    given([filed, applied]).when(assign('assessor-1')).then(t, [assessorAssigned('assessor-1', 'admin-1', false)], 'a fund admin assigns');
    given([filed, applied, assessorAssigned('assessor-1', 'admin-1', false)]).when(assign('assessor-2'))
      .then(t, [assessorAssigned('assessor-2', 'admin-1', false)], 'and reassigns');
    given([filed, applied, assessorAssigned('assessor-1', 'admin-1', false)]).when(assign('assessor-1')).thenThrows(t, 'already-assigned');
    given([filed, applied]).when(take(assessor)).then(t, [assessorAssigned('assessor-1', 'assessor-1', true)], 'an assessor takes an unassigned claim');
    given([filed, applied, assessorAssigned('assessor-2', 'admin-1', false)]).when(take(assessor)).thenThrows(t, 'already-assigned', 'not one assigned to another');
    given([filed, applied, assessorAssigned('assessor-1', 'assessor-1', true)]).when(take(assessor)).thenThrows(t, 'already-assigned', 'nor twice');
    given(toNotified).when(assign('assessor-2')).thenThrows(t, 'not-allowed-in-state', 'not once the claim is decided');
    t.equal(stateOf([filed, applied, assessorAssigned('assessor-2', 'admin-1', false)]).assessor, 'assessor-2', 'the state names the assessor of record');
  });

  t.test('four-eyes with assignment', async (t) => {
    const rejected: ClaimEvent = { type: 'AwardRejected', data: data({ rejectedBy: 'approver-1', reasons: ['x'], appealInstructions: 'y' }) };
    const appealed: ClaimEvent = { type: 'DecisionAppealed', data: data({ appealedAt: at, grounds: 'g' }) };
    const remitted: ClaimEvent = { type: 'AppealDecided', data: data({ outcome: 'remitted', decidedOn: '2026-04-20', approvers: ['approver-1'] }) };
    const backToFund = [...toApproval, approval('approver-1', 1), rejected, notified, appealed, remitted];
    given(backToFund).when(assign('approver-1')).thenThrows(t, 'four-eyes', 'an approver of a decision on the claim cannot become its assessor', { rule: 'approver-assesses' });
    given(backToFund).when(take({ sub: 'approver-1', roles: ['fund-assessor'] })).thenThrows(t, 'four-eyes', 'nor take it');
    given(backToFund).when(assign('assessor-2')).then(t, [assessorAssigned('assessor-2', 'admin-1', false)], 'someone else can');
    const ofRecord = [...courtTrack, applied, assessorAssigned('approver-3', 'admin-1', false), assessed];
    given(ofRecord).when({ type: 'ApproveAward', actor: { sub: 'approver-3', roles: ['fund-approver'] }, at, data: {} })
      .thenThrows(t, 'four-eyes', 'the assessor of record never approves, even when another assessed');
    given(ofRecord).when({ type: 'RejectAward', actor: { sub: 'approver-3', roles: ['fund-approver'] }, at, data: { reasons: ['x'], appealInstructions: 'y' } })
      .thenThrows(t, 'four-eyes', 'nor rejects', { rule: 'assessor-rejects' });
  });
});

t.test('requests for information: on hold for assessment until answered or withdrawn', async (t) => {
  // Serbia, Europe/Belgrade: summer time starts on Sunday 29 March 2026 (CET +01:00 -> CEST +02:00).
  const question = { ...personalData, ciphertext: 'cXVlc3Rpb24=' };
  const answer = { ...personalData, ciphertext: 'YW5zd2Vy' };
  const fridayJustAfterMidnight = '2026-03-26T23:30:00.000Z'; // 00:30 on Friday 27 March in Belgrade, still Thursday in UTC
  const request = (due: { workingDays: number } | { date: string }, at = fridayJustAfterMidnight, actor = assessor): ClaimCommand => ({
    type: 'RequestInformation', actor, at, data: { question, due },
  });
  const requested = (n: number, dueOn: string, at = fridayJustAfterMidnight): ClaimEvent => ({
    type: 'InformationRequested', data: data({ request: n, question, dueOn, requestedBy: 'assessor-1', requestedAt: at }),
  });
  const answerCmd = (n: number, at: string, body: { answer?: typeof answer; documentIds?: string[] } = { answer }): ClaimCommand => ({
    type: 'AnswerInformationRequest', actor: lawyer, at, data: { request: n, answer: body.answer, documentIds: body.documentIds ?? [] },
  });
  const answered = (n: number, at: string, late: boolean): ClaimEvent => ({
    type: 'InformationRequestAnswered', data: data({ request: n, answer, documentIds: [], answeredBy: 'lawyer-1', answeredAt: at, late }),
  });
  const withdrawn = (n: number, at: string): ClaimEvent => ({
    type: 'InformationRequestWithdrawn', data: data({ request: n, withdrawnBy: 'assessor-1', withdrawnAt: at }),
  });
  const assess: ClaimCommand = {
    type: 'AssessClaim', actor: assessor, at: '2026-04-02T10:00:00.000Z',
    data: { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(1_800_000) }, { head: 'medical-costs', amount: RSD(200_000) }], deductions: [] },
  };
  const toApplied = [...courtTrack, applied];

  t.test('the due date is a local date of the scheme: working days after today in Belgrade', async (t) => {
    given(toApplied).when(request({ workingDays: 1 })).then(t, [requested(1, '2026-03-30')],
      'asked at 00:30 on Friday (Thursday in UTC): one working day is Monday 30 March, not Friday');
    given(toApplied).when(request({ workingDays: 3 })).then(t, [requested(1, '2026-04-01')], 'three working days: Monday, Tuesday, Wednesday');
    given(toApplied).when(request({ date: '2026-03-28' })).then(t, [requested(1, '2026-03-30')], 'a date given on a Saturday rolls to the next working day');
    given(toApplied).when(request({ date: '2026-10-25', }, '2026-10-20T10:00:00.000Z')).then(t, [requested(1, '2026-10-26', '2026-10-20T10:00:00.000Z')],
      'the Sunday summer time ends rolls to Monday');
    given(toApplied).when(request({ date: '2026-03-27' })).thenThrows(t, 'due-date-not-future', 'not today in Belgrade (though tomorrow in UTC)');
    given(toApplied).when(request({ date: '2026-03-20' })).thenThrows(t, 'due-date-not-future', 'nor a past day');
    given([...toApplied, requested(1, '2026-03-30')]).when(request({ workingDays: 1 })).then(t, [requested(2, '2026-03-30')], 'requests are numbered in the claim');
    given([filed]).when(request({ workingDays: 1 })).then(t, [requested(1, '2026-03-30')], 'a filed claim can be asked about before it applies');
    given(toNotified).when(request({ workingDays: 1 })).thenThrows(t, 'not-allowed-in-state', 'not once the claim is decided');
    given([]).when(request({ workingDays: 1 })).thenThrows(t, 'not-allowed-in-state', 'no claim, no request');
  });

  t.test('an open request holds the assessment, its approval and rejection', async (t) => {
    const onHold = [...toApplied, requested(1, '2026-03-30')];
    t.ok(onHoldForInformation(stateOf(onHold)), 'on hold while the request is open');
    given(onHold).when(assess).thenThrows(t, 'on-hold-for-information', 'no assessment while a request is open');
    given([...onHold, answered(1, '2026-03-30T09:00:00.000Z', false)]).when(assess).then(t, [assessed], 'answered: the assessment proceeds');
    given([...onHold, withdrawn(1, '2026-03-30T09:00:00.000Z')]).when(assess).then(t, [assessed], 'withdrawn: the assessment proceeds');
    given([...onHold, requested(2, '2026-04-01'), answered(1, '2026-03-30T09:00:00.000Z', false)]).when(assess)
      .thenThrows(t, 'on-hold-for-information', 'while any request is still open');
    const assessedOnHold = [...toApproval, requested(1, '2026-03-30')];
    given(assessedOnHold).when({ type: 'ApproveAward', actor: approver1, at: '2026-03-29T10:00:00.000Z', data: {} })
      .thenThrows(t, 'on-hold-for-information', 'an assessed claim asked about again is not approved meanwhile');
    given(assessedOnHold).when({ type: 'RejectAward', actor: approver1, at: '2026-03-29T10:00:00.000Z', data: { reasons: ['x'], appealInstructions: 'y' } })
      .thenThrows(t, 'on-hold-for-information', 'nor rejected');
  });

  t.test('the lawyer answers; late after local midnight at the end of the due day, across the change to summer time', async (t) => {
    const onHold = [...toApplied, requested(1, '2026-03-30')];
    given(onHold).when(answerCmd(1, '2026-03-30T21:59:59.999Z')).then(t, [answered(1, '2026-03-30T21:59:59.999Z', false)],
      '23:59:59.999 CEST on the due day is in time');
    given(onHold).when(answerCmd(1, '2026-03-30T22:00:00.000Z')).then(t, [answered(1, '2026-03-30T22:00:00.000Z', true)],
      'midnight CEST (22:00 UTC, not 23:00 as in winter) is late, and the answer is still taken');
    const documentId = '0b6f1c2e-5d4a-4c3b-8a9f-7e6d5c4b3a21';
    const report: ClaimEvent = { type: 'DocumentAttached', data: data({
      documentId, kind: 'medical-report', size: 1000, contentType: 'application/pdf', sha256: 'a'.repeat(64), storageKey: 'report.cfd',
      fileName: personalData, request: 1, attachedBy: 'lawyer-1', attachedAt: '2026-03-29T09:00:00.000Z',
    }) };
    given([...onHold, report]).when(answerCmd(1, '2026-03-30T09:00:00.000Z', { documentIds: [documentId] })).then(t, [{
      type: 'InformationRequestAnswered',
      data: data({ request: 1, documentIds: [documentId], answeredBy: 'lawyer-1', answeredAt: '2026-03-30T09:00:00.000Z', late: false }),
    }], 'documents alone answer');
    const stranger = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    given([...onHold, report]).when(answerCmd(1, '2026-03-30T09:00:00.000Z', { answer, documentIds: [documentId, stranger] }))
      .thenThrows(t, 'unknown-document', 'an answer cites only documents attached to the claim', { documentId: stranger });
    given(onHold).when(answerCmd(1, '2026-03-30T09:00:00.000Z', { documentIds: [documentId] }))
      .thenThrows(t, 'unknown-document', 'not a document before it is attached', { documentId });
    given(onHold).when(answerCmd(1, '2026-03-30T09:00:00.000Z', {})).thenThrows(t, 'empty-answer');
    given(onHold).when(answerCmd(2, '2026-03-30T09:00:00.000Z')).thenThrows(t, 'no-such-request');
    given([...onHold, answered(1, '2026-03-30T09:00:00.000Z', false)]).when(answerCmd(1, '2026-03-30T10:00:00.000Z'))
      .thenThrows(t, 'request-closed', 'a request is answered once');
    given([...onHold, withdrawn(1, '2026-03-30T09:00:00.000Z')]).when(answerCmd(1, '2026-03-30T10:00:00.000Z'))
      .thenThrows(t, 'request-closed', 'a withdrawn request takes no answer');
  });

  t.test('the assessor withdraws an open request', async (t) => {
    const onHold = [...toApplied, requested(1, '2026-03-30')];
    const withdraw = (n: number): ClaimCommand => ({ type: 'WithdrawInformationRequest', actor: assessor, at: '2026-03-30T09:00:00.000Z', data: { request: n } });
    given(onHold).when(withdraw(1)).then(t, [withdrawn(1, '2026-03-30T09:00:00.000Z')]);
    given([...onHold, withdrawn(1, '2026-03-30T09:00:00.000Z')]).when(withdraw(1)).thenThrows(t, 'request-closed');
    given(onHold).when(withdraw(3)).thenThrows(t, 'no-such-request');
    t.same(stateOf([...onHold, requested(2, '2026-04-01'), withdrawn(1, '2026-03-30T09:00:00.000Z')]).informationRequests.map((r) => r.status),
      ['withdrawn', 'open'], 'the state keeps each request\'s status');
  });
});

t.test('given a schedule of before the rule (all in the award\'s year), when a fund admin spreads it, then its unpaid later instalments move to their years', async (t) => {
  const admin: Actor = { sub: 'admin-1', roles: ['fund-admin'] };
  // v1, read as committedByDueYear false: 1,700,000 in three instalments, in 2026, 2027 and 2028.
  const old: ClaimEvent = { type: 'PayoutScheduled', data: { ...data({
    instalments: [{ number: 1, amount: RSD(600_000), dueOn: '2026-12-01' }, { number: 2, amount: RSD(550_000), dueOn: '2027-06-01' }, { number: 3, amount: RSD(550_000), dueOn: '2028-06-01' }],
    total: RSD(1_700_000) }), schemaVersion: 2, committedByDueYear: false } };
  const paid3: ClaimEvent = { type: 'PayoutDisbursed', data: data({ instalment: 3, amount: RSD(550_000), paymentReference: 'P3', disbursedBy: 'finance-1', disbursedAt: '2026-12-02T09:00:00.000Z', early: true }) };
  const history = [...toNotified, old, paid3];
  t.same(claimFunding(stateOf(history)).years.map((y) => [y.year, y.tied]), [[2026, RSD(1_700_000).amountMinor]], 'before: everything in 2026');
  const spread: ClaimCommand = { type: 'SpreadCommitmentsByYear', actor: admin, at: '2026-12-05T09:00:00.000Z', data: { reason: 'the 2027 budget covers it' } };
  const events = given(history).when(spread).events();
  // Instalment 1 falls due in the award's year, 3 was paid from 2026's ledger: only 2 moves.
  t.match(events, [{ type: 'CommitmentsSpreadByYear', data: { instalments: [{ instalment: 2, year: 2027 }], spreadBy: 'admin-1', reason: 'the 2027 budget covers it' } }]);
  const after = stateOf([...history, ...events]);
  t.same(claimFunding(after).years.map((y) => [y.year, y.tied, y.paid]), [
    [2026, RSD(1_150_000).amountMinor, RSD(550_000).amountMinor], [2027, RSD(550_000).amountMinor, 0],
  ], 'after: 2027 holds its instalment, 2026 the rest and the payment it recorded');
  t.equal(claimFunding(after).tied, claimFunding(stateOf(history)).tied, 'the claim ties up what it did, only spread');
  given([...history, ...events]).when(spread).thenThrows(t, 'already-spread', 'once only');
  given([...toNotified, { ...old, data: { ...old.data, committedByDueYear: true } } as ClaimEvent]).when(spread).thenThrows(t, 'already-spread', 'a schedule of since the rule is spread already');
  const paid2: ClaimEvent = { type: 'PayoutDisbursed', data: data({ instalment: 2, amount: RSD(550_000), paymentReference: 'P2', disbursedBy: 'finance-1', disbursedAt: '2026-12-02T09:00:00.000Z', early: true }) };
  given([...history, paid2]).when(spread).thenThrows(t, 'nothing-to-spread', 'nothing to pay falls due later');
  given(toNotified).when(spread).thenThrows(t, 'not-allowed-in-state', 'nothing scheduled');
});
