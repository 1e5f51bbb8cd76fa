/**
 * The approval rules of a claim: how many approvals an award needs, and who may not approve,
 * reject, decide an appeal or pay out (four-eyes). The claim decider is the only one that
 * enforces them; read models use them to show what is still needed and by whom.
 *
 * A conflict is a refusal of the authorization kind (HTTP 403): it says who may not act, not
 * what the claim's state allows.
 *
 * Each refusal names its rule in `details.rule` (FOUR_EYES_RULES of errors.ts, where its sentence is).
 *
 * | code               | meaning |
 * | ---                | --- |
 * | `four-eyes`        | the assessor (who assessed, or the assessor of record) approving, rejecting or deciding on the claim; an approver of an award or advance paying it out, or becoming its assessor |
 * | `already-approved` | the same approver approving the same award, or appeal decision, twice |
 */
import type { Money } from '@cfund/contracts';
import { fourEyesError, type DomainError } from '../errors.js';
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
  if (isAssessor(s, who)) return fourEyesError('assessor-approves');
  if (s.fund.approvals.includes(who)) return fourEyesError('approves-award-twice');
  return undefined;
}

/** Why `who` may not reject the claim's award: they assessed it. An approver who gave an approval may still reject. */
export function rejectionConflict(s: ClaimState, who: string): DomainError | undefined {
  return isAssessor(s, who) ? fourEyesError('assessor-rejects') : undefined;
}

/** Why `who` may not decide the appeal: they assessed the claim, or already gave the decision's first approval. */
export function appealDecisionConflict(s: ClaimState, who: string): DomainError | undefined {
  if (isAssessor(s, who)) return fourEyesError('assessor-decides-appeal');
  if (s.fund.pendingAppealDecision?.approver === who) return fourEyesError('approves-appeal-twice');
  return undefined;
}

/** Why `who` may not become the claim's assessor: they approved an award or appeal decision of it. */
export function assignmentConflict(s: ClaimState, who: string): DomainError | undefined {
  return s.fund.deciders.includes(who) ? fourEyesError('approver-assesses') : undefined;
}

/** Why `who` may not pay the claim out: they approved an award or appeal decision of it, or the advance being paid. */
export function paymentConflict(s: ClaimState, who: string, advance?: Pick<Advance, 'approvedBy' | 'number'>): DomainError | undefined {
  if (s.fund.deciders.includes(who)) return fourEyesError('approver-pays-award');
  if (advance?.approvedBy === who) return fourEyesError('approver-pays-advance', { advance: advance.number });
  return undefined;
}
