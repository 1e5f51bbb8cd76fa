import type { Readable } from 'node:stream';
import type { StreamingRead } from '@eventstore/db-client';

/** What the client pipes into a read: its gRPC call (grpc-js ClientReadableStream). */
type GrpcCall = Readable & { cancel?: () => void };

/**
 * Makes a read of `@eventstore/db-client` 6.2.1 safe to leave early (`break`, `return` or a throw
 * inside `for await`). The client destroys its read stream then, but neither cancels nor drains
 * the gRPC call piped into it: a server still sending stays blocked on flow control, and when the
 * call's OK status arrives after the loop was left, the paused call never emits 'end', so
 * `client.dispose()` (which waits for every call to finish) never resolves. KurrentDB's
 * Streams.Read ends a read exactly so (each response written, then OK); the .NET client fixed
 * the same gap by disposing a partly consumed read's call.
 *
 * On leaving, the call is cancelled (a server still sending stops reading) and resumed (a call
 * that already ended emits 'end'). A read consumed to its end is unaffected.
 */
export function leavableRead<E>(read: StreamingRead<E>): StreamingRead<E> {
  read.once('unpipe', (source: unknown) => {
    const call = source as GrpcCall;
    call.cancel?.();
    call.resume();
  });
  return read;
}
