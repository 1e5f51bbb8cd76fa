// Starts the embedded default (event store, nats-server, then every service), restarts a part
// that dies while the others keep serving, and stops everything in reverse order on a signal
// or when a part keeps failing.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureServerCertificate } from '@cfund/embedded-eventstore';
import type { LocalConfig } from './config.js';
import { eventStoreLogin, provisionEventStoreAccess } from './eventstore-access.js';
import { startEventStoreProcess } from './eventstore-process.js';
import { spawnManaged } from './managed-process.js';
import { writeOut } from './output.js';
import { makePrivate } from './private-files.js';
import { startNatsServer, tail } from './nats-server.js';
import { type ExitStatus, delay, describeExit, isPortFree, stopChild, waitForExit, waitForPort } from './processes.js';
import { RestartPolicy } from './restart-policy.js';
import { RunStateFile } from './run-state.js';
import { type ServiceSpec, discoverServices } from './services.js';

/**
 * The services reach the local event store over TLS at 127.0.0.1 (its certificate names the
 * address), and Node warns once per process that an IP address is not a TLS server name
 * (DEP0123): noise on the terminal of `npm start`. Only where this Node knows the flag (20.11+).
 */
const QUIET_TLS_IP_WARNING = process.allowedNodeEnvironmentFlags.has('--disable-warning') ? ['--disable-warning=DEP0123'] : [];

interface Running {
  name: string;
  pid: number;
  exited: Promise<ExitStatus>;
  stop(): Promise<ExitStatus>;
  /** What to show when it dies on its own, e.g. the end of its log. */
  hint?: () => string;
}

/** One part of the system (the event store, NATS, a service): what runs now, and how to start it again. */
interface Part {
  name: string;
  current: Running;
  /** Starts a new instance at the same address; resolves once it is ready. Set once the first one is. */
  restart?: () => Promise<unknown>;
  policy: RestartPolicy;
  /** Passed by the shutdown: an instance that appears now is stopped at once. */
  stopped: boolean;
}

export interface RunnerOptions {
  /** The compiled event store CLI; default packages/embedded-eventstore/dist/cli.js. */
  eventStoreCli?: string;
}

export class LocalRunner {
  /** In start order. */
  private readonly parts: Part[] = [];
  private readonly state: RunStateFile;
  private stopping: Promise<never> | undefined;
  private exitCode = 0;

  constructor(
    private readonly config: LocalConfig,
    private readonly options: RunnerOptions = {},
  ) {
    this.state = new RunStateFile(join(config.dataDir, 'local-runner.json'));
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  async start(): Promise<void> {
    const { config } = this;
    const services = discoverServices(config.servicesDir);
    const unbuilt = services.filter((service) => !existsSync(service.entry));
    if (unbuilt.length > 0) {
      throw new Error(`not built: ${unbuilt.map((service) => service.entry).join(', ')}; run \`pnpm build\` first`);
    }
    const eventStoreDir = join(config.dataDir, 'eventstore');
    const natsDir = join(config.dataDir, 'nats');
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const tightened = makePrivate(config.dataDir);
    if (tightened > 0) log(`made ${tightened} files and directories under ${config.dataDir} readable by their owner only`);
    mkdirSync(eventStoreDir, { recursive: true });
    mkdirSync(natsDir, { recursive: true });

    // Clean up after a killed predecessor first: its leftovers would hold our ports.
    for (const note of await this.state.claim()) log(note);
    await this.checkPorts(services);

    // A restart reuses the port the first instance got, so the services' addresses stay valid.
    const storeUsers = services.filter((service) => service.eventStore);
    const startEventStore = (port: number) =>
      startEventStoreProcess({
        dataDir: eventStoreDir,
        host: config.host,
        port,
        users: storeUsers.map((service) => eventStoreLogin(service.name)),
        ...(this.options.eventStoreCli ? { cliPath: this.options.eventStoreCli } : {}),
        // The store flushes on SIGTERM: give it longer than the others before SIGKILL.
        onSpawn: (managed) => this.track({ ...managed, stop: () => managed.stop(15_000) }, eventStoreDir),
      });
    const eventStore = await startEventStore(config.esdbPort);
    this.supervise('eventstore', () => startEventStore(eventStore.port));
    // Each service its own user with the least rights it needs; the users live in the store, so a
    // restart of the store keeps them.
    const serviceAccounts = storeUsers.flatMap((service) => {
      const password = eventStore.passwords[eventStoreLogin(service.name)];
      return password ? [{ service: service.name, password }] : [];
    });
    if (eventStore.credentialsFile) {
      // The embedded store has KurrentDB's stream policy plugin: each service writes only its own categories.
      await provisionEventStoreAccess(eventStore.connectionString, serviceAccounts, 'stream-policy');
      if (serviceAccounts.length > 0) log(`event store users ${serviceAccounts.map((a) => eventStoreLogin(a.service)).join(', ')} ready (passwords in ${eventStore.credentialsFile})`);
    }

    // nats-server speaks TLS with a certificate from the event store's CA: the services trust one CA file.
    const natsTls = eventStore.caFile ? await ensureServerCertificate(dirname(eventStore.caFile), 'nats', 'nats', [config.host]) : undefined;
    const natsLog = join(natsDir, 'nats-server.log');
    const startNats = (port: number) =>
      startNatsServer({
        dataDir: natsDir,
        host: config.host,
        port,
        detached: true,
        ...(natsTls ? { tls: { certFile: natsTls.certFile, keyFile: natsTls.keyFile } } : {}),
        onSpawn: (child) =>
          this.track(
            {
              name: 'nats-server',
              pid: child.pid as number,
              exited: waitForExit(child),
              // SIGINT: nats-server's clean shutdown with exit code 0.
              stop: () => stopChild(child, 10_000, 'SIGINT'),
              hint: () => `its log (${natsLog}) ends with:\n${tail(natsLog, 10)}`,
            },
            natsDir,
          ),
      });
    const nats = await startNats(config.natsPort);
    this.supervise('nats-server', () => startNats(Number(new URL(nats.url).port)));

    const urls: [string, string, string][] = [
      // Never the connection string itself: it carries the admin password.
      ['event store', eventStore.displayString, `data in ${eventStoreDir}${eventStore.credentialsFile ? `, user admin, passwords in ${eventStore.credentialsFile}` : ''}`],
      ['NATS', nats.url, `JetStream data in ${join(natsDir, 'jetstream')}, log ${nats.logFile}`],
    ];
    for (const service of services) {
      const port = config.servicePorts[service.portVariable];
      const login = eventStoreLogin(service.name);
      const { ESDB_CONNECTION_STRING: _inherited, ...inherited } = process.env;
      const env: NodeJS.ProcessEnv = {
        ...inherited,
        // Its own user, never admin's; a service that does not use the store gets no address.
        ...(service.eventStore ? { ESDB_CONNECTION_STRING: eventStore.connectionStringAs(login, eventStore.passwords[login] ?? '') } : {}),
        NATS_URL: nats.url,
        ...(natsTls ? { NATS_TLS_CA_FILE: natsTls.caFile } : {}),
        // Each service its own NATS user (a service without one connects anonymously and is refused).
        ...(nats.credentials[service.name] ? { NATS_USER: service.name, NATS_PASSWORD: nats.credentials[service.name]?.pass } : {}),
        HOST: config.host,
        PORT: String(port),
        [service.portVariable]: String(port),
        DATA_DIR: config.dataDir,
        // Their stdout is a pipe to this process: readable log lines when this one prints to a terminal.
        ...(process.stdout.isTTY && !process.env.LOG_FORMAT ? { LOG_FORMAT: 'pretty' } : {}),
      };
      const startService = async () => {
        const managed = spawnManaged(service.name, process.execPath, [...QUIET_TLS_IP_WARNING, service.entry], { cwd: service.dir, env });
        this.track(managed, service.entry);
        try {
          await waitForPort(config.host, port, { child: managed.process, timeoutMs: 60_000, name: `service ${service.name}` });
        } catch (error) {
          await managed.stop(5_000);
          throw error;
        }
      };
      await startService();
      this.supervise(service.name, startService);
      const url: [string, string, string] = [service.name, `http://${config.host}:${port}`, service.packageName];
      if (service.opensFirst) urls.unshift(url); // what people open comes first
      else urls.push(url);
    }

    const width = Math.max(...urls.map(([name]) => name.length));
    log('the embedded default is running:');
    for (const [name, url, detail] of urls) log(`  ${name.padEnd(width)}  ${url}  (${detail})`);
    if (services.length === 0) log(`  no services yet: packages under ${config.servicesDir} with a "cfund" field start here`);
    log(`data lives in ${config.dataDir} and survives restarts; press Ctrl-C to stop`);
  }

  /** Stops everything in reverse start order, then exits. Safe to call repeatedly. */
  shutdown(exitCode: number, reason: string): Promise<never> {
    this.exitCode = this.stopping ? this.exitCode : exitCode;
    this.stopping ??= (async () => {
      log(reason);
      for (const part of [...this.parts].reverse()) {
        part.stopped = true;
        const { current } = part;
        log(`stopped ${current.name} (${describeExit(await current.stop())})`);
        this.state.remove(current.pid);
      }
      this.state.release();
      process.exit(this.exitCode);
    })();
    return this.stopping;
  }

  /** Registers a child as soon as it exists: recorded in the lock file, stopped on shutdown. */
  private track(child: Running, marker: string): void {
    let part = this.parts.find((candidate) => candidate.name === child.name);
    if (part) {
      part.current = child;
    } else {
      part = { name: child.name, current: child, policy: new RestartPolicy(), stopped: false };
      this.parts.push(part);
    }
    this.state.add({ name: child.name, pid: child.pid, marker });
    if (part.stopped) void child.stop(); // a restart that raced the shutdown
  }

  /**
   * Called once a part has started: from now on, its death restarts it. (While it starts, its
   * own start step reports a failure, with more detail.) Also ends the start sequence if a
   * shutdown began meanwhile.
   */
  private supervise(name: string, restart: () => Promise<unknown>): void {
    const part = this.parts.find((candidate) => candidate.name === name) as Part;
    part.restart = restart;
    this.watch(part);
    if (this.isStopping) throw new StoppingError();
  }

  private watch(part: Part): void {
    const instance = part.current;
    void instance.exited.then((status) => this.restartAfterCrash(part, instance, status));
  }

  /**
   * Restarts a part that died on its own, after a growing delay, while everything else keeps
   * running; stops everything when it keeps failing (see RestartPolicy).
   */
  private async restartAfterCrash(part: Part, instance: Running, status: ExitStatus): Promise<void> {
    if (this.isStopping || part.current !== instance) return;
    const crashedAt = Date.now();
    this.state.remove(instance.pid);
    const hint = instance.hint ? `\n${instance.hint()}` : '';
    const decision = part.policy.failed(crashedAt);
    if (decision.giveUp) {
      const window = part.policy.windowMs / 1000;
      void this.shutdown(1, `${part.name} failed ${decision.failures} times within ${window} s (last: ${describeExit(status)}); giving up, stopping everything${hint}`);
      return;
    }
    log(`${part.name} exited unexpectedly (${describeExit(status)}); restarting in ${seconds(decision.delayMs)} s${hint}`);
    await delay(decision.delayMs);
    if (this.isStopping) return;
    try {
      await (part.restart as () => Promise<unknown>)();
    } catch (error) {
      if (this.isStopping) return;
      log(`${part.name} could not be restarted: ${(error as Error).message}`);
      // The new instance died (or was stopped) during its start-up; or none was started.
      const failed = part.current;
      return this.restartAfterCrash(part, failed, failed === instance ? status : await failed.exited);
    }
    if (this.isStopping) return;
    log(`${part.name} restarted (${describeExit(status)}), up again in ${seconds(Date.now() - crashedAt)} s`);
    this.watch(part);
  }

  private async checkPorts(services: ServiceSpec[]): Promise<void> {
    const { config } = this;
    const wanted: [string, number][] = [
      ['ESDB_PORT', config.esdbPort],
      ['NATS_PORT', config.natsPort],
      ...services.map((service): [string, number] => [service.portVariable, config.servicePorts[service.portVariable]]),
    ];
    const busy: string[] = [];
    for (const [variable, port] of wanted) {
      if (port > 0 && !(await isPortFree(config.host, port))) {
        busy.push(`port ${port} (${variable}) on ${config.host} is already in use by another program: stop it, or choose another port, e.g. ${variable}=${port + 1000} npm start`);
      }
    }
    if (busy.length > 0) throw new Error(busy.join('\n'));
  }
}

/** Thrown into the start sequence when a signal or a crash started the shutdown. */
export class StoppingError extends Error {
  constructor() {
    super('stopping');
  }
}

export function log(message: string): void {
  writeOut(`[local-runner] ${message}\n`);
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
