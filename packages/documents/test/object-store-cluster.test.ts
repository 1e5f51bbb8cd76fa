/**
 * ObjectDocumentStore on a three-node NATS cluster (nats-server processes on loopback, the bucket
 * with 3 replicas): a document written through one node, as the command service's NATS user, is
 * read through another as the projection's, through a pull consumer (a range placed by direct
 * gets: a replica that has not stored a chunk yet sends the reader to the stream leader), and
 * nats.js reads it there too.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connect, type NatsConnection } from 'nats';
import { SERVICE_NATS_PERMISSIONS, findNatsServer, natsInstallHint, startNatsCluster } from '@cfund/infra';
import { eventually } from '@cfund/test-support';
import { ObjectDocumentStore } from '../src/index.ts';
import { collect, pieces } from './fixtures.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64url');

t.test('three nodes: written through one, read through another', async (t) => {
  if (!findNatsServer()) return t.plan(0, `nats-server is not installed: ${natsInstallHint()}`);
  const dir = await mkdtemp(join(tmpdir(), 'cfund-docs-cluster-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cluster = await startNatsCluster({ dataDir: dir, users: SERVICE_NATS_PERMISSIONS });
  t.teardown(() => cluster.close());
  const connections: NatsConnection[] = [];
  t.teardown(() => Promise.all(connections.map((c) => c.close())));
  const connectTo = async (node: number, user: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: cluster.nodes[node]!.url, ...cluster.credentials[user], ignoreClusterUpdates: true });
    connections.push(nc);
    return nc;
  };
  const writer = await connectTo(0, 'command');
  const reader = await connectTo(2, 'projection');

  // The nodes elect their JetStream meta leader a few seconds after the routes connect.
  let written: ObjectDocumentStore | undefined;
  await eventually('a JetStream cluster', async () => { written = await ObjectDocumentStore.open(writer, { replicas: 3 }); return true; }, 30_000, 250);
  const info = await (await writer.jetstreamManager()).streams.info('OBJ_cfund-documents');
  t.equal(info.config.num_replicas, 3, 'the bucket has 3 replicas');

  const key = `${randomUUID()}.cfd`;
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  await written!.put(key, pieces(bytes, 65_536));
  const read = await ObjectDocumentStore.open(reader, { replicas: 3 });
  t.equal(sha256(await collect((await read.get(key))!)), sha256(bytes), 'read through another node (a consumer: 25 chunks)');
  t.equal(sha256(await collect((await read.get(key, 1_000_000))!)), sha256(bytes.subarray(1_000_000)), 'and from an offset');
  // A small document: its chunks by direct gets of their recorded sequences, answered by any replica.
  const small = `${randomUUID()}.cfd`;
  const smallBytes = randomBytes(1024 * 1024 + 17);
  await written!.put(small, pieces(smallBytes, 65_536));
  t.equal(sha256(await collect((await read.get(small))!)), sha256(smallBytes), 'a small one read through another node (direct gets: 9 chunks)');
  t.equal(sha256(await collect((await read.get(small, 500_000))!)), sha256(smallBytes.subarray(500_000)), 'and from an offset');

  const found = await reader.jetstream().views.os('cfund-documents').then((os) => os.get(key));
  t.equal(sha256(await collect(found!.data as unknown as AsyncIterable<Uint8Array>)), sha256(bytes), 'nats.js reads it there too');
  t.notOk(await found!.error, 'with its digest checked');
});
