// Finds the services the local runner starts. A package under services/ opts in with a
// `cfund` field in its package.json:
//   "cfund": { "start": "dist/main.js", "portEnv": "COMMAND_PORT", "eventStore": true }
// `start` is the compiled entry point (run with node), `portEnv` the variable holding its port;
// `"opensFirst": true` marks what people open (the console): its URL is printed first;
// `"eventStore": true` that it uses the event store: it gets a user of its own there (and a
// service without it gets no event store address at all).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SERVICE_PORT_VARIABLES, type ServicePortVariable } from './config.js';

export interface ServiceSpec {
  /** The service's directory name, e.g. `command`. */
  name: string;
  packageName: string;
  dir: string;
  /** Absolute path of the compiled entry point. */
  entry: string;
  portVariable: ServicePortVariable;
  /** What people open in a browser: its URL is printed first. */
  opensFirst: boolean;
  /** Uses the event store: the runner gives it its own user (see eventstore-access.ts). */
  eventStore: boolean;
}

export function discoverServices(servicesDir: string): ServiceSpec[] {
  if (!existsSync(servicesDir)) return [];
  const specs: ServiceSpec[] = [];
  for (const entry of readdirSync(servicesDir, { withFileTypes: true })) {
    const manifestPath = join(servicesDir, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: string; cfund?: unknown };
    if (manifest.cfund === undefined) continue; // a library, not something to run
    specs.push(parseSpec(entry.name, join(servicesDir, entry.name), manifest.name ?? entry.name, manifest.cfund, manifestPath));
  }

  const seen = new Map<ServicePortVariable, string>();
  for (const spec of specs) {
    const other = seen.get(spec.portVariable);
    if (other) throw new Error(`services ${other} and ${spec.name} both use ${spec.portVariable}; give each its own port variable`);
    seen.set(spec.portVariable, spec.name);
  }
  // Stable order: the order of the port variables (command, projection, notification, console).
  const rank = (spec: ServiceSpec) => SERVICE_PORT_VARIABLES.indexOf(spec.portVariable);
  return specs.sort((a, b) => rank(a) - rank(b));
}

function parseSpec(name: string, dir: string, packageName: string, field: unknown, manifestPath: string): ServiceSpec {
  const { start, portEnv, opensFirst, eventStore } = (field ?? {}) as { start?: unknown; portEnv?: unknown; opensFirst?: unknown; eventStore?: unknown };
  if (typeof start !== 'string' || start === '') {
    throw new Error(`${manifestPath}: "cfund.start" must be the path of the compiled entry point, e.g. "dist/main.js"`);
  }
  if (!SERVICE_PORT_VARIABLES.includes(portEnv as ServicePortVariable)) {
    throw new Error(`${manifestPath}: "cfund.portEnv" must be one of ${SERVICE_PORT_VARIABLES.join(', ')}`);
  }
  for (const [key, value] of Object.entries({ opensFirst, eventStore })) {
    if (value !== undefined && typeof value !== 'boolean') throw new Error(`${manifestPath}: "cfund.${key}" must be true or false`);
  }
  return {
    name, packageName, dir, entry: resolve(dir, start), portVariable: portEnv as ServicePortVariable,
    opensFirst: opensFirst === true, eventStore: eventStore === true,
  };
}
