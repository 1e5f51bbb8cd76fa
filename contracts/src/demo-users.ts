import type { Jurisdiction, Role } from './primitives.js';

/**
 * The users of the embedded mode (`npm start`): the command service prints a token for each, and
 * the console offers them on its sign-in page. One list, so both always offer the same people.
 * Production has no demo users: an identity provider signs people in.
 */
export interface DemoUser {
  sub: string;
  name: string;
  roles: Role[];
  jurisdictions: Jurisdiction[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  { sub: 'lawyer-1', name: 'Demo Lawyer', roles: ['lawyer'], jurisdictions: ['RS'] },
  { sub: 'assessor-1', name: 'Demo Assessor', roles: ['fund-assessor'], jurisdictions: ['RS'] },
  { sub: 'approver-1', name: 'Demo Approver One', roles: ['fund-approver'], jurisdictions: ['RS'] },
  { sub: 'approver-2', name: 'Demo Approver Two', roles: ['fund-approver'], jurisdictions: ['RS'] },
  { sub: 'finance-1', name: 'Demo Finance Officer', roles: ['fund-finance'], jurisdictions: ['RS'] },
  { sub: 'admin-1', name: 'Demo Fund Admin', roles: ['fund-admin'], jurisdictions: ['RS'] },
  { sub: 'auditor-1', name: 'Demo Auditor', roles: ['auditor'], jurisdictions: ['RS'] },
  { sub: 'dpo-1', name: 'Demo Data-Protection Officer', roles: ['dpo'], jurisdictions: ['RS'] },
  { sub: 'operator-1', name: 'Demo Operator', roles: ['operator'], jurisdictions: ['RS'] },
  // A regional monitor: the published aggregates of every jurisdiction, never a claim.
  { sub: 'monitor-1', name: 'Demo Monitor (regional)', roles: ['monitor'], jurisdictions: ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'] },
  // Of another jurisdiction: sees none of the claims of the others.
  { sub: 'lawyer-1-ba', name: 'Demo Lawyer (Bosnia and Herzegovina)', roles: ['lawyer'], jurisdictions: ['BA'] },
];
