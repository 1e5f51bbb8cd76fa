/**
 * A real clamd for the malware scan's tests (Debian's clamav-daemon), started as a child on a Unix
 * socket in a temporary directory. Its signature database is written there too: freshclam's
 * download is neither needed nor reachable everywhere, and a body signature of the EICAR test
 * string (an `.ndb` line: name, any target type, any offset, the bytes in hex) finds it inside
 * any file, a PDF included. The official databases name it Eicar-Test-Signature; this one is
 * `Cfund.Test.Eicar` (clamd adds `.UNOFFICIAL` to names from an unsigned database).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { eventually } from './waiting.js';

/** The EICAR anti-virus test file (68 bytes): harmless, found by every scanner by agreement. */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');

export interface RunningClamd {
  /** clamd's LocalSocket (CLAMD_SOCKET). */
  socket: string;
  /** Stops clamd (SIGTERM, then SIGKILL after 5 s; or SIGKILL at once) and waits for its exit; idempotent. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same socket and database (after stop) and waits until it answers. */
  restart(): Promise<void>;
  /** Stops clamd and removes its directory. */
  close(): Promise<void>;
}

/** Where Debian puts clamd (/usr/sbin, often not on a test user's PATH), or undefined. */
export function findClamd(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'clamd'), fsConstants.X_OK);
      return join(dir, 'clamd');
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Asks clamd `zPING` and resolves true on `PONG`. */
export function pingClamd(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socket);
    let reply = '';
    s.setTimeout(2_000, () => s.destroy());
    s.on('connect', () => s.write('zPING\0'));
    s.on('data', (b: Buffer) => { reply += b.toString('latin1'); });
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(reply.replace(/\0/g, '') === 'PONG'));
  });
}

/**
 * Starts clamd with the EICAR body signature and waits (up to 60 s) until it answers PING;
 * `{ skipped }` with the reason when clamd is not installed.
 */
export async function startClamd(): Promise<RunningClamd | { skipped: string }> {
  const clamd = findClamd();
  if (!clamd) return { skipped: 'clamd is not installed (Debian\'s clamav-daemon; the test bootstrap installs it)' };
  const dir = await mkdtemp(join(tmpdir(), 'cfund-clamd-'));
  const db = join(dir, 'db');
  await mkdir(db);
  await writeFile(join(db, 'cfund-test.ndb'), `Cfund.Test.Eicar:0:*:${EICAR.toString('hex')}\n`);
  const socket = join(dir, 'clamd.sock');
  const log = join(dir, 'clamd.log');
  // Foreground: the child is clamd itself. No User line: it runs as whoever runs the tests.
  await writeFile(join(dir, 'clamd.conf'), [
    `LocalSocket ${socket}`, 'Foreground yes', `DatabaseDirectory ${db}`, `TemporaryDirectory ${dir}`,
    `PidFile ${join(dir, 'clamd.pid')}`, `LogFile ${log}`, 'StreamMaxLength 32M', 'SelfCheck 0', '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  let exited = Promise.resolve();
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const running = child;
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const close = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  const launch = async () => {
    const started = spawn(clamd, ['--config-file', join(dir, 'clamd.conf')], { stdio: 'ignore' });
    child = started;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    await eventually('clamd answers PING', async () => {
      if (started.exitCode !== null) throw new Error(`clamd exited with ${started.exitCode}: ${await readFile(log, 'utf8').catch(() => '')}`);
      return pingClamd(socket);
    }, 60_000, 100);
  };
  try {
    await launch();
  } catch (error) {
    await close();
    throw error;
  }
  return { socket, stop, restart: launch, close };
}
