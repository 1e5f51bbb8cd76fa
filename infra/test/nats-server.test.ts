import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
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

/** One NATS protocol exchange: CONNECT with these credentials, then PUB on `subject`; returns what the server answered. */
async function natsExchange(port: number, credentials: { user?: string; pass?: string }, subject: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => { socket.destroy(); resolve(received); }, 1_000);
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.startsWith('INFO') && !received.includes('CONNECT_SENT')) {
        received += 'CONNECT_SENT\n';
        socket.write(`CONNECT ${JSON.stringify({ ...credentials, verbose: true, pedantic: false })}\r\nPUB ${subject} 2\r\nhi\r\nPING\r\n`);
      }
      if (/PONG|-ERR/.test(received)) {
        clearTimeout(timer);
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

t.test('requires a user: generated passwords (0600 in a 0700 directory) kept across restarts, each user only its subjects', async (t) => {
  const dir = tempDir(t);
  const first = await startNatsServer({ dataDir: dir });
  t.teardown(() => first.close());
  t.same(Object.keys(first.credentials).sort(), ['command', 'notification', 'projection'], 'one user per service');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'the data directory is private');
  t.equal(statSync(join(dir, 'credentials.json')).mode & 0o777, 0o600, 'the passwords are private');
  t.equal(statSync(join(dir, 'nats-server.conf')).mode & 0o777, 0o600, 'so is the configuration holding them');
  t.match(readFileSync(join(dir, 'nats-server.conf'), 'utf8'), /cfund\.events\.>/);

  t.match(await natsExchange(first.port, {}, 'cfund.events.claim.ClaimAssessed.x'), /-ERR 'Authorization Violation'/, 'anonymous: refused');
  t.match(await natsExchange(first.port, { user: 'command', pass: 'not the password' }, 'x'), /-ERR 'Authorization Violation'/, 'wrong password: refused');
  t.match(await natsExchange(first.port, first.credentials.projection!, 'cfund.events.claim.ClaimAssessed.x'), /-ERR 'Permissions Violation for Publish to "cfund\.events\.claim\.ClaimAssessed\.x"'/, 'a consumer may not publish events');
  const relay = await natsExchange(first.port, first.credentials.command!, 'cfund.events.claim.ClaimAssessed.x');
  t.match(relay, /PONG/);
  t.notMatch(relay, /-ERR/, 'the relay (command service) may');

  await first.close();
  const second = await startNatsServer({ dataDir: dir });
  t.teardown(() => second.close());
  t.same(second.credentials, first.credentials, 'the same passwords after a restart');
  t.match(await natsExchange(second.port, second.credentials.command!, 'cfund.events.claim.ClaimAssessed.x'), /PONG/);
});
