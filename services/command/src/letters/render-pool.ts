/**
 * Letters rendered off the event loop: a letter is CPU-bound for milliseconds to tens of
 * milliseconds (pdfkit), and on the service's one thread every other request waited for it. A
 * small pool of worker threads (LETTER_RENDER_WORKERS) renders them instead; the command awaits
 * the bytes, hashes them and goes on as before (the SHA-256 is still on the event before the
 * append, and a letter is still reproducible: the worker runs the same renderLetter on the same
 * input, so the same decision gives the same bytes).
 *
 * What crosses to a worker: the LetterInput alone, that is the words the letter prints (public
 * reference, amounts, dates, reasons, a request's question) and its locale. The victim's preferred
 * language is decrypted in this thread and crosses only as that locale; no key, no ciphertext, no
 * other personal data and no environment (the worker gets an empty one) are posted to it.
 *
 * A worker that dies mid-render (a crash, out of memory) fails that letter's command with a 503
 * problem (nothing was stored or appended: the bytes come before both) and is replaced by the
 * next letter. The pool starts its workers on the first letter and ends them when the app closes.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { problemType, type ErrorProblem } from '@cfund/contracts';
import { renderLetter, type LetterInput } from '@cfund/letters';
import type { RenderAnswer, RenderWorkerData } from './render-worker.js';

/** How a command gets a letter's bytes. */
export interface LetterRenderer {
  render(input: LetterInput): Promise<Buffer>;
  /** Ends the workers; letters waiting for one fail with LetterRenderingUnavailableError. */
  close(): Promise<void>;
}

/**
 * The compiled worker, also when this module runs from its TypeScript source (tests): a worker
 * thread is plain node, without the tests' loader.
 */
const WORKER_FILE = new URL(import.meta.url.endsWith('.ts') ? '../../dist/letters/render-worker.js' : './render-worker.js', import.meta.url);

/** A letter could not be rendered because its worker died or the service is closing (HTTP 503). */
export class LetterRenderingUnavailableError extends Error {
  override readonly name = 'LetterRenderingUnavailableError';
}

const RETRY_AFTER_S = 1;

export function letterRenderingProblem(error: unknown): ErrorProblem | undefined {
  if (!(error instanceof LetterRenderingUnavailableError)) return undefined;
  return {
    type: problemType('letter-rendering-unavailable'), title: 'Service Unavailable', status: 503, code: 'letter-rendering-unavailable',
    detail: `The letter served with this command could not be rendered; nothing was recorded. Try again in ${RETRY_AFTER_S} s `
      + '(with the same Idempotency-Key a retried command is applied at most once).',
    headers: { 'retry-after': String(RETRY_AFTER_S) }, warn: 'letter rendering unavailable',
  };
}

export interface LetterRendererOptions {
  /** Worker threads (LETTER_RENDER_WORKERS); 0 renders on the event loop, as before the pool. */
  workers: number;
  logger?: Logger;
  /** Testing only: RenderHold's cells, shared with every worker. */
  hold?: Int32Array;
}

export function letterRenderer(options: LetterRendererOptions): LetterRenderer {
  if (options.workers === 0) return { render: renderLetter, close: async () => undefined };
  return new LetterRenderPool(options);
}

interface Job { input: LetterInput; resolve(bytes: Buffer): void; reject(error: Error): void }
interface Slot { worker: Worker; job?: Job | undefined }

class LetterRenderPool implements LetterRenderer {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(private readonly options: LetterRendererOptions) {}

  render(input: LetterInput): Promise<Buffer> {
    if (this.closed) return Promise.reject(new LetterRenderingUnavailableError('the service is closing'));
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new LetterRenderingUnavailableError('the service is closing'));
    const slots = [...this.slots];
    this.slots.clear();
    for (const { job } of slots) job?.reject(new LetterRenderingUnavailableError('the service is closing'));
    await Promise.all(slots.map(({ worker }) => worker.terminate()));
  }

  /** Gives waiting letters to idle workers, starting workers up to the pool's size. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => s.job === undefined);
      if (!slot) {
        if (this.slots.size >= this.options.workers) return;
        slot = this.start();
      }
      slot.job = this.queue.shift()!;
      // A letter in progress keeps the process alive until its answer; an idle worker does not.
      slot.worker.ref();
      slot.worker.postMessage(slot.job.input);
    }
  }

  private start(): Slot {
    const workerData: RenderWorkerData = this.options.hold ? { hold: this.options.hold } : {};
    // execArgv []: not the parent's flags (a test loader, --cpu-prof); env {}: no secrets in the worker.
    const worker = new Worker(WORKER_FILE, { workerData, execArgv: [], env: {} });
    const slot: Slot = { worker };
    this.slots.add(slot);
    worker.on('message', (answer: RenderAnswer) => {
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if ('bytes' in answer) job?.resolve(Buffer.from(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength));
      else job?.reject(new Error(`rendering a letter failed: ${answer.error}`));
      this.dispatch();
    });
    // An uncaught error is followed by 'exit': whichever comes first retires the worker.
    worker.on('error', (error) => this.lost(slot, error.message));
    worker.on('exit', (code) => this.lost(slot, `exit code ${code}`));
    return slot;
  }

  /** A worker died: its letter fails (503), and the next letter starts a worker in its place. */
  private lost(slot: Slot, cause: string): void {
    if (!this.slots.delete(slot)) return;
    this.options.logger?.error({ cause, rendering: slot.job !== undefined }, 'a letter-rendering worker stopped');
    slot.job?.reject(new LetterRenderingUnavailableError(`the letter's rendering worker stopped (${cause})`));
    slot.job = undefined;
    if (!this.closed) this.dispatch();
  }
}
