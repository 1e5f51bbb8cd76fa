import { EventEmitter } from 'node:events';
import t from 'tap';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { FrameWriter } from '../../src/grpc/frame-writer.js';
import {
  CAUGHT_UP, encodeCheckpoint, encodeConfirmation, encodeEventResponse, encodeStreamNotFound,
} from '../../src/grpc/wire.js';
import type { StoredEvent } from '../../src/log/record.js';

const decode = (b: Buffer) => streamsPb.ReadResp.deserializeBinary(new Uint8Array(b));

const sample = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  id: '0f8fad5b-d9cb-469f-a165-70867728950e', type: 'ClaimFiled', isJson: true,
  data: Buffer.from('{"claimId":"c-1"}'), metadata: Buffer.from('{"actor":"lawyer-1"}'),
  position: 2 ** 40 + 17, size: 100, streamName: 'claim-ümlaut-1', revision: 300, tombstone: false,
  created: 17_645_000_000_000_000n, ...over,
});

t.test('an event response decodes with the client\'s generated classes to the same fields', async (t) => {
  const e = sample();
  const read = decode(encodeEventResponse(e)).getEvent()!;
  const rec = read.getEvent()!;
  t.equal(rec.getId()!.getString(), e.id);
  t.equal(Buffer.from(rec.getStreamIdentifier()!.getStreamName_asU8()).toString('utf8'), e.streamName);
  t.equal(rec.getStreamRevision(), '300');
  t.equal(rec.getCommitPosition(), String(e.position));
  t.equal(rec.getPreparePosition(), String(e.position));
  t.equal(read.getCommitPosition(), String(e.position));
  const meta = rec.getMetadataMap();
  t.equal(meta.get('type'), 'ClaimFiled');
  t.equal(meta.get('content-type'), 'application/json');
  t.equal(meta.get('created'), e.created.toString());
  t.same(Buffer.from(rec.getData_asU8()), e.data);
  t.same(Buffer.from(rec.getCustomMetadata_asU8()), e.metadata);
});

t.test('binary, empty and tombstone events encode their edge values', async (t) => {
  const bin = decode(encodeEventResponse(sample({ isJson: false, data: Buffer.alloc(0), metadata: Buffer.alloc(0), revision: 0, position: 16 }))).getEvent()!.getEvent()!;
  t.equal(bin.getMetadataMap().get('content-type'), 'application/octet-stream');
  t.equal(bin.getStreamRevision(), '0');
  t.equal(bin.getData_asU8().length, 0);
  const tomb = decode(encodeEventResponse(sample({ tombstone: true, type: '$streamDeleted' }))).getEvent()!.getEvent()!;
  t.equal(tomb.getStreamRevision(), '9223372036854775807');
  // A tombstone an older version of the store recorded as JSON is still served as not JSON.
  const oldTomb = decode(encodeEventResponse(sample({ tombstone: true, isJson: true, type: '$streamDeleted' }))).getEvent()!.getEvent()!;
  t.equal(oldTomb.getMetadataMap().get('content-type'), 'application/octet-stream', 'a tombstone is never JSON');
});

t.test('control messages decode to their oneof case', async (t) => {
  t.equal(decode(encodeConfirmation('sub-1')).getConfirmation()!.getSubscriptionId(), 'sub-1');
  const cp = decode(encodeCheckpoint(123_456_789_012)).getCheckpoint()!;
  t.equal(cp.getCommitPosition(), '123456789012');
  t.equal(cp.getPreparePosition(), '123456789012');
  const nf = decode(encodeStreamNotFound('missing-1')).getStreamNotFound()!;
  t.equal(Buffer.from(nf.getStreamIdentifier()!.getStreamName_asU8()).toString(), 'missing-1');
  t.ok(decode(CAUGHT_UP).hasCaughtUp());
});

class FakeStream extends EventEmitter {
  chunks: Buffer[] = [];
  write(chunk: Buffer): boolean { this.chunks.push(chunk); return true; }
}

t.test('frame writer: one HTTP/2 write of length-prefixed messages when grpc-js internals exist', async (t) => {
  const stream = new FakeStream();
  let headers = 0;
  const call = { call: { stream, maybeSendMetadata: () => { headers++; } } } as unknown as ServerWritableStream<unknown, Buffer>;
  const a = encodeConfirmation('a');
  const b = encodeCheckpoint(99);
  await new FrameWriter(call).write([a, b]);
  t.equal(stream.chunks.length, 1, 'one write');
  t.equal(headers, 1, 'headers sent before data');
  const out = stream.chunks[0]!;
  t.equal(out[0], 0, 'uncompressed');
  t.equal(out.readUInt32BE(1), a.length);
  t.same(out.subarray(5, 5 + a.length), a);
  const second = 5 + a.length;
  t.equal(out.readUInt32BE(second + 1), b.length);
  t.same(out.subarray(second + 5), b);
});

t.test('frame writer: falls back to one call.write per message without them', async (t) => {
  const written: Buffer[] = [];
  const call = Object.assign(new EventEmitter(), { write: (m: Buffer) => { written.push(m); return true; } });
  const msgs = [encodeConfirmation('x'), CAUGHT_UP];
  await new FrameWriter(call as unknown as ServerWritableStream<unknown, Buffer>).write(msgs);
  t.same(written, msgs);
});
