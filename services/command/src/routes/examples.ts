import type { z } from 'zod';
/** One example body per endpoint (shown in /docs and /openapi.json; tests post them too). */
const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });

export const EXAMPLES = {
  fileClaim: {
    jurisdiction: 'RS', applicantRole: 'direct',
    victim: { fullName: 'Jane Example', dateOfBirth: '1995-04-12', contacts: { email: 'jane@example.org', phone: '+381 11 000 000' }, address: 'Example street 1, Belgrade' },
    formOfExploitation: 'labour', incidentOn: '2025-01-10',
    damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }, { head: 'lost-earnings', amount: RSD(30_000_000) }],
  },
  attachEvidence: { documentId: 'DOC-2025-001', kind: 'court-decision', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', title: 'Judgment of the Higher Court in Belgrade' },
  recordCriminalProceedings: { court: 'Higher Court in Belgrade', caseNumber: 'K-123/2025' },
  recordCourtRuling: {
    court: 'Higher Court in Belgrade', caseNumber: 'K-123/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded',
    amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }],
  },
  recordRulingFinality: { finalOn: '2025-06-30' },
  recordOffenderPayment: { amount: RSD(1_000_000), receivedOn: '2025-07-15' },
  recordEnforcementFailure: { reason: 'no-assets', amountOutstanding: RSD(99_000_000), recordedOn: '2025-09-01' },
  submitFundApplication: { otherCompensationDeclared: [] },
  decideLateFilingExtension: { decision: 'granted', reason: 'The victim was in a shelter abroad and could not apply in time.' },
  assessClaim: { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(90_000_000) }], deductions: [] },
  approveAward: {},
  rejectAward: { reasons: ['The claim does not concern a crime of trafficking.'], appealInstructions: 'You may appeal to the Commission within 15 days of service.' },
  notifyDecision: { servedAt: '2025-10-01T09:00:00Z' },
  appealDecision: { grounds: 'The assessment left out the costs of psychological treatment.' },
  decideAppeal: { outcome: 'increased', decidedOn: '2025-11-10', netAward: RSD(95_000_000) },
  approveAdvancePayment: { amount: RSD(10_000_000), reason: 'Urgent medical treatment.' },
  schedulePayout: { instalments: 3, firstDueOn: '2025-11-01', intervalMonths: 1 },
  disbursePayout: { paymentReference: 'PAY-2025-000123' },
  disburseAdvance: { paymentReference: 'PAY-2025-000077' },
  recordPayoutFailure: { reason: 'The bank returned the transfer: account closed.' },
  recordRecovery: { amount: RSD(5_000_000), recordedOn: '2026-01-15' },
  withdrawClaim: { reason: 'The victim no longer wishes to pursue the claim.' },
  reopenClaim: { reason: 'The victim asked to continue.' },
  closeClaim: { reason: 'Paid in full.' },
  addCoCounsel: { lawyer: 'lawyer-2' },
  removeCoCounsel: { lawyer: 'lawyer-2' },
  handOverClaim: { to: 'lawyer-2', reason: 'The lead lawyer leaves the firm.' },
  assignAssessor: { assessor: 'assessor-1' },
  takeClaim: {},
  requestInformation: { question: 'Please send the medical report on the treatment after the incident.', dueInWorkingDays: 10 },
  answerInformationRequest: { answer: 'The medical report is attached.', documentIds: ['0b6f1c2e-5d4a-4c3b-8a9f-7e6d5c4b3a21'] },
  withdrawInformationRequest: {},
  eraseVictimData: { reason: 'Erasure request of the data subject under Article 17 GDPR.' },
  allocateBudget: { amount: RSD(10_000_000_000) },
  setPayee: { kind: 'victim', payee: { name: 'Jelena Petrović', iban: 'RS35 2600 0560 1001 6113 79', bic: 'AIKBRS22' } },
  confirmPayeeChange: { change: 2 },
  rejectPayeeChange: { change: 2, reason: 'The bank\'s confirmation letter names another account holder.' },
  preparePaymentRun: { jurisdiction: 'RS', executionOn: '2026-06-10', payments: [{ claimId: '6f1c2a0e-8b7d-4c6e-9a5b-1d2e3f4a5b6c', instalment: 2 }] },
  releasePaymentRun: {},
  cancelPaymentRun: { reason: 'The execution date must move: the bank is closed that day.' },
  voidPayment: { claimId: '6f1c2a0e-8b7d-4c6e-9a5b-1d2e3f4a5b6c', instalment: 2, reason: 'The payee\'s bank returned a similar transfer last week: paid once the account is confirmed.' },
  resolveStatementEntry: { note: 'A refund of a supplier invoice booked to the fund account by mistake; passed to accounting.' },
} as const;

/** A body schema with its example, as the API documentation shows it. */
export const withExample = <S extends z.ZodType>(schema: S, example: unknown): S => schema.meta({ examples: [example] }) as S;
