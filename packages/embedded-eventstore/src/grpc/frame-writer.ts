import type { ServerWritableStream } from '@grpc/grpc-js';

/** What grpc-js keeps behind a server call: the HTTP/2 stream and its "send headers once" step. */
interface CallInternals {
  stream?: { write(chunk: Buffer): boolean; writableEnded?: boolean; destroyed?: boolean; once(event: string, fn: () => void): unknown; removeListener?(event: string, fn: () => void): unknown };
  maybeSendMetadata?: () => void;
}

/**
 * Writes many gRPC messages of one server-streaming call in a single HTTP/2 write. grpc-js
 * writes each message on its own, and that per-write cost (on both ends) dominated `$all`
 * reads; gRPC framing (1 byte flag, 4 bytes length, message) is the same either way. Falls back
 * to one `call.write` per message when the internals are not where grpc-js 1.x keeps them.
 */
export class FrameWriter {
  private readonly internals: CallInternals | undefined;

  constructor(private readonly call: ServerWritableStream<unknown, Buffer>) {
    const inner = (call as unknown as { call?: CallInternals }).call;
    this.internals = inner?.stream && typeof inner.maybeSendMetadata === 'function' ? inner : undefined;
  }

  async write(messages: Buffer[]): Promise<void> {
    if (messages.length === 0) return;
    const internals = this.internals;
    if (!internals) {
      for (const m of messages) if (!this.call.write(m)) await drained(this.call);
      return;
    }
    let size = 0;
    for (const m of messages) size += 5 + m.length;
    const out = Buffer.allocUnsafe(size);
    let o = 0;
    for (const m of messages) {
      out[o] = 0;
      out.writeUInt32BE(m.length, o + 1);
      m.copy(out, o + 5);
      o += 5 + m.length;
    }
    const stream = internals.stream!;
    if (stream.writableEnded || stream.destroyed) return;
    internals.maybeSendMetadata!();
    if (!stream.write(out)) await drained(stream);
  }
}

type Emitter = { once(event: string, fn: () => void): unknown; removeListener?(event: string, fn: () => void): unknown };

/** Resolves when the peer takes more data, or when the stream ends: a cancelled call never drains. */
function drained(stream: Emitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ['drain', 'close', 'error', 'cancelled']) stream.removeListener?.(event, done);
      resolve();
    };
    for (const event of ['drain', 'close', 'error', 'cancelled']) stream.once(event, done);
  });
}
