/**
 * Testing only: holds every render in the worker at its start until the test lets it go, or
 * makes the worker die there, so that a render is observably in progress without any timing.
 * The cells live in a SharedArrayBuffer, which the worker shares instead of receiving a copy.
 */
const STATE = 0;
const STARTED = 1;
const HOLD = 0;
const GO = 1;
const DIE = 2;

/** The exit code of a worker told to die mid-render. */
export const DIED_MID_RENDER = 70;

export class RenderHold {
  readonly cells = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));

  /** How many renders have reached the hold so far. */
  get started(): number {
    return Atomics.load(this.cells, STARTED);
  }

  /** Lets the held renders, and every later one, go on. */
  release(): void {
    this.set(GO);
  }

  /** Holds the renders that start from now on. */
  hold(): void {
    this.set(HOLD);
  }

  /** Makes the worker holding a render (and every later one) exit mid-render. */
  kill(): void {
    this.set(DIE);
  }

  private set(state: number): void {
    Atomics.store(this.cells, STATE, state);
    Atomics.notify(this.cells, STATE);
  }
}

/** In the worker, before a render: counts it as started, then blocks this thread while held. */
export function passRenderHold(cells: Int32Array): void {
  Atomics.add(cells, STARTED, 1);
  while (Atomics.load(cells, STATE) === HOLD) Atomics.wait(cells, STATE, HOLD);
  if (Atomics.load(cells, STATE) === DIE) process.exit(DIED_MID_RENDER);
}
