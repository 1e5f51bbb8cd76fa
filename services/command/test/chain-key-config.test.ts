/**
 * The compiled service refuses to start on a bad chain signing key: exit code 2 and a message
 * naming the variable, before it connects to anything.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const serviceDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const repoRoot = resolve(serviceDir, '../..');

t.test('a bad CHAIN_SIGNING_KEY_FILE or CHAIN_VERIFY_KEYS_FILE stops the start, naming the variable', async (t) => {
  execFileSync('pnpm', ['exec', 'tsc', '-b', 'services/command'], { cwd: repoRoot, stdio: 'inherit' });
  const dir = await mkdtemp(join(tmpdir(), 'cfund-chain-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const badPem = join(dir, 'bad.pem');
  await writeFile(badPem, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
  const start = (env: Record<string, string>) => spawnSync(process.execPath, ['dist/main.js'], {
    cwd: serviceDir, encoding: 'utf8', timeout: 30_000,
    env: {
      PATH: process.env.PATH, DATA_DIR: join(dir, 'data'), PORT: '0', LOG_LEVEL: 'silent',
      JWT_SECRET: 'x'.repeat(32), MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), ...env,
    },
  });

  const bad = start({ CHAIN_SIGNING_KEY_FILE: badPem });
  t.equal(bad.status, 2, 'exit code 2');
  t.match(bad.stderr, /command service: invalid configuration: CHAIN_SIGNING_KEY_FILE: .*bad\.pem: not a PEM private key/);
  const alone = start({ CHAIN_VERIFY_KEYS_FILE: join(dir, 'keys.json') });
  t.equal(alone.status, 2);
  t.match(alone.stderr, /CHAIN_SIGNING_KEY_FILE: required with CHAIN_VERIFY_KEYS_FILE/);
});
