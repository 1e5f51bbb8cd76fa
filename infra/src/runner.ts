// Starts the embedded default (event store, nats-server, then every service), watches it,
// and stops it in reverse order on a signal or when any part dies.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalConfig } from './config.js';
import { startEventStoreProcess } from './eventstore-process.js';
import { spawnManaged } from './managed-process.js';
import { startNatsServer, tail } from './nats-server.js';
import { type ExitStatus, describeExit, isPortFree, stopChild, waitForExit, waitForPort } from './processes.js';
import { RunStateFile } from './run-state.js';
import { type ServiceSpec, discoverServices } from './services.js';

interface Running {
  name: string;
  pid: number;
  exited: Promise<ExitStatus>;
  stop(): Promise<ExitStatus>;
  /** What to show when it dies on its own, e.g. the end of its log. */
  hint?: () => string;
  watched?: boolean;
}

export interface RunnerOptions {
  /** The compiled event store CLI; default packages/embedded-eventstore/dist/cli.js. */
  eventStoreCli?: string;
}

export class LocalRunner {
  private readonly running: Running[] = [];
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
    mkdirSync(eventStoreDir, { recursive: true });
    mkdirSync(natsDir, { recursive: true });

    // Clean up after a killed predecessor first: its leftovers would hold our ports.
    for (const note of await this.state.claim()) log(note);
    await this.checkPorts(services);

    const eventStore = await startEventStoreProcess({
      dataDir: eventStoreDir,
      host: config.host,
      port: config.esdbPort,
      ...(this.options.eventStoreCli ? { cliPath: this.options.eventStoreCli } : {}),
      // The store flushes on SIGTERM: give it longer than the others before SIGKILL.
      onSpawn: (managed) => this.track({ ...managed, stop: () => managed.stop(15_000) }, eventStoreDir),
    });
    this.watchStarted();

    const nats = await startNatsServer({
      dataDir: natsDir,
      host: config.host,
      port: config.natsPort,
      detached: true,
      onSpawn: (child) =>
        this.track(
          {
            name: 'nats-server',
            pid: child.pid as number,
            exited: waitForExit(child),
            // SIGINT: nats-server's clean shutdown with exit code 0.
            stop: () => stopChild(child, 10_000, 'SIGINT'),
            hint: () => `its log (${join(natsDir, 'nats-server.log')}) ends with:\n${tail(join(natsDir, 'nats-server.log'), 10)}`,
          },
          natsDir,
        ),
    });
    this.watchStarted();

    const urls: [string, string, string][] = [
      ['event store', eventStore.connectionString, `data in ${eventStoreDir}`],
      ['NATS', nats.url, `JetStream data in ${join(natsDir, 'jetstream')}, log ${nats.logFile}`],
    ];
    for (const service of services) {
      const port = config.servicePorts[service.portVariable];
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ESDB_CONNECTION_STRING: eventStore.connectionString,
        NATS_URL: nats.url,
        // Each service its own NATS user (a service without one connects anonymously and is refused).
        ...(nats.credentials[service.name] ? { NATS_USER: service.name, NATS_PASSWORD: nats.credentials[service.name]?.pass } : {}),
        HOST: config.host,
        PORT: String(port),
        [service.portVariable]: String(port),
        DATA_DIR: config.dataDir,
      };
      const managed = spawnManaged(service.name, process.execPath, [service.entry], { cwd: service.dir, env });
      this.track(managed, service.entry);
      await waitForPort(config.host, port, { child: managed.process, timeoutMs: 60_000, name: `service ${service.name}` });
      this.watchStarted();
      urls.push([service.name, `http://${config.host}:${port}`, service.packageName]);
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
      for (let next = this.running.pop(); next; next = this.running.pop()) {
        log(`stopped ${next.name} (${describeExit(await next.stop())})`);
        this.state.remove(next.pid);
      }
      this.state.release();
      process.exit(this.exitCode);
    })();
    return this.stopping;
  }

  /** Registers a child as soon as it exists: recorded in the lock file, stopped on shutdown. */
  private track(child: Running, marker: string): void {
    this.running.push(child);
    this.state.add({ name: child.name, pid: child.pid, marker });
  }

  /**
   * Once a child has started, its death stops everything else. (While it starts, its own start
   * step reports its failure, with more detail.) Also ends the start sequence if a shutdown began.
   */
  private watchStarted(): void {
    for (const child of this.running.filter((running) => !running.watched)) {
      child.watched = true;
      void child.exited.then((status) => {
        if (this.isStopping) return;
        const hint = child.hint ? `\n${child.hint()}` : '';
        void this.shutdown(1, `${child.name} exited unexpectedly (${describeExit(status)}); stopping everything${hint}`);
      });
    }
    if (this.isStopping) throw new StoppingError();
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
  process.stdout.write(`[local-runner] ${message}\n`);
}
