// Small process and port helpers shared by the local runner, the NATS launcher and test support.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves once the child has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/**
 * Asks a child to stop (SIGTERM by default) and escalates to SIGKILL after `timeoutMs`:
 * a clean stop lets servers flush and remove their pid/ports files, the escalation
 * guarantees that shutdown always finishes.
 */
export async function stopChild(child: ChildProcess, timeoutMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
  const exited = waitForExit(child);
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  child.kill('SIGKILL');
  return exited;
}

/** Kills `child` if this process exits first, so a crashing parent leaves no server behind. */
export function killOnExit(child: ChildProcess): () => void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const detach = () => process.removeListener('exit', kill);
  child.once('exit', detach);
  return detach;
}

/**
 * Calls `onGone` once when the process that started this one exits without passing a signal on
 * (it was SIGKILLed, or a shell in between died): this process is then adopted by another one.
 * Polls, because no portable event says so. Returns a function that stops watching.
 */
export function watchParent(onGone: (parentPid: number) => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and not a zombie: a dead child of a dead parent stays a zombie until init reaps it. */
export function isProcessRunning(pid: number): boolean {
  return isPidAlive(pid) && Boolean(processCommandLine(pid));
}

/** The command line of a running process, or undefined when it cannot be read. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    // Not Linux (or already gone): fall back to ps, available on macOS and BSDs.
  }
  try {
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True when a TCP connection to host:port succeeds. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface WaitForPortOptions {
  timeoutMs?: number;
  /** Rejects early when this child exits: no point waiting for a dead server. */
  child?: ChildProcess;
  /** Used in error messages. */
  name?: string;
}

/** Polls until host:port accepts TCP connections. */
export async function waitForPort(host: string, port: number, options: WaitForPortOptions = {}): Promise<void> {
  const { timeoutMs = 30_000, child, name = `${host}:${port}` } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${name} exited (${describeExit({ code: child.exitCode, signal: child.signalCode })}) before accepting connections on ${host}:${port}`);
    }
    if (await canConnect(host, port)) return;
    if (Date.now() > deadline) {
      throw new Error(`${name} did not accept connections on ${host}:${port} within ${timeoutMs} ms`);
    }
    await delay(50);
  }
}

/**
 * Resolves to true when nothing listens on host:port. Binding (rather than connecting)
 * also catches listeners on 0.0.0.0 and ports held by processes that do not answer.
 */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on `host` right now, for a child process to listen on later. Chosen below the
 * system's ephemeral range: a port from that range (what `listen(0)` hands out) can be taken by
 * any other process's outgoing connection or `listen(0)` before the child binds it (seen as
 * EADDRINUSE in tests running side by side).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralLow();
  const from = Math.max(1024, low - 12_000);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (await isPortFree(host, port)) return port;
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The first port of the system's ephemeral range (Linux's default where it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 2048 && low <= 65535) return low;
  } catch { /* not Linux */ }
  return 32768;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
