/**
 * Reads infra/compose/docker-compose.yml as Compose does, without an engine: YAML with merge
 * keys, then `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`
 * and `$$` interpolated from an env file (Compose's `.env`; the tests use example.env).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const composeDir = fileURLToPath(new URL('../compose/', import.meta.url));
export const composeFile = `${composeDir}docker-compose.yml`;
export const exampleEnvFile = `${composeDir}example.env`;

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  [key: string]: unknown;
}

export interface ComposeProject {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

/** `KEY=VALUE` lines; `#` comments and blank lines skipped, the value taken as written. */
export function parseEnvFile(text: string): Record<string, string> {
  const entries = text.split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      if (at < 1) throw new Error(`not KEY=VALUE: ${line}`);
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

/** Compose's interpolation of one string; throws on a `:?`/`?` variable that is unset. */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    if (bare) return env[bare] ?? '';
    const value = env[name!];
    const missing = op?.startsWith(':') ? !value : value === undefined;
    if (op?.endsWith('-')) return missing ? arg ?? '' : value!;
    if (op?.endsWith('?') && missing) throw new Error(`${name}: ${arg}`);
    return value ?? '';
  });
}

function interpolateAll(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return value;
}

/** The compose project with every variable interpolated from `env`. */
export function loadCompose(env: Record<string, string> = parseEnvFile(readFileSync(exampleEnvFile, 'utf8'))): ComposeProject {
  const raw = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as Record<string, unknown>;
  // Top-level `x-` keys are only anchors for the rest.
  const withoutExtensions = Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')));
  return interpolateAll(withoutExtensions, env) as ComposeProject;
}

/** A service's environment as the process sees it: strings, none of them empty (parseEnv's unset). */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Where a service's volumes are mounted inside its container. */
export function mountTargets(service: ComposeService): string[] {
  return (service.volumes ?? []).map((volume) => volume.split(':')[1]!);
}
