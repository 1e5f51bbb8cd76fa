/**
 * The malware scan hook: clamd's INSTREAM command over its Unix socket or TCP. The upload is
 * streamed to clamd while it is being encrypted and stored; the document is accepted only when
 * clamd answers `OK`. Nothing is scanned when no clamd is configured (CLAMD_SOCKET or
 * CLAMD_HOST/CLAMD_PORT).
 *
 * clamd refuses a stream longer than its StreamMaxLength (default 25 MiB): configure it at least
 * as large as DOCUMENT_MAX_BYTES, or such uploads are refused as not scanned.
 */
import { connect, type Socket } from 'node:net';

export type ClamdAddress = { socket: string } | { host: string; port: number };

export type ScanVerdict = { clean: true } | { clean: false; signature: string };

/** clamd could not be reached or did not give a verdict: the upload is refused (fail closed). */
export class ScanFailedError extends Error {
  override readonly name = 'ScanFailedError';
}

/** One scan in progress: feed it bytes, then ask for the verdict. */
export interface Scan {
  write(chunk: Uint8Array): Promise<void>;
  verdict(): Promise<ScanVerdict>;
  abort(): void;
}

/** Starts a scan on a new connection to clamd. */
export function startScan(address: ClamdAddress, timeoutMs = 60_000): Scan {
  const socket: Socket = 'socket' in address ? connect(address.socket) : connect(address.port, address.host);
  socket.setTimeout(timeoutMs);
  const replies: Buffer[] = [];
  let failure: Error | undefined;
  const ended = new Promise<void>((resolve) => {
    socket.on('data', (b: Buffer) => replies.push(b));
    socket.on('error', (error) => { failure ??= error; resolve(); });
    socket.on('timeout', () => { failure ??= new Error('clamd timed out'); socket.destroy(); resolve(); });
    socket.on('close', () => resolve());
  });
  const send = (b: Buffer): Promise<void> => new Promise((resolve) => {
    if (failure || socket.destroyed) return resolve();
    if (socket.write(b)) resolve();
    else socket.once('drain', () => resolve());
  });
  const started = send(Buffer.from('zINSTREAM\0', 'latin1'));
  return {
    async write(chunk) {
      await started;
      for (let at = 0; at < chunk.length; at += 1 << 20) {
        const part = chunk.subarray(at, Math.min(chunk.length, at + (1 << 20)));
        const size = Buffer.alloc(4);
        size.writeUInt32BE(part.length);
        await send(size);
        await send(Buffer.from(part.buffer, part.byteOffset, part.length));
      }
    },
    async verdict() {
      await started;
      await send(Buffer.alloc(4));
      await ended;
      const reply = Buffer.concat(replies).toString('utf8').replace(/\0/g, '').trim();
      if (/^stream: OK$/.test(reply)) return { clean: true };
      const found = /^stream: (.+) FOUND$/.exec(reply);
      if (found) return { clean: false, signature: found[1]! };
      throw new ScanFailedError(`clamd gave no verdict (${failure ? failure.message : reply || 'no answer'})`);
    },
    abort() {
      socket.destroy();
    },
  };
}
