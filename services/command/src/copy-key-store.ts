/**
 * `pnpm keys:copy-to-nats`: copies the victims' wrapped keys from the file key store under
 * DATA_DIR (KEY_STORE=file, one host) into the NATS key store the command service is configured
 * with (KEY_STORE=nats: KEY_STORE_BUCKET on NATS_URL, NATS_STREAM_REPLICAS), erasures included.
 * No master key is needed: wrapped keys are copied as they are. Run it with the services stopped,
 * before they start with KEY_STORE=nats (docs/operations.md, "Move the victims' keys to NATS");
 * safe to run again. Progress on stderr, the counts on stdout.
 */
import { FileKeyStore, NatsKeyStore, copyKeyStore } from '@cfund/eventstore';
import { ConfigError, Progress, keyStoreDir, loadConfigOrExit, natsConnectOptions, reportProgress, runOneShot } from '@cfund/service-kit';
import { existsSync } from 'node:fs';
import { connect } from 'nats';
import { loadConfig } from './config.js';

const NAME = 'keys:copy-to-nats';

async function main(): Promise<number> {
  const config = loadConfigOrExit(NAME, () => loadConfig());
  if (config.KEY_STORE !== 'nats') {
    throw new ConfigError('invalid configuration: KEY_STORE: must be nats (the target of the copy; the source is the file key store under DATA_DIR)');
  }
  const dir = keyStoreDir(config.DATA_DIR);
  if (!existsSync(dir)) throw new ConfigError(`invalid configuration: DATA_DIR: no file key store at ${dir}`);
  const from = await FileKeyStore.open(dir, { readOnly: true });
  const nc = await connect({ ...natsConnectOptions(config), name: 'copy-key-store' });
  let progress: Progress | undefined;
  const reporter = reportProgress(NAME, () => progress?.snapshot(), { unit: 'keys' });
  try {
    const to = await NatsKeyStore.open(nc, { bucket: config.KEY_STORE_BUCKET, replicas: config.NATS_STREAM_REPLICAS });
    const report = await copyKeyStore({ from, to, onProgress: ({ total }) => { (progress ??= new Progress({ total })).advance(1); } });
    progress?.finish();
    reporter.stop();
    process.stdout.write(`${report.total} victims: ${report.copied} keys copied, ${report.alreadyThere} already in ${to.bucket}, ${report.erased} erased, ${report.conflicts.length} conflicts\n`);
    if (report.conflicts.length > 0) {
      process.stdout.write(`the bucket holds another key (or an erasure) for: ${report.conflicts.join(', ')}: left as the bucket has them; find out why before the services start on it\n`);
      return 1;
    }
    return 0;
  } finally {
    reporter.stop();
    await nc.drain();
  }
}

runOneShot(NAME, main);
