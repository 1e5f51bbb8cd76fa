/**
 * Figures derived from a claim's state (the decider's own `ClaimState`): money by head, awarded /
 * paid / outstanding, and the deadlines running on the claim. The deadline rules themselves come
 * from @cfund/domain (schemes and luxon date arithmetic), never re-derived here.
 */
import type { AmountsByHead } from '@cfund/contracts';
import { applicationDeadline, beyondBounds, boundedMinor, claimFunding, schemeFor, totalMinor, type ClaimFunding, type ClaimState } from '@cfund/domain';

export interface ClaimMoney {
  currency: string;
  claimed: number;
  /** Sum of the amounts of court rulings that awarded compensation. */
  courtAwarded: number;
  offenderPaid: number;
  /** The fund's net award (after an appeal that changed it), 0 before approval. */
  awarded: number;
  /** Instalments and advances paid by the fund. */
  paid: number;
  /** Decided and not yet paid (the award, or before it the advances approved). */
  outstanding: number;
  advancesApproved: number;
  recovered: number;
}

const total = (xs: AmountsByHead): number => totalMinor(xs.map((x) => x.amount.amountMinor));

/**
 * `funding`: the claim's `claimFunding`, when the caller has it already (a claim's record does).
 * Sums through the domain's `totalMinor`: a stored event may hold amounts today's commands refuse
 * (events are immutable), and a figure must stay an exact integer rather than break the answer.
 */
export function claimMoney(s: ClaimState, funding: ClaimFunding = claimFunding(s)): ClaimMoney {
  const awarded = s.status === 'rejected' ? 0 : s.fund.netAward?.amountMinor ?? 0;
  return {
    currency: s.currency ?? '',
    claimed: total(s.damagesClaimed),
    courtAwarded: totalMinor(s.court.rulings.filter((r) => r.outcome === 'compensation-awarded').map((r) => total(r.amounts))),
    // Folds before the bounds may have kept totals beyond the exact range: held within it here.
    offenderPaid: boundedMinor(s.court.offenderPaid),
    awarded,
    paid: boundedMinor(funding.paid),
    outstanding: boundedMinor(funding.owed),
    advancesApproved: totalMinor(s.fund.advances.map((x) => x.amount.amountMinor)),
    recovered: boundedMinor(funding.recovered),
  };
}

/** True when a figure of a claim's money passed MAX_SUM_MINOR: it comes from amounts beyond today's bounds. */
export const moneyBeyondBounds = (m: ClaimMoney): boolean =>
  [m.claimed, m.courtAwarded, m.offenderPaid, m.awarded, m.paid, m.outstanding, m.advancesApproved, m.recovered].some(beyondBounds);

export type DeadlineKind = 'fund-application' | 'appeal' | 'instalment' | 'information-request';

export interface ClaimDeadline {
  kind: DeadlineKind;
  /** Local date in the scheme's time zone (the last day, or the due day of an instalment). */
  dueOn: string;
  /** The instalment's number, or the request for information's (kept in the `instalment` column). */
  instalment?: number;
}

/** The deadlines running now: the application to the fund, an appeal, instalments due (or failed and to retry), open requests for information. */
export function claimDeadlines(s: ClaimState): ClaimDeadline[] {
  if (!s.jurisdiction || !s.schemeVersion) return [];
  const out: ClaimDeadline[] = [];
  if (s.status === 'filed') {
    const scheme = schemeFor(s.jurisdiction, s.schemeVersion);
    const due = applicationDeadline(scheme, {
      incidentOn: s.incidentOn ?? null, rulingFinalOn: s.court.finalOn ?? null, enforcementFailedOn: s.court.enforcementFailedOn ?? null,
    });
    if (due !== null) out.push({ kind: 'fund-application', dueOn: due });
  }
  if (s.status === 'notified' && s.fund.appealDeadline) out.push({ kind: 'appeal', dueOn: s.fund.appealDeadline });
  if (s.status === 'scheduled') {
    for (const i of s.fund.instalments) {
      if (i.status !== 'disbursed') out.push({ kind: 'instalment', dueOn: i.dueOn, instalment: i.number });
    }
  }
  for (const r of s.informationRequests) if (r.status === 'open') out.push({ kind: 'information-request', dueOn: r.dueOn, instalment: r.request });
  return out;
}
