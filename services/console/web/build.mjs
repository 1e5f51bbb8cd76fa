// Builds the single-page app (type check, then vite) unless its sources are unchanged since the
// last build. `npm start` and `pnpm build` run this on every start: vite takes 30 s to minutes on
// a loaded machine, and it empties dist/web first, so a rebuild of an unchanged app also made a
// running console answer 404 for its own script. Builds are serialised by a lock directory for
// the same reason (browser tests and `npm start` may build at once).
//
//   node web/build.mjs            build when a source changed
//   node web/build.mjs --force    build anyway
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(consoleDir, '..', '..');
const outDir = join(consoleDir, 'dist', 'web');
const stamp = join(consoleDir, 'dist', 'web-sources.sha256');
const lock = join(consoleDir, 'dist', '.web-build.lock');
const LOCK_STALE_MS = 10 * 60_000;

// What the app is built from: its own sources and configuration, the workspace sources it
// imports (contracts, domain, i18n), and the versions of everything else (the lockfile).
const SOURCES = [
  'services/console/web',
  // The app's paths, shared with the service that serves it.
  'services/console/src/routes.ts',
  'services/console/package.json',
  'contracts/src',
  'packages/domain/src',
  'packages/i18n/src',
  // Their manifests too: `sideEffects` decides what the bundler may leave out.
  'contracts/package.json',
  'packages/domain/package.json',
  'packages/i18n/package.json',
  'tsconfig.base.json',
  'pnpm-lock.yaml',
];

function collect(path, files) {
  const stat = statSync(path);
  if (!stat.isDirectory()) {
    files.push(path);
    return;
  }
  for (const entry of readdirSync(path).sort()) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    collect(join(path, entry), files);
  }
}

/** A digest of every source file's path and content. */
export function sourcesDigest() {
  const files = [];
  for (const source of SOURCES) {
    const path = join(repoRoot, source);
    if (existsSync(path)) collect(path, files);
  }
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function upToDate(digest) {
  try {
    return existsSync(join(outDir, 'index.html')) && readFileSync(stamp, 'utf8').trim() === digest;
  } catch {
    return false;
  }
}

function tryLock() {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    // A lock left by a killed build is taken over.
    try {
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmdirSync(lock);
    } catch { /* taken by another in the meantime */ }
    return false;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: consoleDir, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`console web build: ${command} ${args.join(' ')} failed`);
}

async function main() {
  const force = process.argv.includes('--force');
  mkdirSync(dirname(lock), { recursive: true });
  while (!tryLock()) await new Promise((done) => setTimeout(done, 250));
  try {
    // Read after taking the lock: a build that held it may have just brought the app up to date.
    const digest = sourcesDigest();
    if (!force && upToDate(digest)) {
      process.stdout.write('console web app: up to date (its sources are unchanged), not rebuilt\n');
      return;
    }
    const require = createRequire(join(consoleDir, 'package.json'));
    run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'web/tsconfig.json']);
    // vite's exports do not include its bin: find it beside its package.json.
    run(process.execPath, [join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts']);
    writeFileSync(stamp, `${digest}\n`);
  } finally {
    rmdirSync(lock);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
}
