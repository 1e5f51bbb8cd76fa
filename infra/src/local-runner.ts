// `npm start`: runs the embedded default on this machine. See infra/README.md.
//   node infra/dist/local-runner.js            start everything, stop on Ctrl-C / SIGTERM
//   node infra/dist/local-runner.js --cleanup  only stop what a killed runner left behind
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadLocalConfig } from './config.js';
import { writeErr, whenOutputGone } from './output.js';
import { PRIVATE_UMASK } from './private-files.js';
import { watchParent } from './processes.js';
import { RunStateFile } from './run-state.js';
import { LocalRunner, StoppingError, log } from './runner.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// Before anything is written: the lock file, and every file of the event store, nats-server and
// the services (children inherit the umask), is created private.
process.umask(PRIVATE_UMASK);

function loadConfigOrExit() {
  try {
    return loadLocalConfig(process.env, repoRoot);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeErr(`[local-runner] ${error.message}\nSee "Configuration" in README.md.\n`);
    process.exit(2);
  }
}

async function cleanup(): Promise<void> {
  const state = new RunStateFile(join(loadConfigOrExit().dataDir, 'local-runner.json'));
  for (const note of await state.claim()) log(note);
  state.release();
}

async function run(): Promise<void> {
  const runner = new LocalRunner(loadConfigOrExit());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // A Ctrl-C may arrive several times (from the terminal and forwarded by npm): one shutdown.
    process.on(signal, () => void runner.shutdown(0, `received ${signal}, stopping`));
  }
  // Whoever started us (the bootstrap, npm) was killed without passing a signal on: stop too,
  // rather than keep the ports bound with nobody left to stop us.
  watchParent((parent) => void runner.shutdown(0, `the process that started the runner (pid ${parent}) is gone, stopping`));
  // Likewise when nobody reads its output any more (see output.ts).
  whenOutputGone((reason) => void runner.shutdown(0, `its output ${reason}, stopping`));
  // A bug in the runner must still stop the children gracefully rather than orphan them.
  const internalError = (error: unknown) => {
    writeErr(`[local-runner] internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    void runner.shutdown(1, 'stopping after an internal error');
  };
  process.on('uncaughtException', internalError);
  process.on('unhandledRejection', internalError);
  try {
    await runner.start();
  } catch (error) {
    if (error instanceof StoppingError || runner.isStopping) return;
    writeErr(`[local-runner] cannot start: ${(error as Error).message}\n`);
    await runner.shutdown(1, 'stopping what was started');
  }
}

await (process.argv.includes('--cleanup') ? cleanup() : run());
