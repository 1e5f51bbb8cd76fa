/**
 * Who may do what, as pure functions of the caller and a summary of the claim.
 *
 * Every `can*` function returns an `Authorization`: `{ allowed: true }` or
 * `{ allowed: false, error }` with a `DomainError` of kind `authorization` and a stable code:
 *
 * | code                | meaning |
 * | ---                 | --- |
 * | `forbidden-role`    | the caller has none of the roles the action needs |
 * | `auditor-read-only` | the caller is an auditor (and nothing else that allows the action): auditors change nothing |
 * | `wrong-jurisdiction`| fund staff, a lawyer filing or the dpo outside the jurisdictions of their token |
 * | `not-your-claim`    | a lawyer acting on a claim they neither lead nor are co-counsel on, or whose token lacks its jurisdiction |
 * | `not-lead-lawyer`   | a lawyer other than the lead (or a fund admin) changing who acts on the claim |
 * | `not-assigned-assessor` | an assessor assessing a claim assigned to another assessor |
 * | `personal-data-forbidden` | reading a victim's personal data without acting on the claim |
 * | `aggregates-only`   | a monitor (and nothing else) asking for anything but published aggregates |
 *
 * Who may not act on a claim because of what they did on it (four-eyes, two distinct approvers)
 * depends on the claim's history: that is the claim decider's, in claim/approvals.ts.
 *
 * `ensureAllowed(result)` throws the error of a refusal, for code that works with exceptions.
 * Roles only grant: the `auditor` role never allows a change, but it takes nothing away from
 * another role the same token holds.
 */
import type { Actor, Jurisdiction, Role } from '@cfund/contracts';
import { DomainError, type DomainErrorCode } from './errors.js';

/** The caller as its token describes it: contracts' `Actor` plus the jurisdictions it acts in. */
export interface Principal extends Actor {
  readonly roles: Role[];
  readonly jurisdictions: readonly Jurisdiction[];
}

/**
 * What authorization needs to know about a claim (from the claim's state): who acts on it. The
 * lead lawyer is the filer until a hand-over; the former lead then no longer acts on it.
 */
export interface ClaimAccess {
  readonly jurisdiction: Jurisdiction;
  /** `sub` of the lawyer who leads the claim. */
  readonly leadLawyer: string;
  /** `sub`s of the co-counsel, who act for the victim beside the lead lawyer. */
  readonly assignedLawyers: readonly string[];
  /** `sub` of the assessor of record, when one is assigned. */
  readonly assessor?: string | undefined;
}

/**
 * Whether a lawyer acts for the victim: they lead the claim or are co-counsel on it, and their
 * token carries the claim's jurisdiction. There is no directory of lawyers, so whoever is added
 * or handed the claim is only checked when they act: a lawyer of another jurisdiction is treated
 * like any lawyer without access (the filer passed the same check in `canFile`).
 */
const actsForVictim = (lawyer: Pick<Principal, 'sub' | 'jurisdictions'>, claim: Pick<ClaimAccess, 'jurisdiction' | 'leadLawyer' | 'assignedLawyers'>): boolean =>
  (claim.leadLawyer === lawyer.sub || claim.assignedLawyers.includes(lawyer.sub)) && lawyer.jurisdictions.includes(claim.jurisdiction);

export const FUND_ROLES = ['fund-assessor', 'fund-approver', 'fund-finance', 'fund-admin'] as const;
export type FundRole = (typeof FUND_ROLES)[number];

export type Refusal = { readonly allowed: false; readonly error: DomainError };
export type Authorization = { readonly allowed: true } | Refusal;

const ALLOWED: Authorization = Object.freeze({ allowed: true });

function refuse(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}): Refusal {
  return { allowed: false, error: new DomainError(code, message, { kind: 'authorization', details }) };
}

/** Throws the refusal's `DomainError`; returns nothing when allowed. */
export function ensureAllowed(result: Authorization): void {
  if (!result.allowed) throw result.error;
}

function hasRole(actor: Principal, role: Role): boolean {
  return actor.roles.includes(role);
}

const isFundStaff = (actor: Principal): boolean => FUND_ROLES.some((r) => hasRole(actor, r));

function missingRole(actor: Principal, needed: readonly Role[], action: string): Authorization {
  if (hasRole(actor, 'auditor')) {
    return refuse('auditor-read-only', `Auditors can read every claim but cannot ${action}.`, { needed });
  }
  return refuse('forbidden-role', `Only a user with the role ${needed.join(' or ')} can ${action}.`, { needed, roles: actor.roles });
}

function inJurisdiction(actor: Principal, jurisdiction: Jurisdiction, action: string): Authorization {
  return actor.jurisdictions.includes(jurisdiction)
    ? ALLOWED
    : refuse('wrong-jurisdiction', `You can ${action} only in your own jurisdictions (${actor.jurisdictions.join(', ') || 'none'}), not in ${jurisdiction}.`, {
      jurisdiction, jurisdictions: actor.jurisdictions,
    });
}

/** A lawyer files a claim in one of the jurisdictions of their token. */
export function canFile(actor: Principal, jurisdiction: Jurisdiction): Authorization {
  if (!hasRole(actor, 'lawyer')) return missingRole(actor, ['lawyer'], 'file a claim');
  return inJurisdiction(actor, jurisdiction, 'file a claim');
}

/**
 * A lawyer acts (records rulings, enforcement, applies to the fund, withdraws) only on claims they
 * lead or are co-counsel on, of a jurisdiction their token carries.
 */
export function canActAsLawyerOn(actor: Principal, claim: ClaimAccess): Authorization {
  if (!hasRole(actor, 'lawyer')) return missingRole(actor, ['lawyer'], 'act as the victim\'s lawyer on this claim');
  if (actsForVictim(actor, claim)) return ALLOWED;
  return refuse('not-your-claim', 'You can act only on claims of your jurisdictions that you lead or to which you are assigned.');
}

/**
 * Give the payee of a claim's money: a lawyer acting for the victim, or a finance officer of the
 * claim's jurisdiction (the decider asks a second person to confirm a change after an approval).
 */
export function canSetPayee(actor: Principal, claim: ClaimAccess): Authorization {
  if (hasRole(actor, 'fund-finance')) return canActAsFundStaff(actor, claim.jurisdiction, 'fund-finance');
  return canActAsLawyerOn(actor, claim);
}

/**
 * Change who acts for the victim (co-counsel, hand-over): the lead lawyer within their token's
 * jurisdictions, or a fund admin of the claim's jurisdiction (when the lead left or cannot act).
 */
export function canChangeCounsel(actor: Principal, claim: ClaimAccess): Authorization {
  if (hasRole(actor, 'fund-admin') && !actsForVictim(actor, claim)) return canActAsFundStaff(actor, claim.jurisdiction, 'fund-admin');
  const lawyer = canActAsLawyerOn(actor, claim);
  if (!lawyer.allowed) return lawyer;
  if (claim.leadLawyer !== actor.sub) return refuse('not-lead-lawyer', 'Only the lead lawyer of the claim can change who acts on it.');
  return ALLOWED;
}

/** Assign a claim's assessor: a fund admin of the claim's jurisdiction. */
export function canAssignAssessor(actor: Principal, claim: ClaimAccess): Authorization {
  return canActAsFundStaff(actor, claim.jurisdiction, 'fund-admin');
}

/** Take a claim from the unassigned queue: a fund assessor of its jurisdiction (the claim decider refuses one already assigned). */
export function canTakeClaim(actor: Principal, claim: ClaimAccess): Authorization {
  return canActAsFundStaff(actor, claim.jurisdiction, 'fund-assessor');
}

/** Fund staff act in a role they hold and only in the jurisdictions of their token. */
export function canActAsFundStaff(actor: Principal, jurisdiction: Jurisdiction, role: FundRole): Authorization {
  if (!hasRole(actor, role)) return missingRole(actor, [role], `act as ${role}`);
  return inJurisdiction(actor, jurisdiction, `act as ${role}`);
}

/** Assess a claim: a fund assessor of the claim's jurisdiction; once one is assigned, that one only. */
export function canAssess(actor: Principal, claim: ClaimAccess): Authorization {
  const staff = canActAsFundStaff(actor, claim.jurisdiction, 'fund-assessor');
  if (!staff.allowed || claim.assessor === undefined || claim.assessor === actor.sub) return staff;
  return refuse('not-assigned-assessor', 'Another assessor is assigned to this claim: only they can assess it.');
}

/** Allocate a fund year's budget: a fund admin of that jurisdiction. */
export function canAllocateBudget(actor: Principal, jurisdiction: Jurisdiction): Authorization {
  return canActAsFundStaff(actor, jurisdiction, 'fund-admin');
}

/**
 * The claims someone may read, as a filter a query applies: every claim (auditors), or those of
 * `jurisdictions` (fund staff: their token's) together with those of `lawyer` (a lawyer: the
 * claims they lead or are co-counsel on, of `lawyer.jurisdictions`, their token's). The `dpo` or
 * `operator` role alone reads no claim.
 */
export type ReadableClaims =
  | { readonly allowed: true; readonly all: true }
  | { readonly allowed: true; readonly all: false; readonly jurisdictions: readonly Jurisdiction[]; readonly lawyer: Pick<Principal, 'sub' | 'jurisdictions'> | null }
  | Refusal;

export function readableClaims(actor: Principal): ReadableClaims {
  if (hasRole(actor, 'auditor')) return { allowed: true, all: true };
  const jurisdictions = isFundStaff(actor) ? actor.jurisdictions : [];
  const lawyer = hasRole(actor, 'lawyer') ? { sub: actor.sub, jurisdictions: actor.jurisdictions } : null;
  if (jurisdictions.length === 0 && lawyer === null) {
    return isFundStaff(actor)
      ? refuse('wrong-jurisdiction', 'Your token names no jurisdiction, so there is no claim you can see.', { jurisdictions: [] })
      : refuse('forbidden-role', 'Your role does not allow you to see claims.', { roles: actor.roles });
  }
  return { allowed: true, all: false, jurisdictions, lawyer };
}

/** Read one claim: within `readableClaims`, which says why not when it is not. */
export function canRead(actor: Principal, claim: ClaimAccess): Authorization {
  const readable = readableClaims(actor);
  if (!readable.allowed) return readable;
  if (readable.all || readable.jurisdictions.includes(claim.jurisdiction)) return ALLOWED;
  const lawyer = readable.lawyer;
  if (lawyer !== null && actsForVictim(lawyer, claim)) return ALLOWED;
  if (lawyer !== null) return refuse('not-your-claim', 'You can see only claims of your jurisdictions that you lead or to which you are assigned.');
  return inJurisdiction(actor, claim.jurisdiction, 'see claims');
}

/** See a fund year's ledger: auditors, and fund staff of its jurisdiction. */
export function canReadFundYear(actor: Principal, jurisdiction: Jurisdiction): Authorization {
  if (hasRole(actor, 'auditor') || (isFundStaff(actor) && actor.jurisdictions.includes(jurisdiction))) return ALLOWED;
  return refuse('forbidden-role', `Only auditors and fund staff of ${jurisdiction} can see its fund ledger.`, { roles: actor.roles });
}

/** Compare a fund year's ledger with its claims: auditors, and fund admins of its jurisdiction. */
export function canReconcileFundYear(actor: Principal, jurisdiction: Jurisdiction): Authorization {
  if (hasRole(actor, 'auditor') || (hasRole(actor, 'fund-admin') && actor.jurisdictions.includes(jurisdiction))) return ALLOWED;
  return refuse('forbidden-role', `Only auditors and fund admins of ${jurisdiction} can reconcile its fund ledger.`, { roles: actor.roles });
}

/**
 * Execute an erasure request (crypto-shredding of a victim's personal data, irreversible): a
 * data-protection officer of the claim's jurisdiction only.
 */
export function canErasePersonalData(actor: Principal, claim: Pick<ClaimAccess, 'jurisdiction'>): Authorization {
  if (!hasRole(actor, 'dpo')) return missingRole(actor, ['dpo'], 'erase a victim\'s personal data');
  return inJurisdiction(actor, claim.jurisdiction, 'erase a victim\'s personal data');
}

/** Who acts on a claim and so may read its victim's personal data. */
const PERSONAL_DATA_READERS: readonly FundRole[] = ['fund-assessor', 'fund-approver', 'fund-finance'];

/**
 * Read a victim's personal data: the lawyers who act for the victim (lead and co-counsel, in their token's jurisdictions) and
 * fund staff who handle claims (assessor, approver, finance) of its jurisdiction. Nobody else:
 * not auditors, `fund-admin`, the `dpo` (erases without reading), other lawyers or staff of
 * other jurisdictions.
 */
export function canReadPersonalData(actor: Principal, claim: Pick<ClaimAccess, 'jurisdiction' | 'leadLawyer' | 'assignedLawyers'>): Authorization {
  if (hasRole(actor, 'lawyer') && actsForVictim(actor, claim)) return ALLOWED;
  if (PERSONAL_DATA_READERS.some((r) => hasRole(actor, r)) && actor.jurisdictions.includes(claim.jurisdiction)) return ALLOWED;
  return refuse('personal-data-forbidden', 'Your role does not allow you to read this victim\'s personal data.', { roles: actor.roles });
}

/**
 * Attach a document to a claim, or download one: whoever may read the victim's personal data
 * (`canReadPersonalData`), since a document is encrypted with the victim's key like it. An
 * auditor or a fund admin does neither.
 */
export function canHandleDocuments(actor: Principal, claim: Pick<ClaimAccess, 'jurisdiction' | 'leadLawyer' | 'assignedLawyers'>): Authorization {
  return canReadPersonalData(actor, claim);
}

/** The jurisdictions whose records someone may read: every one, or those listed. */
export type Scope = { readonly allowed: true; readonly jurisdictions: 'all' | readonly Jurisdiction[] } | Refusal;

/**
 * Whose reads of personal data (access logs) the caller may list: auditors every claim's, a
 * data-protection officer those of the claims of their jurisdictions (a dpo without one, none).
 */
export function accessLogScope(actor: Principal): Scope {
  if (hasRole(actor, 'auditor')) return { allowed: true, jurisdictions: 'all' };
  if (!hasRole(actor, 'dpo')) {
    return refuse('forbidden-role', 'Only auditors and the data-protection officer can list who read personal data.', { roles: actor.roles });
  }
  if (actor.jurisdictions.length === 0) {
    return refuse('wrong-jurisdiction', 'Your token names no jurisdiction, so there is no access log you can read.', { jurisdictions: [] });
  }
  return { allowed: true, jurisdictions: actor.jurisdictions };
}

/**
 * Which jurisdictions' assignment queues the caller sees: the unassigned claims (`take`: fund
 * assessors, who take them, and fund admins, who assign them), every assessor's load (`assign`:
 * fund admins only); their token's jurisdictions.
 */
export function assignmentQueueScope(actor: Principal, queue: 'take' | 'assign'): Scope {
  const roles: FundRole[] = queue === 'take' ? ['fund-assessor', 'fund-admin'] : ['fund-admin'];
  if (!roles.some((r) => hasRole(actor, r))) return missingRole(actor, roles, 'see who is assigned to claims') as Refusal;
  if (actor.jurisdictions.length === 0) {
    return refuse('wrong-jurisdiction', 'Your token names no jurisdiction, so there is no queue you can see.', { jurisdictions: [] });
  }
  return { allowed: true, jurisdictions: actor.jurisdictions };
}

/**
 * Whose payment runs and imported bank statements the caller may list: finance officers, fund
 * admins and auditors, each of the jurisdictions of their token only (`jurisdiction`, when asked
 * for one, must be among them).
 */
export function paymentListScope(actor: Principal, jurisdiction?: Jurisdiction): Scope {
  const roles: Role[] = ['fund-finance', 'fund-admin', 'auditor'];
  if (!roles.some((r) => hasRole(actor, r))) {
    return refuse('forbidden-role', 'Only finance officers, fund admins and auditors can list payment runs and bank statements.', { needed: roles, roles: actor.roles });
  }
  if (jurisdiction !== undefined) {
    const within = inJurisdiction(actor, jurisdiction, 'list payment runs and bank statements');
    return within.allowed ? { allowed: true, jurisdictions: [jurisdiction] } : within;
  }
  if (actor.jurisdictions.length === 0) {
    return refuse('wrong-jurisdiction', 'Your token names no jurisdiction, so there are no payment runs or bank statements you can list.', { jurisdictions: [] });
  }
  return { allowed: true, jurisdictions: actor.jurisdictions };
}

/**
 * Open one payment run or imported bank statement (masked accounts, amounts, references: no
 * payee's details): finance officers and fund admins of its jurisdiction, and auditors, who read
 * every claim and so every run.
 */
export function canReadPaymentRecord(actor: Principal, jurisdiction: Jurisdiction): Authorization {
  if (hasRole(actor, 'auditor')) return ALLOWED;
  if ((['fund-finance', 'fund-admin'] as const).some((r) => hasRole(actor, r)) && actor.jurisdictions.includes(jurisdiction)) return ALLOWED;
  return refuse('forbidden-role', `Only finance officers and fund admins of ${jurisdiction}, and auditors, can see its payment runs and bank statements.`, { roles: actor.roles });
}

/** Read the access log of one claim: within the caller's `accessLogScope`. */
export function canReadAccessLog(actor: Principal, claim: Pick<ClaimAccess, 'jurisdiction'>): Authorization {
  const scope = accessLogScope(actor);
  if (!scope.allowed) return scope;
  if (scope.jurisdictions === 'all') return ALLOWED;
  return inJurisdiction(actor, claim.jurisdiction, 'list who read personal data');
}

/**
 * Operate the whole system (rebuild the read model from the event store): the `operator` role,
 * which holds no jurisdiction, since these act on every jurisdiction's data at once. Fund staff
 * (`fund-admin` included) act only within their jurisdictions and cannot.
 */
export function canOperate(actor: Principal): Authorization {
  return hasRole(actor, 'operator') ? ALLOWED : missingRole(actor, ['operator'], 'operate the whole system');
}

/** Read the regional monitoring report (a document to attach to a rapporteur's report): monitors and auditors. */
export function canReadMonitoringReport(actor: Principal): Authorization {
  if (hasRole(actor, 'monitor') || hasRole(actor, 'auditor')) return ALLOWED;
  return refuse('forbidden-role', 'Only monitors and auditors can read the regional monitoring report.', { needed: ['monitor', 'auditor'], roles: actor.roles });
}

/** Read the digest of the whole read model: an operator, or an auditor (who reads every claim anyway). */
export function canReadDigest(actor: Principal): Authorization {
  if (hasRole(actor, 'operator') || hasRole(actor, 'auditor')) return ALLOWED;
  return refuse('forbidden-role', 'Only an operator or an auditor can read the digest of the whole read model.', { needed: ['operator', 'auditor'], roles: actor.roles });
}

/**
 * Roles that see published aggregates only (suppressed tables, never a claim, a reference or a
 * row about one person). A token holding only such roles is refused everywhere else, before any
 * other rule is asked; another role on the same token grants what it grants.
 */
export const AGGREGATE_ONLY_ROLES: readonly Role[] = ['monitor'];

export function seesOnlyAggregates(actor: Principal): boolean {
  return actor.roles.length > 0 && actor.roles.every((r) => AGGREGATE_ONLY_ROLES.includes(r));
}

/** Use a service route: a route serving published aggregates admits everyone it authenticates; any other, no aggregate-only token. */
export function canUseRoute(actor: Principal, route: { readonly aggregates: boolean }): Authorization {
  if (route.aggregates || !seesOnlyAggregates(actor)) return ALLOWED;
  return refuse('aggregates-only', 'Your role sees published aggregates only (the /monitoring endpoints), never a claim or a record about one person.', { roles: actor.roles });
}
