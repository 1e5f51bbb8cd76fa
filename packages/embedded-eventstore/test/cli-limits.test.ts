/**
 * The CLI's server version and append-limit settings: taken from flags or the environment, and a
 * wrong value stops the store with a message naming the flag or variable.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { binaryEvent, EventStoreDBClient, MaxAppendSizeExceededError } from '@eventstore/db-client';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const nodeArgs = process.execArgv.filter((a) => !a.includes('@tapjs/processinfo'));

function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const proc = spawn(process.execPath, [...nodeArgs, cli, '--mem-db', '--port', '0', '--insecure', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let stderr = '';
  proc.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const ready = new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: proc.stdout! }).once('line', resolve);
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  ready.catch(() => undefined); // awaited only by the tests that expect a start

  return { proc, ready, exited, stderr: () => stderr };
}

t.test('wrong settings stop the store, naming the flag or variable', async (t) => {
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--server-version', '9.0'], {}, /--server-version must be 24\.10 or 25\.1, got 9\.0/],
    [['--max-append-size', '0'], {}, /--max-append-size must be a positive whole number of bytes, got 0/],
    [[], { KURRENTDB_MAX_APPEND_EVENT_SIZE: 'lots' }, /KURRENTDB_MAX_APPEND_EVENT_SIZE must be a positive whole number of bytes, got lots/],
  ];
  for (const [args, env, message] of cases) {
    const s = start(args, env);
    t.equal(await s.exited, 2, `exit 2 for ${args.join(' ') || JSON.stringify(env)}`);
    t.match(s.stderr(), message, 'the message names it');
  }
});

t.test('--server-version and KURRENTDB_MAX_APPEND_SIZE take effect', async (t) => {
  const s = start(['--server-version', '25.1'], { KURRENTDB_MAX_APPEND_SIZE: '2048' });
  t.teardown(() => { s.proc.kill('SIGTERM'); });
  const [, address] = /ready on (\S+)$/.exec(await s.ready) ?? [];
  const client = EventStoreDBClient.connectionString(`esdb://${address}?tls=false`);
  t.teardown(() => client.dispose());
  const err = await client.appendToStream('cli-limits', binaryEvent({ type: 'Big', data: Buffer.alloc(3000) })).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof MaxAppendSizeExceededError, 'a 3,000-byte append is over the 2,048 set');
  t.equal((err as MaxAppendSizeExceededError | undefined)?.maxAppendSize, 2048, 'the limit set is reported');
});
