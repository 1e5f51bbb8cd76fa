/**
 * Conformance: the suite's own footing. Unless `CONFORMANCE_INSECURE=true` (or an insecure
 * `ESDB_CONNECTION_STRING`), every file runs against a secure node: TLS only, no anonymous
 * access to `$all` (SystemSettings / LegacyPolicySelectorFactory: `$all` and `$`-streams are
 * admin-only), and the raw gRPC clients some files use authenticate as the client does
 * (TLS trusting the CA, `authorization: Basic ...` on every call; Client/index.js of 6.2.1).
 */
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { AccessDeniedError } from '@eventstore/db-client';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { INSECURE, channelCredentials, collect, rejects, securityOf, startTarget } from './target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const address = `${target.host}:${target.port}`;

/** The gRPC status of a raw Streams.Read of one event of `$all` over `credentials`. */
function readOneOfAll(credentials: grpc.ChannelCredentials): Promise<grpc.status> {
  const options = new streamsPb.ReadReq.Options()
    .setAll(new streamsPb.ReadReq.Options.AllOptions().setStart(new sharedPb.Empty()))
    .setReadDirection(streamsPb.ReadReq.Options.ReadDirection.FORWARDS)
    .setResolveLinks(false)
    .setCount('1')
    .setNoFilter(new sharedPb.Empty())
    .setUuidOption(new streamsPb.ReadReq.Options.UUIDOption().setString(new sharedPb.Empty()));
  const raw = new grpc.Client(address, credentials);
  const call = raw.makeServerStreamRequest(
    '/event_store.client.streams.Streams/Read',
    (req: streamsPb.ReadReq) => Buffer.from(req.serializeBinary()),
    (b: Buffer) => b,
    new streamsPb.ReadReq().setOptions(options),
    new grpc.Metadata(),
    { deadline: Date.now() + 5_000 },
  );
  return new Promise<grpc.status>((resolve) => {
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => resolve(s.code));
  }).finally(() => raw.close());
}

t.test('the embedded target is secure unless CONFORMANCE_INSECURE=true', { skip: target.external && 'an external server is as its connection string says' }, async (t) => {
  t.equal(target.secure, !INSECURE, `secure: ${String(target.secure)}`);
  t.match(target.connectionString, INSECURE ? /\?tls=false$/ : /^esdb:\/\/admin:[^@]+@.*\?tls=true&tlsCAFile=/, 'the connection string says so');
});

t.test('a secure target speaks only TLS and refuses anonymous access to $all', { skip: !target.secure && 'the target is insecure' }, async (t) => {
  t.not(await readOneOfAll(grpc.credentials.createInsecure()), grpc.status.OK, 'a plaintext call fails');
  const anonymous = target.newClient(target.connectionString.replace(/^(esdb(?:\+discover)?:\/\/)[^@/]*@/, '$1'));
  await rejects(t, collect(anonymous.readAll({ maxCount: 1 })), AccessDeniedError, 'an anonymous client may not read $all');
});

t.test('the raw gRPC credentials authenticate as the admin', { skip: !target.secure && 'the target is insecure' }, async (t) => {
  t.equal(await readOneOfAll(target.grpcCredentials()), grpc.status.OK, 'a raw read of $all with the target\'s credentials succeeds');
  const tlsOnly = channelCredentials({ ...securityOf(target.connectionString), credentials: undefined });
  t.equal(await readOneOfAll(tlsOnly), grpc.status.PERMISSION_DENIED, 'the same read over TLS without the authorization metadata is denied');
});
