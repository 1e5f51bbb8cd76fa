// Runs the embedded event store's compiled CLI as a child process and waits for its ready line.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, spawnManaged } from './managed-process.js';
import { loadOrCreateNatsPasswords as loadOrCreatePasswords } from './nats-auth.js';
import { describeExit } from './processes.js';

/** The compiled CLI, resolved relative to this file (infra/dist or infra/src, both two levels deep). */
export const EVENTSTORE_CLI = fileURLToPath(new URL('../../packages/embedded-eventstore/dist/cli.js', import.meta.url));

const READY_LINE = /^embedded-eventstore ready on (.+?):(\d+)(?: with TLS, CA certificate (.+))?$/;

export interface EventStoreProcessOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  cliPath?: string;
  /** Start-up replays the log tail and may take a while on a big store. */
  startTimeoutMs?: number;
  /**
   * Run as KurrentDB's `--insecure` (no TLS, no credentials, no access control). Default: a
   * secure node whose users' passwords are generated once into `<dataDir>/credentials` (0600)
   * and whose CA and node certificate are generated into `<dataDir>/certs`.
   */
  insecure?: boolean;
  /** Further users (one per service) whose passwords are generated and kept beside admin's. */
  users?: string[];
  /** Called as soon as the process exists, before it is ready: lets the caller stop or record it. */
  onSpawn?: (managed: ManagedProcess) => void;
}

export interface EventStoreProcess {
  managed: ManagedProcess;
  host: string;
  port: number;
  /** With the admin user's credentials when secure: pass it to services, never print it. */
  connectionString: string;
  /** The same without credentials, for people to read (the password stays in `credentialsFile`). */
  displayString: string;
  /** Where the generated passwords of `admin`, `ops` and the `users` are; undefined when insecure. */
  credentialsFile: string | undefined;
  /** The generated password of each of `users`; empty when insecure. */
  passwords: Record<string, string>;
  /** `connectionString` as another user with its password (insecure: the plain one). */
  connectionStringAs(user: string, password: string): string;
  /** The CA that issued the node's certificate (clients trust it); undefined when insecure. */
  caFile: string | undefined;
}

export async function startEventStoreProcess(options: EventStoreProcessOptions): Promise<EventStoreProcess> {
  const cliPath = options.cliPath ?? EVENTSTORE_CLI;
  if (!existsSync(cliPath)) {
    throw new Error(`the embedded event store is not built (${cliPath} is missing); run \`pnpm build\` first`);
  }
  type Address = { host: string; port: number; caFile?: string };
  let onReady: (address: Address) => void = () => undefined;
  const ready = new Promise<Address>((resolve) => {
    onReady = resolve;
  });
  const args = [cliPath, '--data', options.dataDir, '--host', options.host, '--port', String(options.port)];
  const credentialsDir = join(options.dataDir, 'credentials');
  let passwords: Record<string, string> | undefined;
  if (options.insecure) args.push('--insecure');
  else passwords = loadOrCreatePasswords(credentialsDir, ['admin', 'ops', ...(options.users ?? [])]);
  const managed = spawnManaged('eventstore', process.execPath, args, {
    // The passwords go by environment, never on the command line (which `ps` shows).
    ...(passwords ? { env: { ...process.env, KURRENTDB_DEFAULT_ADMIN_PASSWORD: passwords.admin, KURRENTDB_DEFAULT_OPS_PASSWORD: passwords.ops } } : {}),
    onStdoutLine(line) {
      const match = READY_LINE.exec(line.trim());
      if (!match) return false;
      onReady({ host: match[1] as string, port: Number(match[2]), ...(match[3] ? { caFile: match[3] } : {}) });
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
    const at = `${address.host}:${address.port}`;
    if (passwords && !address.caFile) throw new Error('the event store started without TLS although it was asked to be secure');
    const tls = address.caFile ? `?tls=true&tlsCAFile=${encodeURIComponent(address.caFile)}` : '?tls=false';
    const connectionStringAs = (user: string, password: string): string =>
      (passwords ? `esdb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${at}${tls}` : `esdb://${at}${tls}`);
    return {
      managed,
      host: address.host,
      port: address.port,
      connectionString: connectionStringAs('admin', passwords?.admin ?? ''),
      displayString: `esdb://${at}${tls}`,
      credentialsFile: passwords ? join(credentialsDir, 'credentials.json') : undefined,
      passwords: Object.fromEntries((options.users ?? []).flatMap((user) => (passwords?.[user] ? [[user, passwords[user]]] : []))),
      connectionStringAs,
      caFile: address.caFile,
    };
  } catch (error) {
    await managed.stop(5_000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
