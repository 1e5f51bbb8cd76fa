#!/usr/bin/env node
/**
 * pnpm -s run token --sub <id> --role <role> [--role <role>]... [--jurisdiction RS]... [--name <name>] [--ttl <seconds>]
 * Prints an HS256 token valid for the embedded mode: the secret is JWT_SECRET, JWT_SECRET_FILE,
 * or the one generated in DATA_DIR/secrets/jwt-secret (created if missing, as the service does).
 */
import { parseArgs } from 'node:util';
import { JurisdictionSchema, RoleSchema, type Jurisdiction, type Role } from '@cfund/contracts';
import { ConfigError, loadConfig } from './config.js';
import { jwtSecretPath, loadOrCreateJwtSecret, readJwtSecretFile, signToken } from '@cfund/service-kit';

const USAGE = 'usage: pnpm -s run token --sub <id> --role <role> [--role <role>]... [--jurisdiction <RS|BA|ME|AL|MK|XK>]... [--name <name>] [--ttl <seconds>]';

async function run(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' }, role: { type: 'string', multiple: true }, jurisdiction: { type: 'string', multiple: true },
      name: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) return USAGE;
  if (!values.sub) throw new ConfigError(`--sub is required\n${USAGE}`);
  const roles: Role[] = (values.role ?? []).map((r) => {
    const p = RoleSchema.safeParse(r);
    if (!p.success) throw new ConfigError(`unknown role ${r}; one of ${RoleSchema.options.join(', ')}`);
    return p.data;
  });
  if (roles.length === 0) throw new ConfigError(`at least one --role is required\n${USAGE}`);
  const jurisdictions: Jurisdiction[] = (values.jurisdiction ?? []).map((j) => {
    const p = JurisdictionSchema.safeParse(j.toUpperCase());
    if (!p.success) throw new ConfigError(`unknown jurisdiction ${j}; one of ${JurisdictionSchema.options.join(', ')}`);
    return p.data;
  });
  const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) throw new ConfigError('--ttl must be a positive number of seconds');
  const config = loadConfig();
  if (config.JWKS_URL) throw new ConfigError('JWKS_URL is set: tokens come from your identity provider, not from this CLI');
  const secret = config.JWT_SECRET ? new TextEncoder().encode(config.JWT_SECRET)
    : config.JWT_SECRET_FILE ? await readJwtSecretFile(config.JWT_SECRET_FILE)
      : (await loadOrCreateJwtSecret(jwtSecretPath(config.DATA_DIR))).secret;
  return signToken(secret, {
    sub: values.sub, roles, jurisdictions, ...(values.name ? { name: values.name } : {}), ...(ttlSeconds ? { ttlSeconds } : {}),
  });
}

run(process.argv.slice(2)).then((out) => {
  process.stdout.write(`${out}\n`);
}, (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
