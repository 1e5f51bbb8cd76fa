/**
 * The applying half of a rebuild, on its own thread, writing a new read model file beside the
 * served one (`buildPathOf`; see store.ts): the main thread keeps decoding `$all` from
 * EventStoreDB while this thread parses, folds and writes the previous batch (two cores instead
 * of one). It runs the same Projector batch as the single-thread rebuild: the same rows, the same
 * digest. A failure removes the new file; the served one was never touched.
 *
 * Protocol (see WorkerChannel in runner.ts): `{ kind: 'responses', bytes, ends }` answered by
 * `{ kind: 'applied', events, applied, last, position }` (the batch's last `$all` commit position, for the progress); `{ kind: 'end' }` answered by
 * `{ kind: 'committed' }` once the new file is complete and fsynced (the main thread swaps it
 * in); `{ kind: 'abort' }` (the read failed) and any failure answered by `{ kind: 'failed',
 * message }` after the new file is removed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeReadResponse } from '@cfund/eventstore';
import { envelopeOfWire } from '../envelope.js';
import { Projector } from './projector.js';
import { ReadModelStore } from './store.js';

/**
 * `bytes` holds `ReadResp` messages of `$all` as the server sent them, message i ending at
 * `ends[i]` (transferred, not copied): this thread decodes them (`decodeReadResponse`), so the
 * reading thread does little more than receive.
 */
export type ToRebuildWorker = { kind: 'responses'; bytes: Uint8Array; ends: Uint32Array } | { kind: 'end' } | { kind: 'abort' };
export type FromRebuildWorker =
  | { kind: 'started' }
  | { kind: 'applied'; events: number; applied: number; last: string | undefined; position: string | undefined }
  | { kind: 'committed' }
  | { kind: 'failed'; message: string };

const port = parentPort;
if (!port) throw new Error('rebuild-worker runs as a worker thread');
const store = new ReadModelStore((workerData as { path: string }).path, { build: true });
const projector = new Projector(store);
const post = (m: FromRebuildWorker) => port.postMessage(m);
let failed = false;

function fail(error: unknown): void {
  failed = true;
  projector.abandonBatch();
  store.discardBuild();
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}

try {
  store.db.exec('BEGIN');
  projector.beginBatch();
  post({ kind: 'started' });
} catch (error) {
  fail(error);
}

port.on('message', (m: ToRebuildWorker) => {
  if (failed) return;
  try {
    if (m.kind === 'responses') {
      let events = 0;
      let applied = 0;
      let last: string | undefined;
      let position: string | undefined;
      const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
      let start = 0;
      for (const end of m.ends) {
        const response = decodeReadResponse(bytes, start, end);
        start = end;
        const e = response.kind === 'event' ? envelopeOfWire(response.event) : undefined;
        if (!e) continue;
        events += 1;
        position = e.commitPosition;
        if (projector.apply(e) === 'applied') {
          applied += 1;
          last = e.created;
        }
      }
      post({ kind: 'applied', events, applied, last, position });
    } else if (m.kind === 'abort') {
      fail(new Error('rebuild abandoned'));
    } else {
      projector.endBatch();
      store.completeBuild();
      post({ kind: 'committed' });
    }
  } catch (error) {
    fail(error);
  }
});
