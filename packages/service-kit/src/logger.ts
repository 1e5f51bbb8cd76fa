/**
 * A pino logger that redacts personal-data fields (at the top level, one and two levels down,
 * and in request bodies, commands and errors), so that no plaintext personal data reaches a log
 * line even when a whole command or request is logged by mistake.
 *
 * Cost: pino's redaction with wildcard paths is not free (about 20 us per line logging a request
 * object, 10 us for a line of ids, against ~2 us without, on the development machine). Log ids,
 * not objects, on hot paths.
 */
import { hostname } from 'node:os';
import { pino, symbols as pinoSymbols, type ChildLoggerOptions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { prettyDestination, type LogFormat } from './pretty-log.js';

/** Field names that hold personal data (kept in line with contracts' PERSONAL_DATA_FIELDS). */
export const PERSONAL_DATA_LOG_FIELDS = [
  'name',
  'fullName',
  'firstName',
  'lastName',
  'dateOfBirth',
  'contacts',
  'email',
  'phone',
  'address',
  'sex',
  'childAtTimeOfCrime',
  'personalData',
  'victim',
  'payee',
  'iban',
  'domesticAccount',
] as const;

/** Always redacted as well: secrets that may sit in a request. */
const SECRET_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'masterKey', 'token'];

/** Redact paths for `fields` at the top level and nested up to `depth` levels (`*.f`, `*.*.f`, ...). */
export function personalDataRedactPaths(fields: readonly string[] = PERSONAL_DATA_LOG_FIELDS, depth = 2): string[] {
  const paths: string[] = [];
  for (const field of fields) {
    const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
    for (let level = 0; level <= depth; level += 1) {
      const prefix = '*.'.repeat(level);
      paths.push(key.startsWith('[') ? `${prefix.slice(0, -1)}${key}` : `${prefix}${key}`);
    }
    paths.push(`req.body.${key}`, `request.body.${key}`, `body.${key}`, `command.${key}`, `err.${key}`);
  }
  return [...new Set(paths)];
}

export interface CreateLoggerOptions extends Omit<LoggerOptions, 'redact' | 'name'> {
  /**
   * Written as the `service` field of every line. (pino's own `name` option would be redacted,
   * since `name` is a personal-data field.)
   */
  service?: string;
  /** Extra field names to redact at any level, in addition to PERSONAL_DATA_LOG_FIELDS. */
  extraFields?: string[];
  /** Extra exact redact paths (pino syntax). */
  extraPaths?: string[];
  /** Where to write (default stdout). */
  destination?: DestinationStream;
  /** `pretty`: readable lines (pretty-log.ts) after the same redaction; default `json`. */
  format?: LogFormat;
}

/**
 * A URL as logged: the path, and the query's parameter names without their values. A query can
 * carry free text typed by a user (a search for a victim's name, say), which must not reach a log.
 */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const names = url.slice(at + 1).split('&').filter(Boolean).map((pair) => {
    const name = pair.split('=')[0] ?? '';
    return `${/^[\w.\-[\]]{1,40}$/.test(name) ? name : '_'}=[redacted]`;
  });
  return `${url.slice(0, at)}?${names.join('&')}`;
}

/** How a request is logged (Fastify uses a logger's own `req` serializer over its default). */
function requestForLog(req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }): Record<string, unknown> {
  return {
    method: req.method, url: typeof req.url === 'string' ? loggableUrl(req.url) : undefined, host: req.host ?? req.hostname,
    remoteAddress: req.ip, remotePort: req.socket?.remotePort,
  };
}

/** A pino logger with personal-data redaction (censor '[redacted]') and request URLs without query values. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const { extraFields = [], extraPaths = [], destination, service, format, ...pinoOptions } = options;
  const paths = [...personalDataRedactPaths([...PERSONAL_DATA_LOG_FIELDS, ...extraFields]), ...SECRET_PATHS, ...extraPaths];
  const opts: LoggerOptions = {
    ...pinoOptions, redact: { paths, censor: '[redacted]' }, serializers: { req: requestForLog, ...pinoOptions.serializers },
  };
  if (service !== undefined) opts.base = { ...(pinoOptions.base ?? { pid: process.pid, hostname: hostname() }), service };
  const out = format === 'pretty' ? prettyDestination(destination as (NodeJS.WritableStream & { isTTY?: boolean }) | undefined) : destination;
  return out === undefined ? pino(opts) : pino(opts, out);
}

/** For each logger, whether a string binding under a key is written as it is (true) or redacted. */
const plainBindingKeys = new WeakMap<Logger, Map<string, boolean>>();

/**
 * A child logger with `bindings`, as `logger.child(bindings, options)` makes it, for Fastify's
 * per-request logger (`childLoggerFactory`). pino passes every binding of a child through the
 * redaction (with the wildcard paths above, about 20 us for a request id, on every request
 * whether or not it logs a line). Whether a string binding is redacted depends on its key alone
 * (the paths name keys, and a string has none below it), so each key is asked of pino once per
 * logger, with pino's own child as the reference; a key pino writes unchanged is then appended
 * as pino writes it. Anything else (other values, options, a key pino redacts) goes through pino.
 */
export function childLogger(logger: Logger, bindings: Record<string, unknown>, options?: ChildLoggerOptions): Logger {
  const entries = Object.entries(bindings);
  if ((options !== undefined && Object.keys(options).length > 0) || !entries.every(([key, value]) => typeof value === 'string' && isPlainBinding(logger, key))) {
    return options === undefined ? logger.child(bindings) : logger.child(bindings, options);
  }
  const child = logger.child({});
  const chindings = child as unknown as Record<symbol, string>;
  for (const [key, value] of entries) chindings[pinoSymbols.chindingsSym] += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  return child;
}

function isPlainBinding(logger: Logger, key: string): boolean {
  let keys = plainBindingKeys.get(logger);
  if (!keys) plainBindingKeys.set(logger, keys = new Map());
  let plain = keys.get(key);
  if (plain === undefined) {
    const probe = 'probe "\u00e9\ud800\n';
    const chindingsOf = (l: Logger) => (l as unknown as Record<symbol, string>)[pinoSymbols.chindingsSym];
    plain = chindingsOf(logger.child({ [key]: probe })) === `${chindingsOf(logger.child({}))},${JSON.stringify(key)}:${JSON.stringify(probe)}`;
    keys.set(key, plain);
  }
  return plain;
}
