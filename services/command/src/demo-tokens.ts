/** The demo users of the embedded mode, one per role, and the tokens printed for them at start. */
import { JURISDICTIONS, type Role } from '@cfund/contracts';
import { signToken, type CommonConfig } from '@cfund/service-kit';

const DEMO_USERS: { sub: string; name: string; roles: Role[] }[] = [
  { sub: 'lawyer-1', name: 'Demo Lawyer', roles: ['lawyer'] },
  { sub: 'assessor-1', name: 'Demo Assessor', roles: ['fund-assessor'] },
  { sub: 'approver-1', name: 'Demo Approver One', roles: ['fund-approver'] },
  { sub: 'approver-2', name: 'Demo Approver Two', roles: ['fund-approver'] },
  { sub: 'finance-1', name: 'Demo Finance Officer', roles: ['fund-finance'] },
  { sub: 'admin-1', name: 'Demo Fund Admin', roles: ['fund-admin'] },
  { sub: 'auditor-1', name: 'Demo Auditor', roles: ['auditor'] },
  { sub: 'dpo-1', name: 'Demo Data-Protection Officer', roles: ['dpo'] },
  { sub: 'operator-1', name: 'Demo Operator', roles: ['operator'] },
];

/** A token for each demo user in the first jurisdiction, valid JWT_MAX_LIFETIME, as lines to print. */
export async function demoTokens(secret: Uint8Array, config: Pick<CommonConfig, 'JWT_MAX_LIFETIME' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>): Promise<string> {
  const jurisdiction = JURISDICTIONS[0];
  const lines = [`demo tokens (embedded mode, jurisdiction ${jurisdiction}, valid ${config.JWT_MAX_LIFETIME / 3600} h; more with: pnpm -s run token --sub <id> --role <role> --jurisdiction ${jurisdiction}):`];
  for (const u of DEMO_USERS) {
    const token = await signToken(secret, {
      sub: u.sub, name: u.name, roles: u.roles, jurisdictions: [jurisdiction],
      ttlSeconds: config.JWT_MAX_LIFETIME, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE,
    });
    lines.push(`  ${u.roles.join(',').padEnd(14)} ${u.sub.padEnd(11)} ${token}`);
  }
  return lines.join('\n');
}
