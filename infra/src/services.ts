// Finds the services the local runner starts. A package under services/ opts in with a
// `cfund` field in its package.json:
//   "cfund": { "start": "dist/main.js", "portEnv": "COMMAND_PORT" }
// `start` is the compiled entry point (run with node), `portEnv` the variable holding its port;
// `"opensFirst": true` marks what people open (the console): its URL is printed first.
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
  const { start, portEnv, opensFirst } = (field ?? {}) as { start?: unknown; portEnv?: unknown; opensFirst?: unknown };
  if (typeof start !== 'string' || start === '') {
    throw new Error(`${manifestPath}: "cfund.start" must be the path of the compiled entry point, e.g. "dist/main.js"`);
  }
  if (!SERVICE_PORT_VARIABLES.includes(portEnv as ServicePortVariable)) {
    throw new Error(`${manifestPath}: "cfund.portEnv" must be one of ${SERVICE_PORT_VARIABLES.join(', ')}`);
  }
  if (opensFirst !== undefined && typeof opensFirst !== 'boolean') throw new Error(`${manifestPath}: "cfund.opensFirst" must be true or false`);
  return { name, packageName, dir, entry: resolve(dir, start), portVariable: portEnv as ServicePortVariable, opensFirst: opensFirst === true };
}
