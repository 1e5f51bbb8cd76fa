#!/usr/bin/env node
/**
 * pnpm -s run token --sub <id> --role <role> [--role <role>]... [--jurisdiction RS]... [--name <name>] [--locale <tag>] [--ttl <seconds>]
 * Prints an HS256 token the services accept: issuer JWT_ISSUER, audience JWT_AUDIENCE, valid
 * JWT_MAX_LIFETIME unless --ttl asks for less. The secret is JWT_SECRET, JWT_SECRET_FILE, or the
 * one the running system generated in DATA_DIR/secrets/jwt-secret (DATA_DIR relative to the
 * repository root, as for `npm start`). It never creates that secret: a secret of its own would
 * only mint tokens the services refuse.
 * Imports only `@cfund/service-kit/token` and contracts' primitives, so that it starts quickly.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { JurisdictionSchema, RoleSchema, type Jurisdiction, type Role } from '@cfund/contracts/primitives';
import { ConfigError, commonEnv, jwtSecretPath, parseEnv, readJwtSecretFile, signToken, tokenLocaleOf } from '@cfund/service-kit/token';

const USAGE = 'usage: pnpm -s run token --sub <id> --role <role> [--role <role>]... [--jurisdiction <RS|BA|ME|AL|MK|XK>]... [--name <name>] [--locale <tag, e.g. sr-Latn>] [--ttl <seconds>]';

/** services/command/dist/ -> the repository root. */
const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');

async function embeddedSecret(dataDir: string): Promise<Uint8Array> {
  const path = jwtSecretPath(isAbsolute(dataDir) ? dataDir : resolve(repoRoot, dataDir));
  if (!existsSync(path)) {
    throw new ConfigError(`no JWT secret at ${path}: no service has started with DATA_DIR=${dataDir}. `
      + 'Start the system first (npm start), or give this command the DATA_DIR the services run with, '
      + 'e.g. DATA_DIR=/srv/cfund-data pnpm -s run token ... (or their JWT_SECRET / JWT_SECRET_FILE).');
  }
  return readJwtSecretFile(path);
}

async function run(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' }, role: { type: 'string', multiple: true }, jurisdiction: { type: 'string', multiple: true },
      name: { type: 'string' }, locale: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' },
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
  if (values.locale !== undefined && tokenLocaleOf({ locale: values.locale }) === undefined) {
    throw new ConfigError(`--locale must be a language tag such as en, sr-Latn or sq; got ${values.locale}`);
  }
  // The variables every service reads (the command service's own ones play no part here).
  const config = parseEnv(commonEnv(0));
  const ttlSeconds = values.ttl === undefined ? config.JWT_MAX_LIFETIME : Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > config.JWT_MAX_LIFETIME) {
    throw new ConfigError(`--ttl must be a whole number of seconds from 1 to ${config.JWT_MAX_LIFETIME} (JWT_MAX_LIFETIME): the services refuse longer-lived tokens`);
  }
  if (config.JWKS_URL) throw new ConfigError('JWKS_URL is set: tokens come from your identity provider, not from this CLI');
  const secret = config.JWT_SECRET ? new TextEncoder().encode(config.JWT_SECRET)
    : config.JWT_SECRET_FILE ? await readJwtSecretFile(config.JWT_SECRET_FILE)
      : await embeddedSecret(config.DATA_DIR);
  return signToken(secret, {
    sub: values.sub, roles, jurisdictions, ...(values.name ? { name: values.name } : {}), ...(values.locale ? { locale: values.locale } : {}),
    ttlSeconds, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE,
  });
}

run(process.argv.slice(2)).then((out) => {
  process.stdout.write(`${out}\n`);
}, (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
