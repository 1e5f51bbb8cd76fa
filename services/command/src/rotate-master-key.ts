/**
 * `pnpm rotate:master-key`: rewraps every victim's data key in the key store (KEY_STORE=file
 * under DATA_DIR, or nats) under the new master key, MASTER_KEY (or MASTER_KEY_FILE), from the
 * previous one(s), MASTER_KEY_PREVIOUS (or MASTER_KEY_PREVIOUS_FILE); then makes the new key the
 * store's. Progress on stderr, the counts on stdout. Safe to run while the services run with both
 * keys, and to run again after a crash (docs/operations.md, "Rotate keys", gives the procedure).
 *
 * Keys wrapped before rotation existed bind the victim reference, which the store does not hold:
 * the references are then read from the event store (ESDB_CONNECTION_STRING, a user that may
 * read $all), where the events that name a victim carry them.
 */
import { EventStoreDBClient, FORWARDS, START } from '@eventstore/db-client';
import { masterKeyId, openKeyStore, rewrapKeyStore, type RewrapReport } from '@cfund/eventstore';
import { ConfigError, Progress, keyStoreDir, loadConfigOrExit, natsConnectOptions, reportProgress, resolveSecrets, runOneShot } from '@cfund/service-kit';
import { connect, type NatsConnection } from 'nats';
import { loadConfig } from './config.js';

const NAME = 'rotate:master-key';

/** The victim reference of every event that names one (ClaimFiled, payee details, access records...). */
async function* victimRefsInEventStore(client: EventStoreDBClient): AsyncIterable<string> {
  for await (const resolved of client.readAll({ direction: FORWARDS, fromPosition: START, resolveLinkTos: false })) {
    const event = resolved.event;
    if (!event || event.type.startsWith('$') || !event.isJson) continue;
    const victimRef = (event.data as { victimRef?: unknown } | null)?.victimRef;
    if (typeof victimRef === 'string') yield victimRef;
  }
}

/** Testing only: SIGKILLs this process after that many keys (a crash in the middle of a rotation). */
function killAfter(): ((done: number) => void) | undefined {
  const n = Number(process.env.CFUND_ROTATE_KILL_AFTER ?? '');
  return Number.isInteger(n) && n > 0 ? (done) => { if (done === n) process.kill(process.pid, 'SIGKILL'); } : undefined;
}

function summary(r: RewrapReport, newKeyId: string): string {
  const counts = `${r.total} victims: ${r.rewrapped} rewrapped, ${r.alreadyCurrent} already under the new key, ${r.erased} erased (left as they are), ${r.unresolved} unresolved`;
  return r.checkMoved
    ? `${counts}\nthe key store's master key is now ${newKeyId}: the services may drop MASTER_KEY_PREVIOUS once every instance runs with the new key\n`
    : `${counts}\nthe key store's master key was NOT changed: ${r.unresolved} keys were wrapped before rotation existed and no event names their victim. Keep MASTER_KEY_PREVIOUS set and see docs/operations.md\n`;
}

async function main(): Promise<number> {
  const config = loadConfigOrExit(NAME, () => loadConfig());
  if (!config.MASTER_KEY_PREVIOUS && !config.MASTER_KEY_PREVIOUS_FILE) {
    throw new ConfigError('invalid configuration: MASTER_KEY_PREVIOUS: required: set MASTER_KEY (or MASTER_KEY_FILE) to the new master key and MASTER_KEY_PREVIOUS (or MASTER_KEY_PREVIOUS_FILE) to the old one');
  }
  const secrets = await resolveSecrets(config);
  let nc: NatsConnection | undefined;
  let client: EventStoreDBClient | undefined;
  const keyStore = await openKeyStore({ ...config, keyStoreDir: keyStoreDir(config.DATA_DIR) }, async () => {
    nc = await connect({ ...natsConnectOptions(config), name: 'rotate-master-key' });
    return nc;
  });
  // Created once the store has been listed: its total is known then.
  let progress: Progress | undefined;
  const reporter = reportProgress(NAME, () => progress?.snapshot(), { unit: 'keys' });
  const kill = killAfter();
  try {
    const report = await rewrapKeyStore({
      keyStore, masterKey: secrets.masterKey, previousMasterKeys: secrets.previousMasterKeys,
      victimRefs: () => {
        process.stderr.write(`${NAME}: keys wrapped before rotation existed: reading the victim references from the event store\n`);
        client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
        return victimRefsInEventStore(client);
      },
      onProgress: ({ total }) => { (progress ??= new Progress({ total })).advance(1); },
      ...(kill ? { afterKey: kill } : {}),
    });
    progress?.finish();
    reporter.stop();
    process.stdout.write(summary(report, masterKeyId(secrets.masterKey)));
    return report.checkMoved ? 0 : 1;
  } finally {
    reporter.stop();
    await client?.dispose();
    await nc?.drain();
  }
}

runOneShot(NAME, main);
