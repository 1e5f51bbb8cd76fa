// `npm start` stops completely when a signal or a process manager reaches npm, the first process
// of its chain (npm, the bootstrap, the runner): every descendant exits and every port is freed.
// Runs the real `npm start` with the echo fixture; each start costs its install and build steps.
// (A signal to the runner itself, and a parent of the runner that dies, are in local-runner.test.ts.)
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { delay, freePort, isPortFree, isProcessRunning } from '../src/processes.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtureServices = fileURLToPath(new URL('fixtures/services', import.meta.url));
const linuxOnly = existsSync('/proc/self/stat') ? {} : { skip: 'needs /proc to list descendants' };

/** Every process below `root`, from /proc's parent links. */
function descendants(root: number): { pid: number; command: string }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: { pid: number; command: string }[] = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      let command = '';
      try {
        command = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim();
      } catch {
        // gone meanwhile
      }
      found.push({ pid: child, command });
      visit(child);
    }
  };
  visit(root);
  return found;
}

async function startNpm(t: Test) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cfund-npm-start-'));
  const ports = { ESDB_PORT: await freePort(), NATS_PORT: await freePort(), COMMAND_PORT: await freePort() };
  const env = { ...process.env, DATA_DIR: dataDir, SERVICES_DIR: fixtureServices, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  const npm: ChildProcess = spawn('npm', ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let all: { pid: number; command: string }[] = [];
  t.teardown(() => {
    for (const { pid } of all) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start was not ready within 240 s:\n${output.join('\n')}`)), 240_000);
    for (const stream of [npm.stdout!, npm.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (line.includes('press Ctrl-C to stop')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    npm.once('exit', () => reject(new Error(`npm start exited before it was ready:\n${output.join('\n')}`)));
  });
  all = descendants(npm.pid as number);
  const find = (marker: string) => all.find(({ command }) => command.includes(marker))?.pid as number;
  return {
    npm,
    ports,
    all,
    bootstrap: find('infra/bootstrap.mjs'),
    runner: find('infra/dist/local-runner.js'),
    output,
  };
}

/** Resolves once every process has exited and every port is free; the leftovers otherwise. */
async function everythingStopped(processes: { pid: number; command: string }[], ports: Record<string, number>, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = processes.filter(({ pid }) => isProcessRunning(pid)).map(({ command }) => command);
    const busy: string[] = [];
    for (const [variable, port] of Object.entries(ports)) if (!(await isPortFree('127.0.0.1', port))) busy.push(variable);
    if ((running.length === 0 && busy.length === 0) || Date.now() > deadline) return { running, busy };
    await delay(200);
  }
}

const cases: { what: string; signal: NodeJS.Signals }[] = [
  { what: 'kill -INT <pid of npm start>', signal: 'SIGINT' },
  { what: 'kill -TERM <pid of npm start> (what a process manager sends)', signal: 'SIGTERM' },
  { what: 'kill -KILL <pid of npm start>: the bootstrap sees its parent gone', signal: 'SIGKILL' },
];

for (const [index, { what, signal }] of cases.entries()) {
  t.test(what, linuxOnly, async (t) => {
    const started = await startNpm(t);
    t.ok(started.bootstrap && started.runner, 'the bootstrap and the runner run below npm');
    // The first start may build the console's app (when this file runs alone after a change);
    // the later ones find it unchanged and must not rebuild it (vite took minutes under load).
    if (index > 0) {
      t.ok(started.output.some((line) => line.includes('console web app: up to date')), 'the console app is not rebuilt when its sources are unchanged');
    }
    t.ok(started.all.length >= 5, `npm start runs ${started.all.length} processes below npm`);
    const sentAt = Date.now();
    process.kill(started.npm.pid as number, signal);
    const left = await everythingStopped([{ pid: started.npm.pid as number, command: 'npm' }, ...started.all], started.ports);
    t.same(left, { running: [], busy: [] }, `every process exited and every port is free (${((Date.now() - sentAt) / 1000).toFixed(1)} s)`);
  });
}
