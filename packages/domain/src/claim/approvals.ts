/**
 * The approval rules of a claim: how many approvals an award needs, and who may not approve,
 * reject, decide an appeal or pay out (four-eyes). The claim decider is the only one that
 * enforces them; read models use them to show what is still needed and by whom.
 *
 * A conflict is a refusal of the authorization kind (HTTP 403): it says who may not act, not
 * what the claim's state allows.
 *
 * | code               | meaning |
 * | ---                | --- |
 * | `four-eyes`        | the assessor (who assessed, or the assessor of record) approving, rejecting or deciding on the claim; an approver of an award or advance paying it out, or becoming its assessor |
 * | `already-approved` | the same approver approving the same award, or appeal decision, twice |
 */
import type { Money } from '@cfund/contracts';
import { DomainError, fourEyesError } from '../errors.js';
import { schemeFor, type Scheme } from '../schemes/index.js';
import type { Advance, ClaimState } from './state.js';

/** Approvals an award (or an appeal decision setting an award) of this amount needs: two above the scheme's threshold. */
export const approvalsNeeded = (scheme: Pick<Scheme, 'dualApprovalThreshold'>, netAward: Money): 1 | 2 =>
  (netAward.amountMinor > scheme.dualApprovalThreshold.amountMinor ? 2 : 1);

/** Approvals the claim's assessed award needs (one while nothing is assessed). */
export function awardApprovalsNeeded(s: ClaimState): 1 | 2 {
  const net = s.fund.assessment?.recommendedNet;
  if (net === undefined || s.jurisdiction === undefined || s.schemeVersion === undefined) return 1;
  return approvalsNeeded(schemeFor(s.jurisdiction, s.schemeVersion), net);
}

const fourEyes = fourEyesError;
const alreadyApproved = (message: string): DomainError => new DomainError('already-approved', message, { kind: 'authorization' });

/** What the four-eyes rule of an award's approval reads of a claim (read models pass their own rows). */
export interface AwardApprovalFacts {
  fund: { assessment?: { assessedBy: string } | undefined; approvals: readonly string[] };
  /** The assessor of record (assigned or taken), who may not have assessed yet. */
  assessor?: string | undefined;
}

const isAssessor = (s: AwardApprovalFacts, who: string): boolean =>
  s.assessor === who || (s.fund.assessment !== undefined && s.fund.assessment.assessedBy === who);

/** Why `who` may not approve the claim's award: they assessed it, or already gave one of its approvals. */
export function approvalConflict(s: AwardApprovalFacts, who: string): DomainError | undefined {
  if (isAssessor(s, who)) return fourEyes('The person who assessed a claim cannot approve it: a second person must check the assessment.');
  if (s.fund.approvals.includes(who)) return alreadyApproved('You have already approved this award; a second approval must come from another approver.');
  return undefined;
}

/** Why `who` may not reject the claim's award: they assessed it. An approver who gave an approval may still reject. */
export function rejectionConflict(s: ClaimState, who: string): DomainError | undefined {
  return isAssessor(s, who) ? fourEyes('The person who assessed a claim cannot decide on it.') : undefined;
}

/** Why `who` may not decide the appeal: they assessed the claim, or already gave the decision's first approval. */
export function appealDecisionConflict(s: ClaimState, who: string): DomainError | undefined {
  if (isAssessor(s, who)) return fourEyes('The person who assessed a claim cannot decide on it.');
  if (s.fund.pendingAppealDecision?.approver === who) return alreadyApproved('You have already approved this appeal decision; a second approver is needed.');
  return undefined;
}

/** Why `who` may not become the claim's assessor: they approved an award or appeal decision of it. */
export function assignmentConflict(s: ClaimState, who: string): DomainError | undefined {
  return s.fund.deciders.includes(who) ? fourEyes('A person who approved a decision on a claim cannot become its assessor.') : undefined;
}

/** Why `who` may not pay the claim out: they approved an award or appeal decision of it, or the advance being paid. */
export function paymentConflict(s: ClaimState, who: string, advance?: Pick<Advance, 'approvedBy'>): DomainError | undefined {
  if (s.fund.deciders.includes(who)) return fourEyes('A person who approved an award cannot also pay it out.');
  if (advance?.approvedBy === who) return fourEyes('The approver of an advance cannot pay it out.');
  return undefined;
}
