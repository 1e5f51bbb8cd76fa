/**
 * A letter-rendering worker thread (LetterRenderPool): renders each LetterInput it is sent and
 * answers its PDF bytes, one at a time. It loads from the compiled dist (plain node, no test
 * loader), and holds no key, no store and no environment: only the letter's own words reach it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderLetter, type LetterInput } from '@cfund/letters';
import { passRenderHold } from './render-hold.js';

/** What the pool hands a worker when it starts it. */
export interface RenderWorkerData {
  /** Testing only: RenderHold's cells. */
  hold?: Int32Array;
}

/** A worker's answer to one letter. */
export type RenderAnswer = { bytes: Uint8Array } | { error: string };

const port = parentPort;
if (!port) throw new Error('render-worker runs as a worker thread of the command service');
const { hold } = workerData as RenderWorkerData;

port.on('message', (input: LetterInput) => {
  if (hold) passRenderHold(hold);
  renderLetter(input).then(
    (bytes) => port.postMessage({ bytes } satisfies RenderAnswer),
    // The message only: an error's other properties could carry the letter's words.
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies RenderAnswer),
  );
});
