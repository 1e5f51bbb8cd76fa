/**
 * The console's single-page app, built for browser tests. `npm test` builds it before tap runs;
 * the console's build script (services/console/web/build.mjs, the one home of "is it up to date"
 * and of the lock) rebuilds it only when a source changed, and one build at a time: vite empties
 * its output directory first, so two builds at once would make the console another test is
 * driving answer 404 for its own script.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const buildScript = join(repoRoot, 'services', 'console', 'web', 'build.mjs');

/** Builds the console's app unless it is up to date; waits while another process builds it. */
export async function buildConsoleWeb(): Promise<void> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [buildScript], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  if (!stdout.includes('up to date')) process.stdout.write(stdout + stderr);
}
