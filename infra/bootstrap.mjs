#!/usr/bin/env node
// What `npm start` and `npm test` run on a fresh machine. Only node: built-ins, because nothing
// else is installed yet. Steps: pnpm 10.34.9, nats-server, `pnpm install --frozen-lockfile`,
// `pnpm build`; then
//   start: node infra/dist/local-runner.js (signals forwarded; see infra/README.md)
//   test:  pnpm lint and tap; the last line printed is `N passed, N failed[, N skipped]`.
// In test mode it also installs Debian packages some tests need (apt-get, as root): chromium for the
// console's browser test, poppler-utils (pdftotext) for the letters' tests, docker-compose for the
// compose file's check, prometheus (promtool) for the alert rules' check (TEST_PACKAGES).
// Extra arguments go to the runner or to tap, e.g. `npm test -- infra/test/config.test.ts`.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '10.34.9';
const root = fileURLToPath(new URL('..', import.meta.url));
const [mode, ...extraArgs] = process.argv.slice(2);

const say = (message) => process.stdout.write(`[bootstrap] ${message}\n`);
const die = (message) => {
  process.stderr.write(`[bootstrap] ${message}\n`);
  process.exit(1);
};

/** Runs a command with inherited stdio; resolves to its exit code (128+n for signal deaths). */
function run(command, args, options = {}) {
  say(`$ ${[command, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
    child.once('error', (error) => {
      process.stderr.write(`[bootstrap] cannot run ${command}: ${error.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}

/** First line of a command's output, or undefined when it cannot run. */
function probe(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

function findExecutable(name, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), fsConstants.X_OK);
      return join(dir, name);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Same major version and not older than the pinned one: the lockfile format is stable within a major. */
function pnpmIsCompatible(version) {
  const [major, minor, patch] = (version ?? '').split('.').map(Number);
  const [wantMajor, wantMinor, wantPatch] = PNPM_VERSION.split('.').map(Number);
  if (major !== wantMajor) return false;
  return minor > wantMinor || (minor === wantMinor && patch >= wantPatch);
}

async function ensurePnpm() {
  const found = probe('pnpm', ['--version']);
  if (pnpmIsCompatible(found)) return 'pnpm';
  say(`pnpm ${found ?? 'is missing'}${found ? ' is not compatible' : ''}: installing pnpm@${PNPM_VERSION} globally`);
  // Under `npm start`/`npm test`, npm_execpath is the running npm: use it even if `npm` is not on PATH.
  const npm = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const code = await run(npm[0], [...npm.slice(1), 'install', '--global', `pnpm@${PNPM_VERSION}`]);
  // Use the binary just installed, even if another pnpm comes earlier on PATH.
  const prefix = probe(npm[0], [...npm.slice(1), 'prefix', '--global']);
  const installed = prefix && existsSync(join(prefix, 'bin', 'pnpm')) ? join(prefix, 'bin', 'pnpm') : findExecutable('pnpm');
  if (code !== 0 || !installed || !pnpmIsCompatible(probe(installed, ['--version']))) {
    die(`could not install pnpm ${PNPM_VERSION}; install it yourself (\`npm install --global pnpm@${PNPM_VERSION}\` or \`corepack enable\`) and retry`);
  }
  return installed;
}

// Debian installs nats-server into /usr/sbin, which is not on every user's PATH.
const NATS_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];
const findNatsServer = () =>
  process.env.NATS_SERVER_BIN && existsSync(process.env.NATS_SERVER_BIN)
    ? process.env.NATS_SERVER_BIN
    : findExecutable('nats-server', NATS_DIRS);

async function ensureNatsServer() {
  if (findNatsServer()) return;
  const howTo =
    'Install it with `sudo apt-get install nats-server` (Debian/Ubuntu) or `brew install nats-server` (macOS), ' +
    'or download a release from https://github.com/nats-io/nats-server/releases and set NATS_SERVER_BIN to its path.';
  const canApt = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version') && findExecutable('apt-get');
  if (!canApt) die(`nats-server is not installed. ${howTo}`);
  say('nats-server is missing: installing it with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if ((await run('apt-get', ['update'], { env })) !== 0 || (await run('apt-get', ['install', '-y', 'nats-server'], { env })) !== 0) {
    die(`apt-get could not install nats-server. ${howTo}`);
  }
  if (!findNatsServer()) die(`nats-server is still not found after apt-get install. ${howTo}`);
  // On systemd machines the package enables and starts a system-wide nats-server on port 4222
  // (without JetStream), which would hold the port `npm start` needs. We only wanted the binary.
  if (existsSync('/run/systemd/system') && findExecutable('systemctl')) {
    say('disabling the nats-server system service the package started: npm start runs its own');
    await run('systemctl', ['disable', '--now', 'nats-server.service']);
  }
}

/**
 * A Debian package some tests need, installed with apt-get (as root on Debian/Ubuntu) when its
 * program is missing; if that cannot be done, says what becomes of those tests and goes on.
 */
async function ensureTestPackage({ program, found = () => findExecutable(program), pkg, purpose, without, hint = `install the ${pkg} package`, aptOptions = [] }) {
  if (found()) return;
  const canApt = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version') && findExecutable('apt-get');
  if (!canApt) {
    say(`${program} is not installed: ${without} (${hint})`);
    return;
  }
  say(`${program} is missing: installing ${pkg} with apt-get (${purpose})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if ((await run('apt-get', ['update'], { env })) !== 0 || (await run('apt-get', ['install', '-y', ...aptOptions, pkg], { env })) !== 0) {
    say(`apt-get could not install ${pkg}: ${without}`);
  }
}

const TEST_PACKAGES = [
  // The console's browser test drives Debian's chromium (never a browser download of a test tool's own).
  {
    program: 'chromium', found: () => process.env.CHROMIUM_BIN || findExecutable('chromium'), pkg: 'chromium',
    purpose: 'for the console\'s browser test', without: 'the console\'s browser test will be skipped', hint: 'install the chromium package, or set CHROMIUM_BIN',
  },
  // The API walkthrough's test runs docs/api-walkthrough.md's curl commands as a reader does.
  { program: 'curl', pkg: 'curl', purpose: 'for the API walkthrough\'s test', without: 'the API walkthrough\'s test will be skipped' },
  // The letters' tests read their PDFs back with pdftotext.
  { program: 'pdftotext', pkg: 'poppler-utils', purpose: 'for the letters\' tests', without: 'the letters\' tests will fail' },
  // Checks infra/compose/docker-compose.yml without a Docker engine (`docker-compose config`):
  // the engine (docker.io) is only recommended by the package, and not installed.
  {
    program: 'docker-compose', pkg: 'docker-compose', aptOptions: ['--no-install-recommends'],
    purpose: 'to check the compose file', without: 'the compose file check will be skipped',
  },
  // promtool checks infra/monitoring/alerts.yml as Prometheus would (its server is not started).
  {
    program: 'promtool', pkg: 'prometheus', aptOptions: ['--no-install-recommends'],
    purpose: 'to check the alert rules', without: 'the promtool check of the alert rules will be skipped',
  },
  // The malware scan's tests start their own clamd (own socket, own EICAR signature in a temp
  // dir), so neither freshclam's download nor a system clamd is needed. Where systemd runs, the
  // package's postinst starts clamav-daemon and clamav-freshclam: they do not touch the test's
  // clamd; in a container without an init, invoke-rc.d starts nothing.
  {
    program: 'clamd', found: () => findExecutable('clamd', ['/usr/sbin']), pkg: 'clamav-daemon', aptOptions: ['--no-install-recommends'],
    purpose: 'for the malware scan\'s tests', without: 'the tests against a real clamd will be skipped',
  },
];

/** Runs tap, streaming its report, and returns tap's own counts (its final `# { total: ... }` line). */
function runTap(pnpm, args) {
  // tap draws its interactive report when we sit on a terminal; in CI it prints plain TAP.
  const reporter = process.stdout.isTTY ? ['--reporter=base', '--color'] : ['--reporter=tap', '--no-color'];
  const command = ['exec', 'tap', 'run', ...reporter, ...args];
  say(`$ ${pnpm} ${command.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(pnpm, command, { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
    let counts;
    let partial = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) counts = parseSummary(line) ?? counts;
    });
    child.once('error', (error) => {
      process.stderr.write(`[bootstrap] cannot run tap: ${error.message}\n`);
      resolve({ counts: undefined, code: 127 });
    });
    child.once('close', (code) => resolve({ counts: parseSummary(partial) ?? counts, code: code ?? 1 }));
  });
}

// e.g. `# { total: 15, pass: 7, fail: 4, todo: 1, skip: 3 }`, printed by tap's root at column 0.
function parseSummary(line) {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').trimEnd();
  const match = /^# \{ (total: \d+.*) \}$/.exec(plain);
  if (!match) return undefined;
  return Object.fromEntries([...match[1].matchAll(/(\w+): (\d+)/g)].map(([, key, value]) => [key, Number(value)]));
}

async function test(pnpm) {
  const failedSteps = [];
  // Keep going after a failed step: one run should show every problem.
  if ((await run(pnpm, ['build'])) !== 0) failedSteps.push('type-check (pnpm build)');
  if ((await run(pnpm, ['lint'])) !== 0) failedSteps.push('lint (pnpm lint)');
  const tap = await runTap(pnpm, extraArgs);
  const counts = tap.counts ?? {};
  let failed = (counts.fail ?? 0) + failedSteps.length;
  if (tap.code !== 0 && !counts.fail) {
    failed += 1; // tap failed without a failing assertion (it crashed, or found no tests)
    failedSteps.push(`tap (exit code ${tap.code})`);
  }
  const skipped = (counts.skip ?? 0) + (counts.todo ?? 0);
  if (failedSteps.length > 0) say(`failed: ${failedSteps.join(', ')}`);
  process.stdout.write(`${counts.pass ?? 0} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  process.exit(failed > 0 ? 1 : 0);
}

/**
 * Calls `onGone` once when the process that started us exits without passing a signal on (a
 * SIGKILLed npm, or a shell that died of SIGTERM): we are then adopted by another process.
 * (The same as watchParent in src/processes.ts, which cannot be imported before the build.)
 */
function watchParent(onGone) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

function start() {
  const runnerScript = join(root, 'infra', 'dist', 'local-runner.js');
  const runner = spawn(process.execPath, [runnerScript, ...extraArgs], { cwd: root, stdio: 'inherit' });
  // The runner stops its children in order; we only pass signals on (repeats are harmless).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => runner.kill(signal));
  }
  watchParent((parent) => {
    say(`the process that started npm start (pid ${parent}) is gone: stopping`);
    runner.kill('SIGTERM');
  });
  runner.once('exit', (code, signal) => {
    if (signal) {
      say(`the local runner was killed (${signal}); stopping what it left running`);
      spawnSync(process.execPath, [runnerScript, '--cleanup'], { cwd: root, stdio: 'inherit' });
      process.exit(1);
    }
    process.exit(code ?? 1);
  });
}

async function main() {
  if (mode !== 'start' && mode !== 'test') die('usage: node infra/bootstrap.mjs start|test [args...]');
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 9)) die(`Node.js >= 20.9 is required (this is ${process.version})`);

  // Killed during installation or build: do not go on to start the system for nobody.
  const stopWatching = mode === 'start' ? watchParent((parent) => die(`the process that started npm start (pid ${parent}) is gone: not starting`)) : () => {};
  const pnpm = await ensurePnpm();
  await ensureNatsServer();
  const install = await run(pnpm, ['install', '--frozen-lockfile', '--config.confirmModulesPurge=false']);
  if (install !== 0) {
    process.stderr.write('[bootstrap] pnpm install failed\n');
    if (mode === 'test') process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  }
  if (mode === 'test') {
    for (const spec of TEST_PACKAGES) await ensureTestPackage(spec);
    return test(pnpm);
  }
  if ((await run(pnpm, ['build'])) !== 0) die('pnpm build failed: fix the errors above, then run npm start again');
  stopWatching();
  start();
}

await main();
