/**
 * Log lines a person reads on a terminal (LOG_FORMAT=pretty; `npm start`): time, level, service,
 * message, then the other fields as key=value. It formats pino's JSON lines after pino wrote them,
 * so the personal-data redaction of logger.ts has already applied: this only changes the layout.
 */
import type { DestinationStream } from 'pino';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields shown in the head of the line, or not at all (the same on every line of a process). */
const HEAD = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname', 'err']);

const shown = (value: unknown): string => (typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value));

/** One JSON line of pino as a readable line (a line that is not JSON passes as it is). */
export function prettyLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const label = LEVELS[level] ?? String(level);
  const parts = [time, colour ? `\x1b[${COLOURS[level] ?? '0'}m${label}\x1b[0m` : label];
  if (entry.service !== undefined) parts.push(`[${String(entry.service)}]`);
  if (entry.msg !== undefined) parts.push(String(entry.msg));
  for (const [key, value] of Object.entries(entry)) if (!HEAD.has(key) && value !== undefined) parts.push(`${key}=${shown(value)}`);
  let line = parts.filter(Boolean).join(' ');
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  if (err) line += `\n  ${String(err.stack ?? err.message ?? JSON.stringify(err)).replaceAll('\n', '\n  ')}`;
  return `${line}\n`;
}

/** A pino destination writing `prettyLine`s to `out` (colours when `out` is a terminal). */
export function prettyDestination(out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): DestinationStream {
  const colour = out.isTTY === true;
  return { write: (json: string) => void out.write(prettyLine(json, colour)) };
}

/** LOG_FORMAT unset: readable on a terminal, JSON otherwise (CI, files, a collector). */
export const defaultLogFormat = (out: { isTTY?: boolean } = process.stdout): LogFormat => (out.isTTY === true ? 'pretty' : 'json');
