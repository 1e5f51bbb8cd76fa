// The runner's terminal output, and what happens when nobody reads it any more.
//
// When the reader of the runner's stdout or stderr dies (a closed terminal, a `| tee` that exited,
// a test killed at its timeout while npm and the bootstrap live on), every write fails with EPIPE.
// Unhandled, each failure is an uncaught exception, and reporting that exception is another write
// to the same pipe: the runner spun at full CPU for hours with its children still running. So a
// write error is handled once, here: output stops, and the caller is told (the runner stops, as
// it does when its parent dies: nobody is left to watch it or to press Ctrl-C).

let closed: string | undefined;
const listeners: ((reason: string) => void)[] = [];

function lost(stream: 'stdout' | 'stderr', error: NodeJS.ErrnoException): void {
  if (closed) return;
  closed = `${stream} is gone (${error.code ?? error.message})`;
  for (const listener of listeners.splice(0)) listener(closed);
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => lost('stdout', error));
process.stderr.on('error', (error: NodeJS.ErrnoException) => lost('stderr', error));

/** Writes to stdout while anyone reads it; afterwards nothing (a write would only fail again). */
export function writeOut(text: string): void {
  if (!closed) process.stdout.write(text);
}

/** Writes to stderr while anyone reads it. */
export function writeErr(text: string): void {
  if (!closed) process.stderr.write(text);
}

/** Calls `onGone` once when stdout or stderr can no longer be written (at once if that already happened). */
export function whenOutputGone(onGone: (reason: string) => void): void {
  if (closed) onGone(closed);
  else listeners.push(onGone);
}
