// End-to-end tests of `npm start`'s runner: the compiled infra/dist/local-runner.js with the
// compiled event store CLI, a real nats-server and a stand-in service (fixtures/services/echo).
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { AccessDeniedError, EventStoreDBClient, StreamNotFoundError } from '@eventstore/db-client';
import { READINESS_PROBE_STREAM } from '@cfund/service-kit';
import { type ExitStatus, canConnect, delay, freePort, isProcessRunning, waitForExit } from '../src/processes.js';

const failure = (action: () => Promise<unknown>): Promise<unknown> => action().then(() => undefined, (e: unknown) => e);

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const runnerScript = join(repoRoot, 'infra', 'dist', 'local-runner.js');
const fixtureServices = fileURLToPath(new URL('fixtures/services', import.meta.url));

// Run the compiled code, as `npm start` does. Not built: one failure, not one per test.
const unbuilt = [runnerScript, join(repoRoot, 'packages/embedded-eventstore/dist/cli.js')].filter((file) => !existsSync(file));
if (unbuilt.length > 0) t.fail(`not built: ${unbuilt.join(', ')}; run \`pnpm build\` first (npm test does)`);
const built = unbuilt.length > 0 ? { skip: 'not built' } : {};

class Runner {
  readonly child: ChildProcess;
  readonly output: string[] = [];
  readonly exited: Promise<ExitStatus>;
  private waiters: (() => void)[] = [];

  /** `viaParent`: run the runner below a stand-in parent process (as npm and the bootstrap are). */
  constructor(env: NodeJS.ProcessEnv, viaParent = false) {
    const parent = `require('node:child_process').spawn(process.execPath, [${JSON.stringify(runnerScript)}], { stdio: 'inherit' }); setInterval(() => {}, 60_000);`;
    const args = viaParent ? ['-e', parent] : [runnerScript];
    this.child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.output.push(line);
        for (const wake of this.waiters) wake();
      });
    }
    this.exited = waitForExit(this.child);
  }

  text(): string {
    return this.output.join('\n');
  }

  /** Resolves with the first output line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${this.text()}`)), timeoutMs);
      const check = () => {
        for (const line of this.output) {
          const match = pattern.exec(line);
          if (match) {
            clearTimeout(timer);
            this.waiters = this.waiters.filter((waiter) => waiter !== check);
            resolve(match);
            return;
          }
        }
      };
      this.waiters.push(check);
      check();
      void this.exited.then(() => setImmediate(() => {
        check();
        clearTimeout(timer);
        reject(new Error(`the runner exited before printing ${pattern}; output:\n${this.text()}`));
      }));
    });
  }

  async ready(): Promise<{ esdb: string; nats: string; service?: string }> {
    await this.waitFor(/press Ctrl-C to stop/);
    const find = (pattern: RegExp) => this.output.map((line) => pattern.exec(line)?.[1]).find(Boolean);
    return {
      esdb: find(/event store\s+(esdb:\/\/\S+)/) as string,
      nats: find(/NATS\s+(tls:\/\/\S+)/) as string,
      service: find(/echo\s+(http:\/\/\S+)/),
    };
  }
}

/** A fresh data dir, free fixed ports and the echo service; everything is cleaned up after the test. */
async function setup(t: Test) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cfund-runner-'));
  const env = {
    DATA_DIR: dataDir,
    SERVICES_DIR: fixtureServices,
    ESDB_PORT: String(await freePort()),
    NATS_PORT: String(await freePort()),
    COMMAND_PORT: String(await freePort()),
  };
  const runners: Runner[] = [];
  t.teardown(async () => {
    for (const runner of runners) {
      runner.child.kill('SIGTERM');
      await runner.exited;
    }
    killRecordedChildren(dataDir); // after a test's SIGKILL
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    env,
    dataDir,
    start(extra: NodeJS.ProcessEnv = {}, viaParent = false) {
      const runner = new Runner({ ...env, ...extra }, viaParent);
      runners.push(runner);
      return runner;
    },
  };
}

function recordedChildren(dataDir: string): { name: string; pid: number }[] {
  try {
    return (JSON.parse(readFileSync(join(dataDir, 'local-runner.json'), 'utf8')) as { children: { name: string; pid: number }[] }).children;
  } catch {
    return [];
  }
}

function killRecordedChildren(dataDir: string): void {
  for (const { pid } of recordedChildren(dataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const portOf = (url: string) => Number(new URL(url).port);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Files and directories under `dir` (and `dir`) that its owner's group or others may access. */
function notPrivate(dir: string): string[] {
  return [dir, ...readdirSync(dir, { recursive: true }).map((name) => join(dir, String(name)))]
    .filter((path) => !lstatSync(path).isSymbolicLink() && (lstatSync(path).mode & 0o077) !== 0)
    .map((path) => `${path}: ${(lstatSync(path).mode & 0o777).toString(8)}`);
}

t.test('starts the event store, NATS and the services, prints their URLs, and stops in reverse order on SIGINT', built, async (t) => {
  const { env, dataDir, start } = await setup(t);
  // What an older version left readable by everyone: made private at start.
  mkdirSync(join(dataDir, 'notification'), { mode: 0o755 });
  writeFileSync(join(dataDir, 'notification', 'notification.db'), '', { mode: 0o644 });
  chmodSync(dataDir, 0o755);
  const runner = start();
  const urls = await runner.ready();
  // A secure event store (TLS, credentials): people see where it is and where the passwords are;
  // each service that uses it gets a user of its own (never admin's); no password is printed.
  const caFile = join(dataDir, 'eventstore', 'certs', 'ca.crt');
  t.equal(urls.esdb, `esdb://127.0.0.1:${env.ESDB_PORT}?tls=true&tlsCAFile=${encodeURIComponent(caFile)}`);
  const credentialsFile = join(dataDir, 'eventstore', 'credentials', 'credentials.json');
  t.match(runner.text(), `user admin, passwords in ${credentialsFile}`);
  t.match(runner.text(), `event store users cfund-echo ready (passwords in ${credentialsFile})`);
  const passwords = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
  const { admin: adminPassword, 'cfund-echo': echoPassword } = passwords as { admin: string; 'cfund-echo': string };
  t.ok(adminPassword.length >= 16 && echoPassword!.length >= 16 && echoPassword !== adminPassword, 'generated passwords, one per user');
  t.equal(lstatSync(credentialsFile).mode & 0o777, 0o600, 'in a file only its owner reads');
  for (const [user, password] of Object.entries(passwords)) t.notMatch(runner.text(), password, `${user}'s password is not printed`);
  t.equal(urls.nats, `tls://127.0.0.1:${env.NATS_PORT}`, 'NATS speaks TLS');
  t.equal(urls.service, `http://127.0.0.1:${env.COMMAND_PORT}`);
  t.match(runner.text(), `data lives in ${dataDir}`);
  if (process.allowedNodeEnvironmentFlags.has('--disable-warning')) {
    t.same(runner.output.filter((line) => line.startsWith('[echo]') && line.includes('DEP0123')), [], 'no service prints the TLS server-name warning on the terminal');
  }

  const { pid: _pid, ...seen } = (await (await fetch(urls.service as string)).json()) as Record<string, string>;
  const serviceStore = urls.esdb.replace('esdb://', `esdb://cfund-echo:${encodeURIComponent(echoPassword)}@`);
  t.same(seen, { ESDB_CONNECTION_STRING: serviceStore, NATS_URL: urls.nats, NATS_TLS_CA_FILE: caFile, PORT: env.COMMAND_PORT, HOST: '127.0.0.1', DATA_DIR: dataDir }, 'the service gets the addresses, the store as its own user, the one CA of both servers');
  const asService = EventStoreDBClient.connectionString(serviceStore);
  try {
    const read = (stream: string) => failure(async () => { for await (const _ of asService.readStream(stream)) { /* none */ } });
    t.type(await read(READINESS_PROBE_STREAM), StreamNotFoundError, 'the service user logs in and may read the readiness probe\'s stream');
    t.type(await read('claim-none'), AccessDeniedError, 'under the stream policy a service it does not name reads no category');
    t.type(await read('$settings'), AccessDeniedError, 'and is no admin');
  } finally {
    await asService.dispose();
  }
  t.ok(await canConnect('127.0.0.1', portOf(urls.esdb)), 'event store accepts connections');
  t.ok(await canConnect('127.0.0.1', portOf(urls.nats)), 'NATS accepts connections');
  t.same(recordedChildren(dataDir).map((child) => child.name), ['eventstore', 'nats-server', 'echo']);
  t.same(notPrivate(dataDir), [], 'every file under DATA_DIR is 0600 and every directory 0700: old ones fixed, new ones created so');

  runner.child.kill('SIGINT');
  runner.child.kill('SIGINT'); // Ctrl-C often arrives twice (terminal and npm): still one shutdown
  t.same(await runner.exited, { code: 0, signal: null }, 'exits 0');
  const stops = runner.output.filter((line) => line.includes('] stopped '));
  t.match(stops, [/stopped echo \(code 0\)/, /stopped nats-server \(code 0\)/, /stopped eventstore \(code 0\)/], 'reverse order, clean exits');
  for (const url of [urls.esdb, urls.nats, urls.service as string]) {
    t.notOk(await canConnect('127.0.0.1', portOf(url)), `${url} is closed`);
  }
  t.notOk(existsSync(join(dataDir, 'local-runner.json')), 'lock released');
  t.ok(existsSync(join(dataDir, 'eventstore')) && existsSync(join(dataDir, 'nats', 'jetstream')), 'data stays for the next start');
});

t.test('a second start after the runner was killed with SIGKILL stops the leftovers and starts', built, async (t) => {
  const { dataDir, start } = await setup(t);
  const first = start();
  await first.ready();
  first.child.kill('SIGKILL');
  await first.exited;
  const leftovers = recordedChildren(dataDir);
  t.equal(leftovers.length, 3, 'the killed runner left its three children running');
  t.ok(leftovers.every(({ pid }) => isProcessRunning(pid)), 'they still run (and hold the ports)');

  const second = start();
  await second.ready();
  for (const { name, pid } of leftovers) {
    t.match(second.text(), `stopped ${name} (pid ${pid}) left running by a previous run`);
    t.notOk(isProcessRunning(pid), `leftover ${name} is gone`);
  }
  second.child.kill('SIGTERM');
  t.same(await second.exited, { code: 0, signal: null });
});

t.test('stops everything when its parent dies without passing a signal on (a killed npm or bootstrap)', built, async (t) => {
  const { dataDir, start } = await setup(t);
  const parent = start({}, true);
  const urls = await parent.ready();
  const runnerPid = (JSON.parse(readFileSync(join(dataDir, 'local-runner.json'), 'utf8')) as { pid: number }).pid;
  const children = recordedChildren(dataDir);
  parent.child.kill('SIGKILL');
  await parent.exited;
  const deadline = Date.now() + 30_000;
  while ([runnerPid, ...children.map(({ pid }) => pid)].some(isProcessRunning) && Date.now() < deadline) await delay(100);
  t.notOk(isProcessRunning(runnerPid), 'the runner exited');
  for (const { name, pid } of children) t.notOk(isProcessRunning(pid), `${name} exited`);
  for (const url of [urls.esdb, urls.nats, urls.service as string]) t.notOk(await canConnect('127.0.0.1', portOf(url)), `${url} is closed`);
  t.notOk(existsSync(join(dataDir, 'local-runner.json')), 'lock released: it was a clean stop');
});

// As when tap kills a test at its timeout: whoever read the runner's output is gone, while the
// process that started it (npm, the bootstrap) lives on, so the parent watch never fires. Every
// write then fails with EPIPE; the runner used to answer each failure by writing an "internal
// error" to the same broken pipe, spinning at full CPU for hours with its children still running.
t.test('stops everything when its output is gone (the reader of its pipe died, its parent lives on)', built, async (t) => {
  const { dataDir, env, start } = await setup(t);
  const parent = start({}, true);
  const urls = await parent.ready();
  const runnerPid = (JSON.parse(readFileSync(join(dataDir, 'local-runner.json'), 'utf8')) as { pid: number }).pid;
  const children = recordedChildren(dataDir);
  t.teardown(() => {
    if (isProcessRunning(runnerPid)) process.kill(runnerPid, 'SIGKILL'); // on failure: it would spin for hours
  });
  parent.child.stdout!.destroy();
  parent.child.stderr!.destroy();
  // Something to say: the echo service crashes, the runner reports it (to the closed pipe).
  await fetch(`${urls.service as string}/crash`).catch(() => undefined);
  const deadline = Date.now() + 30_000;
  while ([runnerPid, ...children.map(({ pid }) => pid)].some(isProcessRunning) && Date.now() < deadline) await delay(100);
  const spinning = isProcessRunning(runnerPid) ? cpuSeconds(runnerPid) : undefined;
  t.notOk(isProcessRunning(runnerPid), `the runner exited${spinning === undefined ? '' : ` (still running, ${spinning.toFixed(1)} s of CPU used)`}`);
  for (const { name, pid } of recordedChildren(dataDir).length > 0 ? recordedChildren(dataDir) : children) {
    t.notOk(isProcessRunning(pid), `${name} exited`);
  }
  for (const url of [urls.esdb, urls.nats]) t.notOk(await canConnect('127.0.0.1', portOf(url)), `${url} is closed`);
  t.notOk(await canConnect('127.0.0.1', Number(env.COMMAND_PORT)), 'the service port is closed');
  t.notOk(existsSync(join(dataDir, 'local-runner.json')), 'lock released: it was a clean stop');
  t.ok(isProcessRunning(parent.child.pid as number), 'its parent still runs: the stop came from the closed output, not the parent watch');
  parent.child.kill('SIGKILL');
});

t.test('a child that dies is restarted with the same address while the others keep serving', built, async (t) => {
  const { dataDir, start } = await setup(t);
  const runner = start();
  const urls = await runner.ready();
  const service = urls.service as string;
  const echoPid = async () => ((await (await fetch(service)).json()) as { pid: number }).pid;
  const firstEcho = await echoPid();

  await fetch(`${service}/crash`).catch(() => undefined);
  await runner.waitFor(/echo restarted \(code 3\), up again in \d+\.\d s/);
  const secondEcho = await echoPid();
  t.not(secondEcho, firstEcho, 'a new echo answers on the same port');
  t.ok(await canConnect('127.0.0.1', portOf(urls.esdb)) && await canConnect('127.0.0.1', portOf(urls.nats)), 'the event store and NATS kept running');

  for (const name of ['nats-server', 'eventstore']) {
    const before = recordedChildren(dataDir).find((child) => child.name === name)!;
    process.kill(before.pid, 'SIGKILL');
    await runner.waitFor(new RegExp(`${name} restarted \\(signal SIGKILL\\), up again in \\d+\\.\\d s`));
    const after = recordedChildren(dataDir).find((child) => child.name === name)!;
    t.not(after.pid, before.pid, `${name} runs again under a new pid, recorded in the lock file`);
    t.ok(isProcessRunning(after.pid), `the new ${name} runs`);
  }
  t.ok(await canConnect('127.0.0.1', portOf(urls.esdb)), 'the event store is back on its port');
  t.ok(await canConnect('127.0.0.1', portOf(urls.nats)), 'NATS is back on its port');
  t.equal(await echoPid(), secondEcho, 'the service was not stopped while its dependencies restarted');
  t.notMatch(runner.text(), /stopping everything|stopped echo/, 'nothing else was stopped');
  t.equal(runner.child.exitCode, null, 'the runner keeps running');

  runner.child.kill('SIGTERM');
  t.same(await runner.exited, { code: 0, signal: null }, 'and still stops cleanly');
  t.same(recordedChildren(dataDir), [], 'no child left behind');
});

t.test('a child that keeps failing fast is given up on after 5 failures within 60 s: everything stops, exit 1', built, async (t) => {
  const { start } = await setup(t);
  const runner = start();
  const urls = await runner.ready();
  await fetch(`${urls.service}/crash-forever`).catch(() => undefined);
  t.same(await runner.exited, { code: 1, signal: null });
  t.match(runner.text(), /echo failed 5 times within 60 s \(last: code 3\); giving up, stopping everything/);
  t.equal(runner.output.filter((line) => /echo exited unexpectedly \(code 3\); restarting in/.test(line)).length, 4, 'four restarts with backoff before giving up');
  t.notOk(await canConnect('127.0.0.1', portOf(urls.esdb)), 'event store stopped');
  t.notOk(await canConnect('127.0.0.1', portOf(urls.nats)), 'NATS stopped');
});

t.test('a server that fails to start is reported with its own words', built, async (t) => {
  const { dataDir, start } = await setup(t);
  const fake = join(dataDir, 'broken-nats-server');
  writeFileSync(fake, '#!/bin/sh\necho "[FTL] cannot open the store" >&2\nexit 1\n', { mode: 0o755 });
  const runner = start({ NATS_SERVER_BIN: fake });
  t.same(await runner.exited, { code: 1, signal: null });
  t.match(runner.text(), /cannot start: nats-server exited \(code 1\) during start-up:\n\[FTL\] cannot open the store/);
  t.match(runner.text(), /stopped eventstore \(code 0\)/, 'the event store that had started is stopped');
});

t.test('a port in use is named with its variable', built, async (t) => {
  const { env, dataDir, start } = await setup(t);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(Number(env.NATS_PORT), '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => blocker.close(resolve)));
  const runner = start();
  t.same(await runner.exited, { code: 1, signal: null });
  t.match(runner.text(), `port ${env.NATS_PORT} (NATS_PORT) on 127.0.0.1 is already in use by another program`);
  t.notOk(existsSync(join(dataDir, 'local-runner.json')), 'lock released');
});

t.test('a second runner on the same data directory is refused', built, async (t) => {
  const { dataDir, start } = await setup(t);
  const first = start();
  await first.ready();
  const second = start({ ESDB_PORT: String(await freePort()), NATS_PORT: String(await freePort()), COMMAND_PORT: String(await freePort()) });
  t.same(await second.exited, { code: 1, signal: null });
  t.match(second.text(), `another local runner (pid ${first.child.pid}) is already using this data directory`);
  t.equal(first.child.exitCode, null, 'the first one keeps running');
  t.equal(recordedChildren(dataDir).length, 3, "and keeps its lock file: the refused runner did not remove it");
});

t.test('invalid configuration names the variable and exits 2', built, async (t) => {
  const { start } = await setup(t);
  const runner = start({ NATS_PORT: 'nope' });
  t.same(await runner.exited, { code: 2, signal: null });
  t.match(runner.text(), /NATS_PORT="nope": expected a TCP port/);
});
