/** The tokens printed at start in the embedded mode, one per demo user (the users are in contracts). */
import { DEMO_USERS } from '@cfund/contracts';
import { signToken, type CommonConfig } from '@cfund/service-kit';

/** A token for each demo user, valid JWT_MAX_LIFETIME, as lines to print. */
export async function demoTokens(secret: Uint8Array, config: Pick<CommonConfig, 'JWT_MAX_LIFETIME' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>): Promise<string> {
  const lines = [`demo tokens (embedded mode, valid ${config.JWT_MAX_LIFETIME / 3600} h; more with: pnpm -s run token --sub <id> --role <role> --jurisdiction <RS|BA|...>):`];
  for (const u of DEMO_USERS) {
    const token = await signToken(secret, {
      sub: u.sub, name: u.name, roles: u.roles, jurisdictions: u.jurisdictions,
      ttlSeconds: config.JWT_MAX_LIFETIME, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE,
    });
    lines.push(`  ${u.roles.join(',').padEnd(14)} ${u.jurisdictions.join(',').padEnd(3)} ${u.sub.padEnd(11)} ${token}`);
  }
  return lines.join('\n');
}
