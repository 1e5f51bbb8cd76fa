/**
 * Instruction counts of a child process under valgrind's callgrind: repeatable whatever else the
 * machine runs (CPU time on a shared machine is not), so the figure to compare between commits.
 * The counters are zeroed and dumped between phases through `callgrind_control` (vgdb), so a
 * phase's count is every instruction the process ran from the zero to the dump, in all its
 * threads (V8's compiler and GC helpers, libuv's pool), idle ticks included.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where vgdb's pipes of a process counted into `outFile` go (beside it, removed with it). */
const vgdbPrefix = (outFile: string): string => `${outFile}.vgdb`;

/**
 * valgrind's arguments before `node ...`. JIT code is rewritten in place, which callgrind must see
 * (`--smc-check=all-non-file`, valgrind's default on amd64, said here so it holds elsewhere); no
 * cache simulation: instructions only.
 */
export const callgrindPrefix = (outFile: string): string[] => [
  'valgrind', '-q', '--tool=callgrind', `--callgrind-out-file=${outFile}`, '--smc-check=all-non-file', '--collect-atstart=yes', '--vgdb=yes',
  `--vgdb-prefix=${vgdbPrefix(outFile)}`,
];

/** The instructions of a callgrind dump (its `totals:` line, or the sum of its `summary:` lines). */
export function callgrindTotal(dump: string): number {
  const totals = /^totals:\s+(\d+)/m.exec(dump);
  if (totals) return Number(totals[1]);
  const summaries = [...dump.matchAll(/^summary:\s+(\d+)/gm)];
  if (summaries.length === 0) throw new Error('not a callgrind dump: no totals or summary line');
  return summaries.reduce((sum, m) => sum + Number(m[1]), 0);
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
  async dump(): Promise<number> {
    await this.control('-d');
    this.dumps += 1;
    const file = `${this.outFile}.${this.dumps}`;
    return callgrindTotal(fs.readFileSync(file, 'utf8'));
  }
}
