// Configuration of the local runner, read from environment variables and validated up front,
// so a typo fails at start-up with the variable's name instead of deep inside a child process.
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

/**
 * The environment variables of the services' ports; a service names one in its package.json.
 * Services start in this order: the console, which calls the others, last.
 */
export const SERVICE_PORT_VARIABLES = ['COMMAND_PORT', 'PROJECTION_PORT', 'NOTIFICATION_PORT', 'CONSOLE_PORT'] as const;
export type ServicePortVariable = (typeof SERVICE_PORT_VARIABLES)[number];

export interface LocalConfig {
  host: string;
  /** 0 picks a free port. */
  esdbPort: number;
  /** 0 picks a free port. */
  natsPort: number;
  servicePorts: Record<ServicePortVariable, number>;
  dataDir: string;
  /** Where services are discovered (see services.ts). */
  servicesDir: string;
}

export const DEFAULTS = {
  HOST: '127.0.0.1',
  ESDB_PORT: '2113',
  NATS_PORT: '4222',
  COMMAND_PORT: '4001',
  PROJECTION_PORT: '4002',
  NOTIFICATION_PORT: '4003',
  CONSOLE_PORT: '4000',
  DATA_DIR: '.data',
  SERVICES_DIR: 'services',
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration; relative paths are resolved against `repoRoot`. */
export function loadLocalConfig(env: NodeJS.ProcessEnv, repoRoot: string): LocalConfig {
  const problems: string[] = [];
  const read = (name: keyof typeof DEFAULTS): string => {
    const value = env[name]?.trim();
    return value ? value : DEFAULTS[name];
  };
  const port = (name: keyof typeof DEFAULTS, allowZero: boolean): number => {
    const raw = read(name);
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    const min = allowZero ? 0 : 1;
    if (!(value >= min && value <= 65535)) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a TCP port ${min}-65535${allowZero ? ' (0 picks a free port)' : ''}`);
    }
    return value;
  };

  const host = read('HOST');
  if (!isIP(host) && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    problems.push(`HOST=${JSON.stringify(host)}: expected an IP address or a host name`);
  }
  const path = (name: 'DATA_DIR' | 'SERVICES_DIR') => {
    const value = read(name);
    return isAbsolute(value) ? value : resolve(repoRoot, value);
  };
  const config: LocalConfig = {
    host,
    esdbPort: port('ESDB_PORT', true),
    natsPort: port('NATS_PORT', true),
    servicePorts: {
      COMMAND_PORT: port('COMMAND_PORT', false),
      PROJECTION_PORT: port('PROJECTION_PORT', false),
      NOTIFICATION_PORT: port('NOTIFICATION_PORT', false),
      CONSOLE_PORT: port('CONSOLE_PORT', false),
    },
    dataDir: path('DATA_DIR'),
    servicesDir: path('SERVICES_DIR'),
  };

  // Two servers cannot share a port: say which variables collide.
  const byPort = new Map<number, string>();
  const named: [string, number][] = [
    ['ESDB_PORT', config.esdbPort],
    ['NATS_PORT', config.natsPort],
    ...Object.entries(config.servicePorts),
  ];
  for (const [name, value] of named) {
    if (!(value > 0)) continue;
    const other = byPort.get(value);
    if (other) problems.push(`${name} and ${other} are both ${value}: each server needs its own port`);
    else byPort.set(value, name);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
