/**
 * NatsKeyStore on a real three-node NATS cluster (nats-server processes on loopback, cluster
 * routes on local ports, the bucket with 3 replicas): a key created through one node is read
 * through another, and after an erasure the wrapped key's bytes are in no message block of any
 * node's stream; each node's Raft log still holds it (reported) until the node snapshots the
 * stream, which a clean stop does: afterwards no file of any node holds it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import t from 'tap';
import { connect, type NatsConnection } from 'nats';
import { eventually, freePort } from '@cfund/test-support';
import { NatsKeyStore, PersonalDataProtector, isErased } from '../src/index.ts';

async function filesContaining(dir: string, needle: Buffer): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && (await readFile(path)).includes(needle)) hits.push(relative(dir, path));
  }
  return hits;
}

try {
  execFileSync('nats-server', ['--version']);
} catch {
  t.plan(0, 'nats-server is not installed');
  process.exit(0);
}

const root = await mkdtemp(join(tmpdir(), 'cfund-nats-cluster-'));
const children: ChildProcess[] = [];
const connections: NatsConnection[] = [];
t.teardown(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(undefined) : c.once('exit', resolve)))));
  await rm(root, { recursive: true, force: true });
});

const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), cluster: await freePort() })));
for (const [i, p] of ports.entries()) {
  const dir = join(root, `n${i}`);
  await mkdir(dir, { recursive: true });
  const routes = ports.filter((_, j) => j !== i).map((q) => `"nats://127.0.0.1:${q.cluster}"`).join(', ');
  await writeFile(join(dir, 'nats.conf'), `server_name: n${i}\nlisten: "127.0.0.1:${p.client}"\njetstream { store_dir: "${dir}" }\n`
    + `cluster { name: cfund, listen: "127.0.0.1:${p.cluster}", routes: [${routes}] }\n`);
  children.push(spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' }));
}
for (const p of ports) connections.push(await connectRetrying(p.client));

async function connectRetrying(port: number): Promise<NatsConnection> {
  let nc: NatsConnection | undefined;
  await eventually(`nats on ${port}`, async () => { nc = await connect({ servers: `nats://127.0.0.1:${port}` }); return true; }, 20_000, 100);
  return nc!;
}

t.test('three nodes, the bucket with 3 replicas', async (t) => {
  const [a, b] = connections as [NatsConnection, NatsConnection, NatsConnection];
  let store: NatsKeyStore | undefined;
  // The cluster elects its JetStream meta leader a few seconds after the routes connect.
  await eventually('a JetStream cluster', async () => { store = await NatsKeyStore.open(a, { replicas: 3 }); return true; }, 30_000, 250);
  const info = await (await a.jetstreamManager()).streams.info(store!.stream);
  t.equal(info.config.num_replicas, 3);
  t.equal((info.cluster?.replicas ?? []).length, 2, 'a leader and two followers');

  const masterKey = randomBytes(32);
  const writer = await PersonalDataProtector.open({ keyStore: store!, masterKey });
  const other = await PersonalDataProtector.open({ keyStore: await NatsKeyStore.open(b, { replicas: 3 }), masterKey });
  t.teardown(() => { writer.close(); other.close(); });
  const envelope = await writer.encryptPersonalData('victim-c', { fullName: 'Zlatomira Quxbertovna' });
  t.same(await other.decryptPersonalData('victim-c', envelope), { fullName: 'Zlatomira Quxbertovna' }, 'read through another node');

  const wrapped = await store!.get('victim-c');
  if (wrapped === undefined || wrapped === 'erased') throw new Error('no key');
  const bytes = Buffer.from(wrapped.wrappedKey);
  // The stream's own message blocks (`$G/streams/<stream>/msgs`); each node's Raft log of the
  // stream is in `$SYS/_js_/S-R3F-*` (a block file too).
  const blocks = (hits: string[]) => hits.filter((path) => path.includes('/streams/'));
  const raftLogs = (hits: string[]) => hits.filter((path) => path.includes('/_js_/'));
  await eventually('every replica has the key', async () => blocks(await filesContaining(root, bytes)).length === 3, 10_000);

  await writer.eraseKey('victim-c');
  await eventually('the other service sees the erasure', async () => isErased(await other.decryptPersonalData('victim-c', envelope)), 5000, 5);
  t.pass('erased for the other node\'s service too (its cached key evicted)');
  await eventually('no replica\'s message blocks hold the key', async () => blocks(await filesContaining(root, bytes)).length === 0, 10_000);
  t.pass('the wrapped key is in no message block of any node');
  const left = raftLogs(await filesContaining(root, bytes));
  t.comment(`Raft logs still holding the wrapped key right after the erasure (until compacted): ${left.length} of 3`);

  // A node that shuts down cleanly snapshots its streams, which compacts their Raft logs.
  for (const nc of connections) await nc.close();
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(undefined) : c.once('exit', resolve)))));
  t.same(await filesContaining(root, bytes), [], 'after a clean stop of every node, no file of any node holds it');
});
