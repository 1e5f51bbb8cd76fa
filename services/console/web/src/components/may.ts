/**
 * What the signed-in user may be offered, by the domain's own rules of authorization (one home:
 * @cfund/domain). Only what to show: the API decides, and says why not.
 */
import { accessLogScope, canActAsFundStaff, domainErrorProblem, paymentListScope, releaseConflict, canAllocateBudget, canErasePersonalData, canReadFundYear, canReadPersonalData, readableClaims, seesOnlyAggregates, type Principal as DomainPrincipal } from '@cfund/domain';
import { JURISDICTIONS, type Jurisdiction } from '@cfund/contracts';
import type { Principal, Problem } from '../api.ts';

const domain = (p: Principal): DomainPrincipal => p as unknown as DomainPrincipal;

/** The victim's data, and with it the claim's documents and the texts of its requests for information. */
export const mayReadPersonalData = (p: Principal, claim: { jurisdiction: string; filedBy: string; lawyers?: { lead: string | null; coCounsel: string[] } }): boolean =>
  canReadPersonalData(domain(p), {
    jurisdiction: claim.jurisdiction as Jurisdiction, leadLawyer: claim.lawyers?.lead ?? claim.filedBy, assignedLawyers: claim.lawyers?.coCounsel ?? [],
  }).allowed;

/** Auditors, and the data-protection officer of a jurisdiction. */
export const mayListPersonalDataReads = (p: Principal): boolean => accessLogScope(domain(p)).allowed;

/** The data-protection officer of at least one jurisdiction. */
export const mayErase = (p: Principal): boolean => p.jurisdictions.some((j) => canErasePersonalData(domain(p), { jurisdiction: j as Jurisdiction }).allowed);

/** Claims to list (the dpo or the operator alone has none). */
export const maySeeClaims = (p: Principal): boolean => readableClaims(domain(p)).allowed;

/** The jurisdictions whose fund ledgers the user may read (an auditor with none named: all). */
export const fundsReadable = (p: Principal): Jurisdiction[] =>
  (p.jurisdictions.length > 0 ? p.jurisdictions as Jurisdiction[] : [...JURISDICTIONS]).filter((j) => canReadFundYear(domain(p), j).allowed);

/** A fund admin of the jurisdiction allocates its fund years' budgets. */
export const mayAllocateBudget = (p: Principal, j: Jurisdiction): boolean => canAllocateBudget(domain(p), j).allowed;

/** Monitors (NGOs, rapporteurs) see published aggregates only: no claim, no inbox, nothing else. */
export const mayOnlyMonitor = (p: Principal): boolean => seesOnlyAggregates(domain(p));

/** The inbox: everyone but a role that sees aggregates only (the notification service refuses it). */
export const mayReadInbox = (p: Principal): boolean => !mayOnlyMonitor(p);

/**
 * The monitoring page, in the navigation of those whose work it is: monitors and auditors (any
 * signed-in user may read the published tables; the others are not offered them).
 */
export const mayMonitor = (p: Principal): boolean => mayOnlyMonitor(p) || p.roles.includes('auditor');

/** The jurisdictions whose payment runs and bank statements the user handles (a finance officer's). */
export const paymentJurisdictions = (p: Principal): Jurisdiction[] =>
  (p.jurisdictions as Jurisdiction[]).filter((j) => canActAsFundStaff(domain(p), j, 'fund-finance').allowed);

/** Finance officers, fund admins and auditors list the payment runs and imported bank statements of their jurisdictions. */
export const mayListPayments = (p: Principal): boolean => paymentListScope(domain(p)).allowed;

/** Release or cancel a payment run, void one of its payments, download its bank file: a finance officer of its jurisdiction. */
export const mayHandlePaymentRun = (p: Principal, run: { jurisdiction: string }): boolean =>
  canActAsFundStaff(domain(p), run.jurisdiction as Jurisdiction, 'fund-finance').allowed;

/**
 * Why the user, who handles the run, may not release it (four-eyes): the refusal the API would
 * answer, its rule named (worded by refusal.ts in the user's language); undefined when they may.
 */
export const releaseRefusal = (p: Principal, run: { preparedBy: string; payments: { deciders: string[]; voided?: unknown }[] }): Problem | undefined =>
  domainErrorProblem(releaseConflict({ preparedBy: run.preparedBy, paying: run.payments.filter((i) => !i.voided) }, p.sub));

/** A fund year's budget use: the fund admins and finance officers of the jurisdiction, and auditors. */
export const mayReadBudgetUse = (p: Principal, j: Jurisdiction): boolean =>
  p.roles.includes('auditor') || (['fund-admin', 'fund-finance'] as const).some((role) => canActAsFundStaff(domain(p), j, role).allowed);
