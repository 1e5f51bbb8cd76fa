/**
 * A reference server for the benchmark: answers every Streams.Read with the same pre-encoded
 * responses from memory, doing no other work. Reading through it measures the client's own
 * ceiling for those events (gRPC transport, decoding and the client's streams), against which
 * the real store's read rate is compared.
 *
 * usage: node replay-server.js <file of ReadResp messages, each prefixed by u32 BE length>
 */
import fs from 'node:fs';
import { Server, ServerCredentials, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import { FrameWriter } from '../grpc/frame-writer.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: replay-server <messages file>\n');
  process.exit(2);
}
const raw = fs.readFileSync(file);
const messages: Buffer[] = [];
for (let o = 0; o < raw.length;) {
  const length = raw.readUInt32BE(o);
  messages.push(raw.subarray(o + 4, o + 4 + length));
  o += 4 + length;
}
const BATCH = 512;

const server = new Server();
server.addService(
  { ...streamsGrpc.StreamsService, read: { ...streamsGrpc.StreamsService.read, responseSerialize: (b: Buffer) => b } },
  {
    read: (call: ServerWritableStream<unknown, Buffer>) => {
      const frames = new FrameWriter(call);
      void (async () => {
        for (let i = 0; i < messages.length; i += BATCH) await frames.write(messages.slice(i, i + BATCH));
        call.end();
      })();
    },
  } as UntypedServiceImplementation,
);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`replay-server ready on 127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.forceShutdown());
