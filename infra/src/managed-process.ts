// A child process of the local runner: its output is prefixed with its name, and it runs in
// its own process group so that a terminal's Ctrl-C reaches only the runner, which then
// stops the children in reverse start order.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeErr, writeOut } from './output.js';
import { type ExitStatus, killOnExit, stopChild, waitForExit } from './processes.js';

export interface ManagedProcess {
  name: string;
  process: ChildProcess;
  pid: number;
  exited: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ExitStatus>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Sees every stdout line first; returning true swallows the line. */
  onStdoutLine?: (line: string) => boolean;
}

export function spawnManaged(name: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) {
    // spawn failures (ENOENT, EACCES) are also emitted as 'error' events; report them once, here.
    child.on('error', () => undefined);
    throw new Error(`cannot start ${name}: ${command} could not be executed`);
  }
  killOnExit(child);
  const prefix = `[${name}] `;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (options.onStdoutLine?.(line)) return;
    writeOut(`${prefix}${line}\n`);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => writeErr(`${prefix}${line}\n`));
  const exited = waitForExit(child);
  return {
    name,
    process: child,
    pid: child.pid,
    exited,
    stop: (timeoutMs) => stopChild(child, timeoutMs),
  };
}
