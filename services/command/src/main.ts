/**
 * The command service process: reads the configuration (a wrong variable stops it with its
 * name, exit code 2), opens the event store client and the key store, listens, and shuts down
 * gracefully on SIGTERM/SIGINT (stop accepting, finish requests in flight, close the client).
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import { FileKeyStore, PersonalDataProtector, createLogger } from '@cfund/eventstore';
import { JURISDICTIONS, type Role } from '@cfund/contracts';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { startReconciler } from './reconciler.js';
import { httpLimitsOf, keyStoreDir, natsConnectOptions, onShutdownSignals, resolveSecrets, runMain, signToken } from '@cfund/service-kit';
import { eventSigningKey, startRelayHost, type RelayHost } from '@cfund/messaging';

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

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`command service: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.LOG_LEVEL, base: { service: 'command' } });
  let secrets;
  try {
    secrets = await resolveSecrets(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`command service: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  for (const note of secrets.notes) logger.info(note);

  const client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
  const keyStore = await FileKeyStore.open(keyStoreDir(config.DATA_DIR));
  const protector = await PersonalDataProtector.open({ keyStore, masterKey: secrets.masterKey });
  let relay: RelayHost | undefined;
  const app = await buildApp({
    http: httpLimitsOf(config),
    client, chainSigner: secrets.chainSigner, protector, logger, bodyLimit: config.BODY_LIMIT, fingerprintSecret: secrets.masterKey,
    // Not NATS itself (a NATS outage must not take the write side out of rotation): a relay stuck with NATS up.
    readyChecks: { relay: () => relay?.stuck() === undefined },
    ...(secrets.jwtSecret ? { jwtSecret: secrets.jwtSecret } : {}),
    ...(config.JWKS_URL ? { jwksUrl: config.JWKS_URL } : {}),
    ...(config.JWT_ISSUER ? { jwtIssuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { jwtAudience: config.JWT_AUDIENCE } : {}),
    jwtMaxLifetimeSeconds: config.JWT_MAX_LIFETIME,
    ...(config.CFUND_FAULT_INJECTION === 'kill-after-funds-committed'
      ? { afterFundsCommitted: () => { process.kill(process.pid, 'SIGKILL'); } }
      : {}),
  });
  if (config.CFUND_FAULT_INJECTION) logger.warn({ fault: config.CFUND_FAULT_INJECTION }, 'fault injection is on (testing only)');

  let stopReconciler: () => void = () => undefined;
  onShutdownSignals(async () => {
    stopReconciler();
    await app.close();
    await relay?.stop(); // releases the relay lease, so a standby takes over at once
    await client.dispose();
  }, { logger });

  const address = await app.listen({ port: config.PORT, host: config.HOST });
  stopReconciler = startReconciler(app.commandService, config.RECONCILE_INTERVAL_MS, logger);
  // Only with NATS_URL set explicitly (the runner sets it): a process started without it (tests,
  // benchmarks) must not join the relay of whatever NATS listens on the default port.
  if (config.RELAY_ENABLED && process.env.NATS_URL) {
    const { servers, ...natsOptions } = natsConnectOptions(config);
    relay = startRelayHost({ eventStore: client, natsUrl: servers, natsOptions, signingKey: eventSigningKey(secrets.masterKey), logger });
  }
  logger.info(`command service ready on ${address} (docs: ${address}/docs)`);

  if (config.embedded && secrets.jwtSecret) {
    const jurisdiction = JURISDICTIONS[0];
    const lines = [`demo tokens (embedded mode, jurisdiction ${jurisdiction}, valid ${config.JWT_MAX_LIFETIME / 3600} h; more with: pnpm -s run token --sub <id> --role <role> --jurisdiction ${jurisdiction}):`];
    for (const u of DEMO_USERS) {
      const token = await signToken(secrets.jwtSecret, {
        sub: u.sub, name: u.name, roles: u.roles, jurisdictions: [jurisdiction],
        ttlSeconds: config.JWT_MAX_LIFETIME, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE,
      });
      lines.push(`  ${u.roles.join(',').padEnd(14)} ${u.sub.padEnd(11)} ${token}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

runMain('command service', main);
