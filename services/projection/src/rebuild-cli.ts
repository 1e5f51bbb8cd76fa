/**
 * `pnpm rebuild:projections`: rebuilds the read model under DATA_DIR from EventStoreDB
 * (ESDB_CONNECTION_STRING) and prints the digest; meanwhile its progress on stderr (a bar redrawn
 * in place on a terminal, a line every 5 s otherwise, and a last one). Run it with the projection service stopped
 * (or use its POST /admin/rebuild, which pauses the consumer itself).
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import { createLogger, defaultLogFormat, loadConfigOrExit, reportProgress } from '@cfund/service-kit';
import { loadConfig } from './config.js';
import { ProjectionRunner } from './read-model/runner.js';
import { ReadModelStore, readModelPath } from './read-model/store.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('rebuild:projections', () => loadConfig());
  const logger = createLogger({ level: config.LOG_LEVEL, base: { service: 'projection-rebuild' }, format: config.LOG_FORMAT ?? defaultLogFormat() });
  const client = EventStoreDBClient.connectionString(config.ESDB_CONNECTION_STRING);
  const store = new ReadModelStore(readModelPath(config.DATA_DIR));
  const runner = new ProjectionRunner(store, client, logger);
  const progress = reportProgress('rebuild', () => runner.rebuildProgress());
  try {
    const r = await runner.rebuild();
    progress.stop();
    process.stdout.write(`rebuilt ${store.path} from ${r.events} events (${r.applied} applied) in ${r.seconds.toFixed(2)} s\ndigest ${r.digest}\n`);
  } finally {
    progress.stop();
    store.close();
    await client.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild:projections failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
