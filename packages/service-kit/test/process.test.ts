/**
 * runService through a real child process: the ready line, graceful stop on SIGTERM and SIGINT
 * (exit 0, the request in flight answered), a wrong variable (exit 2, named) and a failed start
 * (exit 1).
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/service-child.ts');
/** tap's TypeScript loader, its settings and the ws-source condition, so the child runs src/ without a build. */
const childExecArgv = process.execArgv.filter((a) => !a.includes('@tapjs/processinfo'));
const loaderEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('TS_NODE_')));

interface Child {
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout match of `pattern`. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  kill: (signal: NodeJS.Signals) => void;
}

async function startFixture(t: Test, env: Record<string, string> = {}): Promise<Child> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-run-service-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const proc = spawn(process.execPath, [...childExecArgv, FIXTURE], {
    env: { ...loaderEnv, PATH: process.env.PATH, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  proc.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); for (const w of waiters) w(); });
  proc.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  return {
    exited, stdout: () => out, stderr: () => err, kill: (signal) => proc.kill(signal),
    waitFor: (pattern) => new Promise((done, fail) => {
      const check = () => { const m = pattern.exec(out); if (m) done(m); };
      waiters.push(check);
      check();
      void exited.then((code) => fail(new Error(`the fixture exited (${code}) before printing ${pattern}: ${out}${err}`)));
    }),
  };
}

/** A GET on its own connection, closed after the answer (no idle keep-alive connection for the server to wait for). */
function getClosing(url: string): Promise<{ status: number | undefined; body: unknown }> {
  return new Promise((done, fail) => {
    get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => done({ status: res.statusCode, body: JSON.parse(text) }));
    }).on('error', fail);
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${signal}: the request in flight is answered, the service stopped, exit code 0`, async (t) => {
    const child = await startFixture(t);
    const [, address] = await child.waitFor(/"msg":"fixture service ready on (http:\/\/127\.0\.0\.1:\d+) \(docs: http:\/\/127\.0\.0\.1:\d+\/docs; fixture detail\)"/);
    await child.waitFor(/^a banner after the ready line$/m);
    t.match(child.stdout(), /"service":"fixture"/, 'log lines name the service');
    t.match(child.stdout(), /JWT secret \(HS256\) generated at/, 'the secrets were resolved, and said where');
    const answer = getClosing(`${address}/slow`);
    await child.waitFor(/slow request in flight/);
    child.kill(signal);
    t.same(await answer, { status: 200, body: { done: true } }, 'the request in flight is answered');
    t.equal(await child.exited, 0);
    t.match(child.stdout(), /closed: every request answered/, 'stop ran');
    t.match(child.stdout(), new RegExp(`"signal":"${signal}".*"msg":"shutting down`));
    t.equal(child.stderr(), '');
  });
}

t.test('a wrong variable: exit code 2 and a message naming it', async (t) => {
  const child = await startFixture(t, { PORT: 'eighty' });
  t.equal(await child.exited, 2);
  t.match(child.stderr(), /^fixture service: invalid configuration: PORT: /);
  t.notMatch(child.stderr(), /failed to start/);
});

t.test('a wrong secret setting (found while resolving the secrets): exit code 2, named', async (t) => {
  const child = await startFixture(t, { MASTER_KEY: 'too-short' });
  t.equal(await child.exited, 2);
  t.match(child.stderr(), /^fixture service: invalid configuration: MASTER_KEY: /);
});

t.test('any other start-up failure: exit code 1 with the reason', async (t) => {
  const child = await startFixture(t, { FIXTURE_FAIL: 'build' });
  t.equal(await child.exited, 1);
  t.equal(child.stderr(), 'fixture service failed to start: the store cannot be opened\n');
});
