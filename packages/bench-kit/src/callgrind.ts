/**
 * Instruction counts of a child process under valgrind's callgrind: repeatable whatever else the
 * machine runs (CPU time on a shared machine is not), so the figure to compare between commits.
 * The counters are zeroed and dumped between phases through `callgrind_control` (vgdb), so a
 * phase's count is every instruction the process ran from the zero to the dump, idle ticks
 * included. Each thread is counted apart (`--separate-threads=yes`): the main thread runs the
 * JavaScript, while V8's compiler and GC helpers and libuv's pool run whenever the engine hands
 * them work, so their instructions land in whichever phase they fall; a count gives both the main
 * thread's figure and all threads' together.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where vgdb's pipes of a process counted into `outFile` go (beside it, removed with it). */
const vgdbPrefix = (outFile: string): string => `${outFile}.vgdb`;

/**
 * valgrind's arguments before `node ...`. JIT code is rewritten in place, which callgrind must see
 * (`--smc-check=all-non-file`, valgrind's default on amd64, said here so it holds elsewhere); no
 * cache simulation: instructions only. One dump file per thread: `<outFile>.<dump>-<thread>` for a
 * dump on request, `<outFile>-<thread>` at exit (valgrind 3.19's names; `<outFile>` stays empty).
 */
export const callgrindPrefix = (outFile: string): string[] => [
  'valgrind', '-q', '--tool=callgrind', `--callgrind-out-file=${outFile}`, '--smc-check=all-non-file', '--collect-atstart=yes', '--separate-threads=yes',
  '--vgdb=yes', `--vgdb-prefix=${vgdbPrefix(outFile)}`,
];

/** The instructions of a callgrind dump (its `totals:` line, or the sum of its `summary:` lines). */
export function callgrindTotal(dump: string): number {
  const totals = /^totals:\s+(\d+)/m.exec(dump);
  if (totals) return Number(totals[1]);
  const summaries = [...dump.matchAll(/^summary:\s+(\d+)/gm)];
  if (summaries.length === 0) throw new Error('not a callgrind dump: no totals or summary line');
  return summaries.reduce((sum, m) => sum + Number(m[1]), 0);
}

/** One phase's instructions: the main thread's (the JavaScript) and all threads' together. */
export interface InstructionCount {
  mainThread: number;
  allThreads: number;
}

/** valgrind numbers the thread that ran `main` 1. */
const MAIN_THREAD = 1;

/** The count of one dump from its files, one per thread (each names its thread in a `thread:` line). */
export function callgrindCount(threadDumps: readonly string[]): InstructionCount {
  let mainThread: number | undefined;
  let allThreads = 0;
  for (const dump of threadDumps) {
    const thread = /^thread:\s+(\d+)/m.exec(dump);
    if (!thread) throw new Error('not a dump of one thread: no thread line (run callgrind with --separate-threads=yes)');
    const total = callgrindTotal(dump);
    if (Number(thread[1]) === MAIN_THREAD) mainThread = total;
    allThreads += total;
  }
  if (mainThread === undefined) throw new Error(`no dump of the main thread (thread ${MAIN_THREAD}) among ${threadDumps.length} files`);
  return { mainThread, allThreads };
}

/**
 * The count of a process counted into `outFile`: its dump number `dump` (`callgrind_control -d`,
 * from 1), or without it the dump written at exit.
 */
export function readCallgrindCount(outFile: string, dump?: number): InstructionCount {
  const dir = path.dirname(outFile);
  const stem = path.basename(outFile) + (dump === undefined ? '' : `.${dump}`);
  const files = fs.readdirSync(dir).filter((name) => name.startsWith(`${stem}-`) && /^\d+$/.test(name.slice(stem.length + 1)));
  if (files.length === 0) throw new Error(`no callgrind dump ${stem}-<thread> in ${dir}`);
  return callgrindCount(files.map((name) => fs.readFileSync(path.join(dir, name), 'utf8')));
}

/** Whether valgrind can run here (the bench says what to install otherwise). */
export async function valgrindVersion(): Promise<string | undefined> {
  try {
    return (await run('valgrind', ['--version'])).stdout.trim();
  } catch {
    return undefined;
  }
}

/**
 * The counters of one process started with `callgrindPrefix(outFile)`. `childEnv`: the process's
 * environment, whose USER and HOST name vgdb's pipes (a service's HOST is its listening address),
 * so callgrind_control must be given the same.
 */
export class InstructionCounter {
  private dumps = 0;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly pid: number, private readonly outFile: string, childEnv: NodeJS.ProcessEnv) {
    this.env = { ...process.env };
    for (const name of ['USER', 'HOST'] as const) {
      if (childEnv[name] === undefined) delete this.env[name];
      else this.env[name] = childEnv[name];
    }
  }

  private control(action: string): Promise<unknown> {
    return run('callgrind_control', [`--vgdb-prefix=${vgdbPrefix(this.outFile)}`, action, String(this.pid)], { env: this.env });
  }

  /** Starts a phase: the counts so far are dropped. */
  async zero(): Promise<void> {
    await this.control('-z');
  }

  /** Ends a phase: the instructions since the last zero or dump (callgrind resets after a dump). */
  async dump(): Promise<InstructionCount> {
    await this.control('-d');
    this.dumps += 1;
    return readCallgrindCount(this.outFile, this.dumps);
  }
}
