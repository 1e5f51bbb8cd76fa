export { decide } from './decide.js';
export { CLAIM_STATE_VERSION, advanceUnpaid, queueKey, evolve, initialState, onHoldForInformation, type Advance, type AdvanceStatus, type PaymentFailure, type ClaimState, type ClaimStatus, type InformationRequest, type Instalment, type InstalmentStatus, type PayeeState, type PayeeVersion, type PendingAppealDecision, type Recovery } from './state.js';
export type { AnswerInformationRequestData, AttachDocumentData, LetterData, ClaimCommand, ClaimCommandOf, ClaimCommandType, FileClaimData, RequestInformationData, RunPayment } from './commands.js';
export { computeAward, requireWithinClaimed, type AwardComputation } from './assessment.js';
export { canSpreadCommitments, claimFunding, commitmentsSpreadByYear, dueYear, fundingInYear, instalmentYear, instalmentsToSpread, ledgerYears, paymentKey, recoveryYear, SPREAD_STATUSES, type ClaimFunding, type FundedPayment, type FundedRecovery, type YearFunding } from './funding.js';
export { CLOCK_TOLERANCE_MS } from './clock.js';
export {
  appealDecisionConflict, approvalConflict, type AwardApprovalFacts, approvalsNeeded, awardApprovalsNeeded, paymentConflict, rejectionConflict,
} from './approvals.js';
export { checkVictimData } from './victim.js';
export { MAX_COMMITMENT_YEARS_AHEAD, MAX_FIRST_DUE_MONTHS, checkFirstDueOn } from './schedule.js';
export { payeeLocked, requireNoPendingPayeeChange, type SetPayeeData } from './payee.js';
export { advancesCancelled, payableAdvances, requireNotQueued } from './payment-queue.js';
