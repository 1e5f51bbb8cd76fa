// Runs the embedded event store's compiled CLI as a child process and waits for its ready line.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, spawnManaged } from './managed-process.js';
import { describeExit } from './processes.js';

/** The compiled CLI, resolved relative to this file (infra/dist or infra/src, both two levels deep). */
export const EVENTSTORE_CLI = fileURLToPath(new URL('../../packages/embedded-eventstore/dist/cli.js', import.meta.url));

const READY_LINE = /^embedded-eventstore ready on (.+):(\d+)$/;

export interface EventStoreProcessOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  cliPath?: string;
  /** Start-up replays the log tail and may take a while on a big store. */
  startTimeoutMs?: number;
  /** Called as soon as the process exists, before it is ready: lets the caller stop or record it. */
  onSpawn?: (managed: ManagedProcess) => void;
}

export interface EventStoreProcess {
  managed: ManagedProcess;
  host: string;
  port: number;
  connectionString: string;
}

export async function startEventStoreProcess(options: EventStoreProcessOptions): Promise<EventStoreProcess> {
  const cliPath = options.cliPath ?? EVENTSTORE_CLI;
  if (!existsSync(cliPath)) {
    throw new Error(`the embedded event store is not built (${cliPath} is missing); run \`pnpm build\` first`);
  }
  let onReady: (address: { host: string; port: number }) => void = () => undefined;
  const ready = new Promise<{ host: string; port: number }>((resolve) => {
    onReady = resolve;
  });
  const args = [cliPath, '--data', options.dataDir, '--host', options.host, '--port', String(options.port)];
  const managed = spawnManaged('eventstore', process.execPath, args, {
    onStdoutLine(line) {
      const match = READY_LINE.exec(line.trim());
      if (!match) return false;
      onReady({ host: match[1] as string, port: Number(match[2]) });
      return true;
    },
  });
  options.onSpawn?.(managed);

  const timeoutMs = options.startTimeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the event store did not report ready within ${timeoutMs} ms`)), timeoutMs);
    managed.exited.then((status) =>
      reject(new Error(`the event store exited (${describeExit(status)}) before it was ready; see its output above`)),
    );
  });
  failure.catch(() => undefined);
  try {
    const address = await Promise.race([ready, failure]);
    return {
      managed,
      host: address.host,
      port: address.port,
      connectionString: `esdb://${address.host}:${address.port}?tls=false`,
    };
  } catch (error) {
    await managed.stop(5_000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
