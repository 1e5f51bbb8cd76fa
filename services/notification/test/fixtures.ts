/** Claim events for pure tests, validated by contracts (the same shapes the command service appends). */
import { randomUUID } from 'node:crypto';
import { parseEvent, type ClaimEvent, type Jurisdiction } from '@cfund/contracts';
import { evolveSnapshot, initialSnapshot, type ClaimSnapshot } from '../src/claim-snapshot.ts';

export const VICTIM_REF = 'vic-do-not-leak-7f3a';

export function claimEvent(type: ClaimEvent['type'], data: Record<string, unknown>): ClaimEvent {
  return parseEvent(type, { schemaVersion: 1, ...data }) as ClaimEvent;
}

const money = (amountMinor: number, currency = 'RSD') => ({ amountMinor, currency });

/** A whole RS claim lifecycle with two approvals (the award is above the dual-approval threshold). */
export function rsLifecycle(claimId: string = randomUUID(), jurisdiction: Jurisdiction = 'RS'): ClaimEvent[] {
  const c = { claimId };
  return [
    claimEvent('ClaimFiled', {
      ...c, jurisdiction, schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-05T09:00:00.000Z',
      publicReference: 'RS-2026-000042', applicantRole: 'direct', victimRef: VICTIM_REF,
      personalData: { alg: 'AES-256-GCM', keyId: VICTIM_REF, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'AAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' },
      formOfExploitation: 'labour', incidentOn: '2025-01-10', damagesClaimed: [{ head: 'non-pecuniary', amount: money(120_000_000) }],
    }),
    claimEvent('CourtRulingRecorded', {
      ...c, court: 'Higher Court in Belgrade', caseNumber: 'K-1/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded',
      amounts: [{ head: 'non-pecuniary', amount: money(100_000_000) }],
    }),
    claimEvent('RulingBecameFinal', { ...c, finalOn: '2025-06-30' }),
    claimEvent('EnforcementFailed', { ...c, reason: 'no-assets', amountOutstanding: money(100_000_000), recordedOn: '2025-09-01' }),
    claimEvent('FundApplicationSubmitted', { ...c, submittedAt: '2026-01-10T10:00:00.000Z', deadline: '2028-06-30', late: false, otherCompensationDeclared: [] }),
    claimEvent('ClaimAssessed', {
      ...c, assessedBy: 'assessor-1', eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: money(90_000_000) }],
      deductions: [], capsApplied: [], recommendedNet: money(90_000_000),
    }),
    claimEvent('AwardApprovalGiven', { ...c, approver: 'approver-1', netAward: money(90_000_000), approvalNumber: 1 }),
    claimEvent('AwardApprovalGiven', { ...c, approver: 'approver-2', netAward: money(90_000_000), approvalNumber: 2 }),
    claimEvent('AwardApproved', { ...c, netAward: money(90_000_000), approvers: ['approver-1', 'approver-2'], fundYear: 2026 }),
    claimEvent('DecisionNotified', { ...c, servedAt: '2026-03-20T10:00:00.000Z', appealDeadline: '2026-04-06' }),
    claimEvent('DecisionAppealed', { ...c, appealedAt: '2026-03-25T10:00:00.000Z', grounds: 'Grounds naming Jane Victim (must not leak)' }),
    claimEvent('AppealDecided', { ...c, outcome: 'increased', decidedOn: '2026-04-20', netAward: money(95_000_000) }),
    claimEvent('PayoutScheduled', {
      ...c, instalments: [{ number: 1, amount: money(50_000_000), dueOn: '2026-05-04' }, { number: 2, amount: money(45_000_000), dueOn: '2026-06-01' }],
      total: money(95_000_000),
    }),
    claimEvent('PayoutFailed', { ...c, instalment: 1, reason: 'Account of Jane Victim closed', failedAt: '2026-05-04T12:00:00.000Z' }),
    claimEvent('PayoutDisbursed', { ...c, instalment: 1, amount: money(50_000_000), paymentReference: 'PAY-1', disbursedBy: 'finance-1', disbursedAt: '2026-05-05T12:00:00.000Z' }),
    claimEvent('PersonalDataErased', { ...c, victimRef: VICTIM_REF, erasedBy: 'dpo-1', erasedAt: '2026-07-01T08:00:00.000Z' }),
  ];
}

/** Folds events into the notifier's snapshot of the claim. */
export function fold(events: ClaimEvent[], from: ClaimSnapshot = initialSnapshot()): ClaimSnapshot {
  return events.reduce(evolveSnapshot, from);
}
