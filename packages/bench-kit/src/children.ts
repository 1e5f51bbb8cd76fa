/**
 * The processes of a benchmark run: each server a child process on loopback, a temp directory
 * for their data, all removed on success, failure, a signal or when the run overstays its
 * deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class BenchRun {
  readonly root: string;
  private readonly children = new Set<ChildProcess>();
  private readonly extraCleanups: (() => void)[] = [];

  /** `name` prefixes the temp directory and messages; the run fails after `deadlineMs`. */
  constructor(readonly name: string, deadlineMs: number) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    process.on('exit', () => this.cleanup());
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => { process.stderr.write(`${name}: ${signal}, cleaning up\n`); this.cleanup(); process.exit(130); });
    }
    const deadline = setTimeout(() => {
      process.stderr.write(`${name}: still running after ${deadlineMs / 1000} s; stopping\n`);
      this.cleanup();
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
  }

  dir(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /** Something else to undo at the end (e.g. a nats-server started through @cfund/infra). */
  onCleanup(fn: () => void): void {
    this.extraCleanups.push(fn);
  }

  /**
   * Spawns `node <args>` and resolves with the child and the first match of `ready` in its stdout.
   * `prefix`: a command node runs under (e.g. callgrindPrefix), the child then being that command.
   */
  startNode(args: string[], ready: RegExp, env?: NodeJS.ProcessEnv, options: { prefix?: string[]; readyTimeoutMs?: number } = {}): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
    const proc = this.spawnNode(args, env, options.prefix);
    const readyMs = options.readyTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${path.basename(args.at(-1)!)}: not ready after ${readyMs / 1000} s`)), readyMs);
      proc.stdout!.on('data', (d: Buffer) => {
        if (out.length > 1 << 20) return;
        out += d.toString();
        const m = ready.exec(out);
        if (m) { clearTimeout(timer); resolve({ proc, match: m }); }
      });
      proc.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready`)); });
    });
  }

  /** Spawns `node <args>`, under `prefix` if given (stdout piped, stderr inherited), without waiting for anything. */
  spawnNode(args: string[], env?: NodeJS.ProcessEnv, prefix: readonly string[] = []): ChildProcess {
    const [command, ...rest] = [...prefix, process.execPath, ...args] as [string, ...string[]];
    const proc = spawn(command, rest, { stdio: ['ignore', 'pipe', 'inherit'], ...(env ? { env } : {}) });
    this.children.add(proc);
    return proc;
  }

  async stop(proc: ChildProcess): Promise<void> {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    this.children.delete(proc);
  }

  cleanup(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    this.children.clear();
    for (const fn of this.extraCleanups.splice(0)) {
      try { fn(); } catch { /* best effort at exit */ }
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** User + system CPU of a process so far, in ms (from /proc; undefined elsewhere). */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
  } catch {
    return undefined;
  }
}

/** The peak resident set of a process so far (VmHWM), in MB (from /proc; undefined elsewhere). */
export function peakMemoryMbOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
