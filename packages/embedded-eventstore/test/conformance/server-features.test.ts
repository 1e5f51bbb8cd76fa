/**
 * Conformance: ServerFeatures.GetSupportedMethods as src/KurrentDB.Core/Services/Transport/Grpc/
 * ServerFeatures.cs builds it: the server's version in three components, every client method it
 * serves with its name lower-cased, and the feature tags of Streams.Read and Streams.BatchAppend.
 * Against the embedded store it also checks the list is the truth: every method of the client's
 * services is served exactly when it is listed.
 */
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { startTarget, serverFeatures } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const features = await serverFeatures(target);

t.test('version and the tags of the streams methods', async (t) => {
  t.match(features.version, /^\d+\.\d+\.\d+$/, `version ${features.version} in three components`);
  t.same(features.methods.get('/event_store.client.streams.streams/read'), ['position', 'events'], 'Read: position, events');
  t.same(features.methods.get('/event_store.client.streams.streams/batchappend'), ['deadline_duration'], 'BatchAppend: deadline_duration');
  for (const m of ['append', 'delete', 'tombstone']) t.ok(features.methods.has(`/event_store.client.streams.streams/${m}`), `${m} listed`);
  t.ok(features.methods.has('/event_store.client.server_features.serverfeatures/getsupportedmethods'), 'GetSupportedMethods listed');
  t.ok(features.methods.has('/event_store.client.gossip.gossip/read'), 'Gossip.Read listed');
  t.ok([...features.methods.keys()].every((k) => k === k.toLowerCase()), 'names are lower-cased');
});

type MethodDefinition = { path: string; requestStream: boolean; responseStream: boolean };

/** The gRPC status of calling `m` with an empty request (a served method answers something other than UNIMPLEMENTED). */
function statusOf(address: string, m: MethodDefinition): Promise<grpc.status> {
  const client = new grpc.Client(address, target.grpcCredentials());
  const options = { deadline: Date.now() + 5_000 };
  const serialize = (): Buffer => Buffer.alloc(0);
  const deserialize = (b: Buffer): Buffer => b;
  return new Promise<grpc.status>((resolve) => {
    const done = (err: grpc.ServiceError | null): void => resolve(err ? err.code : grpc.status.OK);
    if (!m.requestStream && !m.responseStream) {
      client.makeUnaryRequest(m.path, serialize, deserialize, Buffer.alloc(0), new grpc.Metadata(), options, done);
    } else if (m.requestStream && !m.responseStream) {
      client.makeClientStreamRequest(m.path, serialize, deserialize, new grpc.Metadata(), options, done).end();
    } else {
      const call = m.requestStream
        ? client.makeBidiStreamRequest(m.path, serialize, deserialize, new grpc.Metadata(), options)
        : client.makeServerStreamRequest(m.path, serialize, deserialize, Buffer.alloc(0), new grpc.Metadata(), options);
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      call.on('status', (s: grpc.StatusObject) => resolve(s.code));
      if (m.requestStream) (call as grpc.ClientDuplexStream<Buffer, Buffer>).end();
    }
  }).finally(() => client.close());
}

t.test('every client method is served exactly when it is listed', { skip: target.external && 'calls every method with an empty request: embedded store only' }, async (t) => {
  const modules = ['streams', 'gossip', 'serverfeatures', 'persistent', 'users', 'operations', 'projections', 'monitoring'];
  for (const name of modules) {
    const mod = (await import(`@eventstore/db-client/generated/${name}_grpc_pb.js`)) as { default: Record<string, unknown> };
    const service = Object.entries(mod.default).find(([k]) => k.endsWith('Service'))?.[1] as Record<string, MethodDefinition>;
    for (const m of Object.values(service)) {
      const listed = features.methods.has(m.path.toLowerCase());
      const code = await statusOf(`${target.host}:${target.port}`, m);
      t.equal(code !== grpc.status.UNIMPLEMENTED, listed, `${m.path}: ${listed ? 'listed and served' : 'not listed, not served'} (status ${code})`);
    }
  }
});
