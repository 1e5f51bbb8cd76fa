// The local runner's lock and pid file (`<DATA_DIR>/local-runner.json`).
// It records the runner's pid and those of its children, so that the next `npm start`
// can tell a live runner (refuse to start) from one that was killed with SIGKILL or by a
// crash (stop the children it left behind, then start normally).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delay, isProcessRunning, processCommandLine } from './processes.js';

export interface RecordedChild {
  name: string;
  pid: number;
  /** A string the child's command line must contain: protects against pid reuse. */
  marker: string;
}

interface RunState {
  pid: number;
  startedAt: string;
  children: RecordedChild[];
}

const RUNNER_MARKER = 'local-runner';

export class RunStateFile {
  private children: RecordedChild[] = [];
  /** Only the owner of the lock may rewrite or remove it: a refused runner must leave it alone. */
  private claimed = false;

  constructor(readonly path: string) {}

  /**
   * Takes the lock. Throws if another runner is alive; cleans up after a dead one and
   * returns what it did, for the log.
   */
  async claim(): Promise<string[]> {
    const notes: string[] = [];
    const previous = this.read();
    if (previous) {
      if (previous.pid !== process.pid && commandLineHas(previous.pid, RUNNER_MARKER)) {
        throw new Error(
          `another local runner (pid ${previous.pid}) is already using this data directory; ` +
            `stop it first (Ctrl-C in its terminal, or kill ${previous.pid})`,
        );
      }
      for (const child of previous.children) {
        if (commandLineHas(child.pid, child.marker)) {
          await terminate(child.pid);
          notes.push(`stopped ${child.name} (pid ${child.pid}) left running by a previous run that did not shut down cleanly`);
        }
      }
      rmSync(this.path, { force: true });
    }
    // 'wx': if two runners start at the same instant, only one creates the file.
    try {
      writeFileSync(this.path, this.serialize(), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`another local runner is starting with this data directory (${this.path})`);
      }
      throw error;
    }
    this.claimed = true;
    return notes;
  }

  add(child: RecordedChild): void {
    this.children.push(child);
    this.write();
  }

  remove(pid: number): void {
    this.children = this.children.filter((child) => child.pid !== pid);
    this.write();
  }

  release(): void {
    if (this.claimed) rmSync(this.path, { force: true });
    this.claimed = false;
  }

  private read(): RunState | undefined {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as RunState;
    } catch {
      return undefined; // missing, or torn by a crash mid-write: nothing to trust
    }
  }

  private write(): void {
    if (!this.claimed) return;
    // Write-and-rename so a crash never leaves a half-written file.
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, this.serialize());
    renameSync(temporary, this.path);
  }

  private serialize(): string {
    const state: RunState = { pid: process.pid, startedAt: new Date().toISOString(), children: this.children };
    return `${JSON.stringify(state, null, 2)}\n`;
  }
}

/** Running (not a zombie) and what we think it is: a recycled pid must not be killed. */
function commandLineHas(pid: number, marker: string): boolean {
  return processCommandLine(pid)?.includes(marker) ?? false;
}

async function terminate(pid: number, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isProcessRunning(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
      await delay(100);
      return;
    }
    await delay(50);
  }
}
