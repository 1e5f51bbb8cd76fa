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
 * | `not-your-claim`    | a lawyer acting on a claim they neither filed nor are assigned to |
 * | `four-eyes`         | the assessor approving their own assessment, or an approver disbursing the award they approved |
 * | `already-approved`  | the same approver approving the same award twice |
 * | `personal-data-forbidden` | reading a victim's personal data without acting on the claim |
 *
 * `ensureAllowed(result)` throws the error of a refusal, for deciders that work with exceptions.
 * Roles only grant: the `auditor` role never allows a change, but it takes nothing away from
 * another role the same token holds.
 */
import type { Actor, Jurisdiction, Role } from '@cfund/contracts';
import { DomainError } from './errors.js';

/** The caller as its token describes it: contracts' `Actor` plus the jurisdictions it acts in. */
export interface Principal extends Actor {
  readonly roles: Role[];
  readonly jurisdictions: readonly Jurisdiction[];
}

/** What authorization needs to know about a claim (from the claim's state). */
export interface ClaimAccess {
  readonly jurisdiction: Jurisdiction;
  /** `sub` of the lawyer who filed the claim. */
  readonly filedBy: string;
  readonly assignedLawyers: readonly string[];
  /** `sub` of the assessor of the current assessment, if any. */
  readonly assessedBy?: string | null;
  /** `sub`s of the approvers of the current award. */
  readonly approvedBy: readonly string[];
}

export type FundRole = 'fund-assessor' | 'fund-approver' | 'fund-finance' | 'fund-admin';

export type Refusal = { readonly allowed: false; readonly error: DomainError };
export type Authorization = { readonly allowed: true } | Refusal;

const ALLOWED: Authorization = Object.freeze({ allowed: true });

function refuse(code: string, message: string, details: Record<string, unknown> = {}): Refusal {
  return { allowed: false, error: new DomainError(code, message, { kind: 'authorization', details }) };
}

/** Throws the refusal's `DomainError`; returns nothing when allowed. */
export function ensureAllowed(result: Authorization): void {
  if (!result.allowed) throw result.error;
}

function hasRole(actor: Principal, role: Role): boolean {
  return actor.roles.includes(role);
}

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

/** A lawyer acts (records rulings, enforcement, applies to the fund, withdraws) only on claims they filed or are assigned to. */
export function canActAsLawyerOn(actor: Principal, claim: ClaimAccess): Authorization {
  if (!hasRole(actor, 'lawyer')) return missingRole(actor, ['lawyer'], 'act as the victim\'s lawyer on this claim');
  if (claim.filedBy === actor.sub || claim.assignedLawyers.includes(actor.sub)) return ALLOWED;
  return refuse('not-your-claim', 'You can act only on claims you filed or to which you are assigned.');
}

/** Fund staff act in a role they hold and only in the jurisdictions of their token. */
export function canActAsFundStaff(actor: Principal, jurisdiction: Jurisdiction, role: FundRole): Authorization {
  if (!hasRole(actor, role)) return missingRole(actor, [role], `act as ${role}`);
  return inJurisdiction(actor, jurisdiction, `act as ${role}`);
}

/** Assess a claim: a fund assessor of the claim's jurisdiction. */
export function canAssess(actor: Principal, claim: ClaimAccess): Authorization {
  return canActAsFundStaff(actor, claim.jurisdiction, 'fund-assessor');
}

/**
 * Approve an award: a fund approver of the claim's jurisdiction who is not the assessor of the
 * claim (four-eyes) and has not already approved it (two approvals must come from two people).
 */
export function canApprove(actor: Principal, claim: ClaimAccess): Authorization {
  const staff = canActAsFundStaff(actor, claim.jurisdiction, 'fund-approver');
  if (!staff.allowed) return staff;
  if (claim.assessedBy != null && claim.assessedBy === actor.sub) {
    return refuse('four-eyes', 'The person who assessed a claim cannot approve it: a second person must check the assessment.');
  }
  if (claim.approvedBy.includes(actor.sub)) {
    return refuse('already-approved', 'You have already approved this award; a second approval must come from another approver.');
  }
  return ALLOWED;
}

/** Disburse a payout: fund finance of the claim's jurisdiction, never an approver of the same award. */
export function canDisburse(actor: Principal, claim: ClaimAccess): Authorization {
  const staff = canActAsFundStaff(actor, claim.jurisdiction, 'fund-finance');
  if (!staff.allowed) return staff;
  if (claim.approvedBy.includes(actor.sub)) {
    return refuse('four-eyes', 'A person who approved an award cannot also pay it out.');
  }
  return ALLOWED;
}

/** Allocate a fund year's budget: a fund admin of that jurisdiction. */
export function canAllocateBudget(actor: Principal, jurisdiction: Jurisdiction): Authorization {
  return canActAsFundStaff(actor, jurisdiction, 'fund-admin');
}

/**
 * Read a claim: auditors read every claim; a lawyer reads the claims they filed or are assigned
 * to; fund staff read the claims of their jurisdictions. The `dpo` role alone reads no claim.
 */
export function canRead(actor: Principal, claim: ClaimAccess): Authorization {
  if (hasRole(actor, 'auditor')) return ALLOWED;
  const fundRoles: FundRole[] = ['fund-assessor', 'fund-approver', 'fund-finance', 'fund-admin'];
  if (fundRoles.some((r) => hasRole(actor, r)) && actor.jurisdictions.includes(claim.jurisdiction)) return ALLOWED;
  if (hasRole(actor, 'lawyer') && (claim.filedBy === actor.sub || claim.assignedLawyers.includes(actor.sub))) return ALLOWED;
  if (hasRole(actor, 'lawyer')) return refuse('not-your-claim', 'You can see only claims you filed or to which you are assigned.');
  if (fundRoles.some((r) => hasRole(actor, r))) {
    return inJurisdiction(actor, claim.jurisdiction, 'see claims');
  }
  return refuse('forbidden-role', 'Your role does not allow you to see claims.', { roles: actor.roles });
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
 * Read a victim's personal data: the lawyer who filed the claim (they represent the victim) and
 * fund staff who handle claims (assessor, approver, finance) of its jurisdiction. Nobody else:
 * not auditors, `fund-admin`, the `dpo` (erases without reading), other lawyers or staff of
 * other jurisdictions.
 */
export function canReadPersonalData(actor: Principal, claim: Pick<ClaimAccess, 'jurisdiction' | 'filedBy'>): Authorization {
  if (hasRole(actor, 'lawyer') && claim.filedBy === actor.sub) return ALLOWED;
  if (PERSONAL_DATA_READERS.some((r) => hasRole(actor, r)) && actor.jurisdictions.includes(claim.jurisdiction)) return ALLOWED;
  return refuse('personal-data-forbidden', 'Your role does not allow you to read this victim\'s personal data.', { roles: actor.roles });
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

/** Read the digest of the whole read model: an operator, or an auditor (who reads every claim anyway). */
export function canReadDigest(actor: Principal): Authorization {
  if (hasRole(actor, 'operator') || hasRole(actor, 'auditor')) return ALLOWED;
  return refuse('forbidden-role', 'Only an operator or an auditor can read the digest of the whole read model.', { needed: ['operator', 'auditor'], roles: actor.roles });
}
