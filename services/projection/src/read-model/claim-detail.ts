/**
 * The claim detail's own shape, kept in `claims.detail`: what GET /claims/{id}, the work queue
 * and monitoring read beyond the list's columns. Computed from the decider's state (folded in
 * memory by the projector) and the claim's facts when an event is applied; queries never see the
 * decider's state, so a change of it changes nothing they read.
 */
import type { AmountsByHead } from '@cfund/contracts';
import { addMinor, awardApprovalsNeeded, commitmentsSpreadByYear, onHoldForInformation, queueKey, type ClaimState, type PayeeVersion } from '@cfund/domain';
import type { ClaimFacts } from './claim-facts.js';
import type { ClaimDeadline, ClaimMoney } from './claim-view.js';

/** Sums amounts by head over several lists (court rulings that awarded compensation). */
function byHead(lists: AmountsByHead[]): AmountsByHead {
  const m = new Map<string, AmountsByHead[number]>();
  for (const list of lists) {
    for (const x of list) {
      const prev = m.get(x.head);
      m.set(x.head, prev ? { head: x.head, amount: { ...prev.amount, amountMinor: addMinor(prev.amount.amountMinor, x.amount.amountMinor) } } : x);
    }
  }
  return [...m.values()];
}

/** A payee as the detail shows it: never its encrypted details. */
const payeeShown = (p: PayeeVersion | undefined) => (p ? { change: p.change, kind: p.kind, maskedAccount: p.maskedAccount, by: p.by } : null);

/** `money` and `deadlines`: the claim's `claimMoney` and `claimDeadlines`, which its record computes once for its other rows too. */
export function claimDetailView(s: ClaimState, facts: ClaimFacts, money: ClaimMoney, deadlines: ClaimDeadline[]) {
  const a = s.fund.assessment;
  return {
    incidentOn: s.incidentOn ?? null,
    personalDataErased: s.personalDataErased,
    money,
    moneyByHead: {
      claimed: s.damagesClaimed,
      courtAwarded: byHead(s.court.rulings.filter((r) => r.outcome === 'compensation-awarded').map((r) => r.amounts)),
      assessed: a?.assessedAmounts ?? [],
      deductions: a?.deductions ?? [],
      capsApplied: a?.capsApplied ?? [],
      recommendedNet: a?.recommendedNet ?? null,
      netAward: s.fund.netAward ?? null,
    },
    deadlines,
    court: {
      proceedings: s.court.proceedings,
      rulings: s.court.rulings.map((r) => ({ court: r.court, caseNumber: r.caseNumber, decidedOn: r.decidedOn, outcome: r.outcome, amounts: r.amounts })),
      finalOn: s.court.finalOn ?? null, enforcementFailedOn: s.court.enforcementFailedOn ?? null,
      enforcementFailureReasons: facts.enforcementFailureReasons,
    },
    fund: {
      appliedAt: s.fund.appliedAt ?? null, applicationDeadline: s.fund.deadline ?? null, late: s.fund.late ?? null,
      extension: s.fund.extension ?? null, eligible: a?.eligible ?? null, assessedBy: a?.assessedBy ?? null,
      approvals: s.fund.approvals, approvalsNeeded: awardApprovalsNeeded(s), fundYear: s.fund.fundYear ?? null,
      // Whether the award's money is already in the years its instalments fall due in (the spread's rule: canSpreadCommitments).
      commitmentsSpreadByYear: commitmentsSpreadByYear(s),
      rejectionReasons: s.fund.rejection?.reasons ?? [], notifiedAt: s.fund.notifiedAt ?? null,
      appealDeadline: s.fund.appealDeadline ?? null, appealOutcome: s.fund.appealOutcome ?? null,
      // `runId`: the payment run that pays it now (queued), so a finance officer does not put it in another.
      instalments: s.fund.instalments.map((i) => ({
        number: i.number, amount: i.amount, dueOn: i.dueOn, status: i.status, paymentReference: i.paymentReference ?? null,
        runId: s.fund.queued[queueKey({ kind: 'instalment', number: i.number })]?.runId ?? null, failure: i.failure ?? null,
      })),
      // A returned advance shows `failed` with the bank's reason until a run pays it again.
      advances: s.fund.advances.map((a) => ({
        number: a.number, amount: a.amount, status: a.status, paymentReference: a.paymentReference ?? null,
        runId: s.fund.queued[queueKey({ kind: 'advance', number: a.number })]?.runId ?? null, failure: a.failure ?? null,
      })),
    },
    evidence: s.evidence.length,
    /** Who acts on the claim: the lead lawyer, the co-counsel and the assessor of record. */
    lawyers: { lead: s.lawyers.lead ?? null, coCounsel: s.lawyers.coCounsel },
    assessor: s.assessor ?? null,
    /** Uploaded documents, oldest first: kind, size, type, who and when (the name stays encrypted in the event). */
    documents: (facts.documents ?? []).map((d) => ({ ...d, request: d.request ?? null })),
    payee: { current: payeeShown(s.payee.current), pending: payeeShown(s.payee.pending) },
    /** Requests for information, without their texts (encrypted; read them at /claims/{id}/information-requests/{n}). */
    onHoldForInformation: onHoldForInformation(s),
    informationRequests: facts.informationRequests.map((r) => ({
      request: r.request, status: r.status, dueOn: r.dueOn, requestedBy: r.requestedBy, requestedAt: r.requestedAt,
      answeredBy: r.answeredBy ?? null, answeredAt: r.answeredAt ?? null, late: r.late ?? null, documentIds: r.documentIds,
      withdrawnAt: r.withdrawnAt ?? null,
    })),
  };
}
export type ClaimDetailView = ReturnType<typeof claimDetailView>;
