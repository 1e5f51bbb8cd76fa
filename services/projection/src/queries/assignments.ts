/**
 * Work queues by assignment: the claims a person acts on ("mine"), the claims awaiting
 * assessment that no assessor holds yet ("unassigned", for those who may take or assign them),
 * and a fund admin's view of every assessor's open claims. Fund staff see only their
 * jurisdictions; whoever asks sees no claim they could not read.
 */
import { assignmentQueueScope, type Principal } from '@cfund/domain';
import type { AssignmentRole } from '../read-model/claim-record.js';
import type { ReadModelStore } from '../read-model/store.js';

export interface AssignedClaim {
  claimId: string;
  publicReference: string | null;
  jurisdiction: string;
  status: string;
  /** Since when the claim waits (its last event). */
  since: string;
  /** The caller's part on the claim: lead, co-counsel or assessor (the queue "unassigned": none). */
  as?: AssignmentRole;
}

/** Statuses in which a claim is still open (an assessor's load counts these). */
const OPEN = ['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed', 'scheduled'];
const list = (xs: readonly string[]) => xs.map(() => '?').join(', ');

interface Row { claim_id: string; public_reference: string | null; jurisdiction: string; status: string; updated_at: string; role?: AssignmentRole }
const item = (r: Row): AssignedClaim => ({
  claimId: r.claim_id, publicReference: r.public_reference, jurisdiction: r.jurisdiction, status: r.status, since: r.updated_at,
  ...(r.role === undefined ? {} : { as: r.role }),
});

/**
 * The claims the caller leads, is co-counsel on or assesses, oldest waiting first: of their
 * token's jurisdictions only, for lawyers too (the domain's `readableClaims`).
 */
export function myClaims(store: ReadModelStore, p: Principal): AssignedClaim[] {
  const roles = [...(p.roles.includes('lawyer') ? ['lead', 'co-counsel'] : []), ...(p.roles.includes('fund-assessor') ? ['assessor'] : [])];
  if (roles.length === 0) return [];
  const rows = store.db.prepare(`SELECT c.claim_id, c.public_reference, c.jurisdiction, c.status, c.updated_at, a.role
    FROM claim_assignments a JOIN claims c ON c.claim_id = a.claim_id
    WHERE a.person = ? AND a.role IN (${list(roles)}) AND c.jurisdiction IN (${list(p.jurisdictions)})
    ORDER BY c.updated_at, c.claim_id`).all(p.sub, ...roles, ...p.jurisdictions) as Row[];
  return rows.map(item);
}

/** The jurisdictions of the queue the caller may see (@cfund/domain's `assignmentQueueScope`). */
function queueJurisdictions(p: Principal, queue: 'take' | 'assign'): readonly string[] {
  const scope = assignmentQueueScope(p, queue);
  if (!scope.allowed) throw scope.error;
  return scope.jurisdictions === 'all' ? [] : scope.jurisdictions;
}

/** Claims awaiting assessment with no assessor of record, in the caller's jurisdictions. */
export function unassignedClaims(store: ReadModelStore, p: Principal): AssignedClaim[] {
  const j = queueJurisdictions(p, 'take');
  const rows = store.db.prepare(`SELECT claim_id, public_reference, jurisdiction, status, updated_at FROM claims
    WHERE status = 'applied' AND jurisdiction IN (${list(j)})
      AND claim_id NOT IN (SELECT claim_id FROM claim_assignments WHERE role = 'assessor')
    ORDER BY updated_at, claim_id`).all(...j) as Row[];
  return rows.map(item);
}

export interface AssessorLoad { assessor: string; jurisdiction: string; openClaims: number }

/** Every assessor's open claims in the caller's jurisdictions (a fund admin's view), busiest first. */
export function assessorLoad(store: ReadModelStore, p: Principal): AssessorLoad[] {
  const j = queueJurisdictions(p, 'assign');
  return store.db.prepare(`SELECT a.person AS assessor, c.jurisdiction, COUNT(*) AS openClaims
    FROM claim_assignments a JOIN claims c ON c.claim_id = a.claim_id
    WHERE a.role = 'assessor' AND c.status IN (${list(OPEN)}) AND c.jurisdiction IN (${list(j)})
    GROUP BY a.person, c.jurisdiction ORDER BY openClaims DESC, a.person, c.jurisdiction`).all(...OPEN, ...j) as AssessorLoad[];
}
