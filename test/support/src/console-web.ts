/**
 * The console's single-page app, built for browser tests. `npm test` builds it before tap runs;
 * a test builds it again only when its sources are newer, and under a lock: vite empties its
 * output directory first, so two test files building at once would make the console another
 * test is driving answer 404 for its own script.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const built = join(repoRoot, 'services', 'console', 'dist', 'web', 'index.html');
const lock = join(repoRoot, 'services', 'console', 'dist', '.web-build.lock');
// What the app is built from: its own sources and the workspace sources it imports.
const sources = ['services/console/web', 'contracts/src', 'packages/domain/src'].map((p) => join(repoRoot, p));
const LOCK_STALE_MS = 5 * 60_000;

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestChange(join(path, entry)));
  }
  return newest;
}

function upToDate(): boolean {
  try {
    const builtAt = statSync(built).mtimeMs;
    return sources.every((source) => newestChange(source) <= builtAt);
  } catch {
    return false;
  }
}

function tryLock(): boolean {
  try {
    mkdirSync(lock, { recursive: false });
    return true;
  } catch {
    // A lock left by a killed test run is taken over.
    try {
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmdirSync(lock);
    } catch { /* taken by another in the meantime */ }
    return false;
  }
}

/** Builds the console's app unless it is up to date; waits while another test file builds it. */
export async function buildConsoleWeb(): Promise<void> {
  mkdirSync(dirname(lock), { recursive: true });
  while (!upToDate()) {
    if (!tryLock()) {
      await new Promise((done) => setTimeout(done, 250));
      continue;
    }
    try {
      if (!upToDate()) execFileSync('pnpm', ['--filter', '@cfund/console', 'build:web'], { cwd: repoRoot, stdio: 'inherit' });
    } finally {
      rmdirSync(lock);
    }
  }
}
