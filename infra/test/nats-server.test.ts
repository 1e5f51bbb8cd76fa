import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { NatsServerNotInstalledError, findNatsServer, startNatsServer } from '../src/nats-server.js';
import { canConnect, waitForExit } from '../src/processes.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-nats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const portsFiles = (dir: string) => readdirSync(dir).filter((file) => file.endsWith('.ports'));

t.test('starts with JetStream on a free port and stops cleanly', async (t) => {
  const dir = tempDir(t);
  const nats = await startNatsServer({ dataDir: dir });
  t.teardown(() => nats.close());
  t.match(nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  t.ok(await canConnect('127.0.0.1', nats.port), 'accepts TCP connections');
  t.ok(existsSync(join(dir, 'jetstream')), 'JetStream data lives in <dataDir>/jetstream');
  t.same(portsFiles(dir), [`nats-server_${nats.pid}.ports`]);

  await nats.close();
  t.same(await nats.exited, { code: 0, signal: null }, 'clean exit');
  t.notOk(await canConnect('127.0.0.1', nats.port), 'port closed');
  t.same(portsFiles(dir), [], 'ports file removed');
  await nats.close(); // idempotent
});

t.test('restarts in the same directory after a SIGKILL left a stale ports file', async (t) => {
  const dir = tempDir(t);
  const first = await startNatsServer({ dataDir: dir });
  first.process.kill('SIGKILL');
  await waitForExit(first.process);
  t.same(portsFiles(dir), [`nats-server_${first.pid}.ports`], 'the killed server left its ports file');
  writeFileSync(join(dir, 'nats-server_999999999.ports'), '{"nats":["nats://127.0.0.1:1"]}');

  const second = await startNatsServer({ dataDir: dir });
  t.teardown(() => second.close());
  t.not(second.port, 1, 'the stale file was not mistaken for the new one');
  t.same(portsFiles(dir), [`nats-server_${second.pid}.ports`], 'stale ports files removed');
  t.ok(await canConnect('127.0.0.1', second.port));
});

t.test('a fixed port that is already in use is a clear error', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const { port } = blocker.address() as { port: number };
  await t.rejects(startNatsServer({ dataDir: tempDir(t), port }), { message: `cannot start nats-server: port ${port} on 127.0.0.1 is already in use` });
});

t.test('a missing binary says how to install it', async (t) => {
  const error = await startNatsServer({ dataDir: tempDir(t), executable: '/nonexistent/nats-server' }).catch((e: unknown) => e);
  t.type(error, NatsServerNotInstalledError);
  t.match((error as Error).message, /apt-get install nats-server/);
  if (existsSync('/usr/sbin/nats-server')) {
    t.equal(findNatsServer({ PATH: '/nonexistent' }), '/usr/sbin/nats-server', "found in /usr/sbin (Debian's place) even when not on PATH");
  }
  t.equal(findNatsServer({ NATS_SERVER_BIN: '/opt/nats/bin/nats-server' }), '/opt/nats/bin/nats-server', 'NATS_SERVER_BIN wins');
});

t.test('a server that dies during start-up is reported with its log', async (t) => {
  // A shell script stands in for a nats-server that fails at once, as with a bad flag or data dir.
  const dir = tempDir(t);
  const fake = join(dir, 'nats-server');
  writeFileSync(fake, '#!/bin/sh\necho "fatal: cannot open store" >&2\nexit 1\n', { mode: 0o755 });
  await t.rejects(startNatsServer({ dataDir: join(dir, 'data'), executable: fake }), /nats-server exited \(code 1\) during start-up:\n.*fatal: cannot open store/s);
});
