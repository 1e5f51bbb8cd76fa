// Starts a local nats-server with JetStream: the message bus of the embedded default and of tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, closeSync, constants, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type NatsPermissions, SERVICE_NATS_PERMISSIONS, authorizationConfig, loadOrCreateNatsPasswords } from './nats-auth.js';
import { delimiter, join, resolve } from 'node:path';
import {
  type ExitStatus,
  delay,
  describeExit,
  isPidAlive,
  isPortFree,
  killOnExit,
  stopChild,
  waitForExit,
  waitForPort,
} from './processes.js';

export interface NatsServerOptions {
  /** JetStream data goes to `<dataDir>/jetstream`; the log and the ports file live here too. */
  dataDir: string;
  /** 0 or -1 (the default) picks a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Path of the nats-server binary; default `NATS_SERVER_BIN` or a search of PATH and the sbin directories. */
  executable?: string;
  /** Own process group, so a terminal's Ctrl-C reaches only the caller, which stops the server in order. */
  detached?: boolean;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Called as soon as the process exists, before it is ready: lets the caller record its pid. */
  onSpawn?: (child: ChildProcess) => void;
  /**
   * The users allowed in, by name, with their permissions; default one per service
   * (SERVICE_NATS_PERMISSIONS). Passwords are generated into `<dataDir>/credentials.json`.
   */
  users?: Record<string, NatsPermissions>;
  /** Where `credentials.json` lives; default `dataDir`. The nodes of a cluster share one. */
  credentialsDir?: string;
  /**
   * Clients must speak TLS, with this certificate (e.g. `ensureServerCertificate` of
   * @cfund/embedded-eventstore: the CA clients already trust for the event store); the URL is then
   * `tls://host:port`.
   */
  tls?: { certFile: string; keyFile: string };
  /** Joins a cluster (JetStream clustered: streams may then have replicas). */
  cluster?: NatsClusterMembership;
}

export interface NatsClusterMembership {
  /** The cluster's name, the same on every node. */
  name: string;
  /** This node's name, unique in the cluster and stable across its restarts (JetStream's peer id). */
  serverName: string;
  /** This node's route port (on `host`). */
  port: number;
  /** The other nodes' route URLs, `nats://host:port`. */
  routes: string[];
}

export interface NatsCredentials {
  user: string;
  pass: string;
}

export interface NatsServer {
  url: string;
  host: string;
  port: number;
  pid: number;
  logFile: string;
  /** Every user's credentials, by name (connect with them: anonymous clients are refused). */
  credentials: Record<string, NatsCredentials>;
  process: ChildProcess;
  /** Settles when the server exits, for whatever reason. */
  exited: Promise<ExitStatus>;
  /** SIGINT (a clean shutdown with exit code 0), then SIGKILL after the stop timeout; resolves once the process is gone. */
  close(): Promise<void>;
}

export class NatsServerNotInstalledError extends Error {
  constructor() {
    super(`nats-server is not installed (or not on PATH). ${natsInstallHint()}`);
    this.name = 'NatsServerNotInstalledError';
  }
}

export function natsInstallHint(): string {
  return [
    'Install it with `sudo apt-get install nats-server` (Debian/Ubuntu), `brew install nats-server` (macOS),',
    'or download a release from https://github.com/nats-io/nats-server/releases;',
    'set NATS_SERVER_BIN to its path if it is not on PATH.',
  ].join(' ');
}

// Debian installs nats-server into /usr/sbin, which is not on a normal user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];

/** Absolute path of the nats-server binary, or undefined when none is found. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NATS_SERVER_BIN) return resolve(env.NATS_SERVER_BIN);
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export async function startNatsServer(options: NatsServerOptions): Promise<NatsServer> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port === undefined || options.port <= 0 ? -1 : options.port;
  const dataDir = resolve(options.dataDir);
  const executable = options.executable ?? findNatsServer();
  if (!executable) throw new NatsServerNotInstalledError();

  if (requestedPort > 0 && !(await isPortFree(host, requestedPort))) {
    throw new Error(`cannot start nats-server: port ${requestedPort} on ${host} is already in use`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700); // it holds the passwords and the configuration
  removeStalePortsFiles(dataDir);
  const permissions = options.users ?? SERVICE_NATS_PERMISSIONS;
  const passwords = loadOrCreateNatsPasswords(options.credentialsDir ?? dataDir, Object.keys(permissions));
  const configFile = join(dataDir, 'nats-server.conf');
  const users = Object.entries(permissions).map(([user, p]) => ({ user, password: passwords[user] as string, permissions: p }));
  writeFileSync(configFile, authorizationConfig(users) + (options.tls ? tlsConfig(options.tls) : ''), { mode: 0o600 });
  chmodSync(configFile, 0o600);
  const credentials = Object.fromEntries(Object.entries(passwords).map(([user, pass]) => [user, { user, pass }]));

  const logFile = join(dataDir, 'nats-server.log');
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // -sd gets the parent directory: nats-server itself appends `jetstream/`.
    const args = ['-c', configFile, '-a', host, '-p', String(requestedPort), '-js', '-sd', dataDir, '--ports_file_dir', dataDir, ...clusterArgs(host, options.cluster)];
    child = spawn(executable, args, { stdio: ['ignore', logFd, logFd], detached: options.detached ?? false });
  } finally {
    closeSync(logFd); // the child keeps its own copy of the descriptor
  }
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new NatsServerNotInstalledError() : error);
    });
  });
  spawnError.catch(() => undefined);
  if (child.pid !== undefined) options.onSpawn?.(child);
  const exited = waitForExit(child);
  const detachExitHook = killOnExit(child);

  try {
    const startTimeoutMs = options.startTimeoutMs ?? 15_000;
    const port = await Promise.race([
      readPortsFile(dataDir, child, startTimeoutMs, logFile),
      spawnError,
    ]);
    await waitForPort(host, port, { child, timeoutMs: startTimeoutMs, name: 'nats-server' });
    const pid = child.pid as number;
    let closing: Promise<void> | undefined;
    return {
      url: `${options.tls ? 'tls' : 'nats'}://${host}:${port}`,
      host,
      port,
      pid,
      logFile,
      credentials,
      process: child,
      exited,
      close() {
        // nats-server exits with code 0 on SIGINT, 1 on SIGTERM: both are clean shutdowns.
        closing ??= stopChild(child, options.stopTimeoutMs, 'SIGINT').then(() => {
          detachExitHook();
          // A clean stop removes the ports file; after a SIGKILL we do it.
          rmSync(portsFilePath(dataDir, pid), { force: true });
        });
        return closing;
      },
    };
  } catch (error) {
    await stopChild(child, 2_000);
    throw error;
  }
}

/** Every client connection speaks TLS (nats-server 2.9: after the INFO line, before CONNECT). */
function tlsConfig(tls: { certFile: string; keyFile: string }): string {
  return `tls {\n  cert_file: ${JSON.stringify(resolve(tls.certFile))}\n  key_file: ${JSON.stringify(resolve(tls.keyFile))}\n  timeout: 2\n}\n`;
}

function clusterArgs(host: string, cluster: NatsClusterMembership | undefined): string[] {
  if (!cluster) return [];
  return ['--name', cluster.serverName, '--cluster_name', cluster.name, '--cluster', `nats://${host}:${cluster.port}`, '--routes', cluster.routes.join(',')];
}

// nats-server names the file `<executable name>_<pid>.ports`.
const PORTS_FILE = /^.+_(\d+)\.ports$/;

function portsFilePath(dir: string, pid: number): string {
  const name = readdirSync(dir).find((file) => file.endsWith(`_${pid}.ports`));
  return join(dir, name ?? `nats-server_${pid}.ports`);
}

/** Ports files of servers that were killed (SIGKILL, power loss) are never cleaned up by nats-server. */
function removeStalePortsFiles(dir: string): void {
  for (const file of readdirSync(dir)) {
    const match = PORTS_FILE.exec(file);
    if (match && !isPidAlive(Number(match[1]))) rmSync(join(dir, file), { force: true });
  }
}

/** The ports file appears once the listeners are bound; it is the only way to learn a random port. */
async function readPortsFile(dir: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const status = describeExit({ code: child.exitCode, signal: child.signalCode });
      throw new Error(`nats-server exited (${status}) during start-up:\n${tail(logFile)}`);
    }
    if (child.pid !== undefined) {
      const port = parsePortsFile(portsFilePath(dir, child.pid));
      if (port !== undefined) return port;
    }
    if (Date.now() > deadline) {
      throw new Error(`nats-server did not report its port within ${timeoutMs} ms; see ${logFile}:\n${tail(logFile)}`);
    }
    await delay(20);
  }
}

function parsePortsFile(file: string): number | undefined {
  try {
    const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats?: string[] };
    const url = ports.nats?.[0];
    return url ? Number(new URL(url).port) : undefined;
  } catch {
    return undefined; // not written yet, or half written
  }
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
