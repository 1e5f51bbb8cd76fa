/**
 * Which claims a caller may read, as a SQL condition over the `claims` (or `claim_deadlines`)
 * columns `jurisdiction` and `filed_by`: the rule of `canRead` in @cfund/domain (auditors read
 * every claim; fund staff the claims of their jurisdictions; a lawyer the claims they filed),
 * which the detail endpoints apply to a single claim.
 */
import type { Principal } from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';

const FUND_ROLES = ['fund-assessor', 'fund-approver', 'fund-finance', 'fund-admin'] as const;

export interface Visibility {
  where: string;
  params: string[];
}

export function visibleClaims(p: Principal): Visibility {
  if (p.roles.includes('auditor')) return { where: '1 = 1', params: [] };
  const parts: string[] = [];
  const params: string[] = [];
  if (FUND_ROLES.some((r) => p.roles.includes(r)) && p.jurisdictions.length > 0) {
    parts.push(`jurisdiction IN (${p.jurisdictions.map(() => '?').join(', ')})`);
    params.push(...p.jurisdictions);
  }
  if (p.roles.includes('lawyer')) {
    parts.push('filed_by = ?');
    params.push(p.sub);
  }
  if (parts.length === 0) {
    throw new HttpProblem(403, 'Forbidden', 'Your role does not allow you to see claims.', { code: 'forbidden-role' });
  }
  return { where: `(${parts.join(' OR ')})`, params };
}
