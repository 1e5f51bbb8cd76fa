/**
 * `docker-compose config` reads infra/compose/docker-compose.yml as Compose would, checks it
 * against the Compose schema and interpolates example.env, all without a Docker engine.
 * Debian's docker-compose (1.29, installed by `npm test`'s bootstrap) does this; without it the
 * tests skip and say why.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { composeDir, composeFile, exampleEnvFile } from './compose-file.js';

const version = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
const missing = version.error || version.status !== 0
  ? 'docker-compose is not installed (Debian: apt-get install docker-compose; npm test installs it as root)'
  : undefined;

const config = (file: string, envFile = exampleEnvFile) =>
  spawnSync('docker-compose', ['-f', file, '--env-file', envFile, 'config', '-q'], { cwd: composeDir, encoding: 'utf8' });

t.test('docker-compose accepts the compose file with the example env file', { skip: missing }, async (t) => {
  const result = config(composeFile);
  t.equal(result.status, 0, `docker-compose ${version.stdout.trim()}: ${result.stderr}`);
});

t.test('docker-compose refuses what is wrong: a key Compose does not know, a missing secret', { skip: missing }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-compose-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A copy beside the original's files, so only the change differs.
  const wrong = join(dir, 'docker-compose.yml');
  writeFileSync(wrong, readFileSync(composeFile, 'utf8').replace('  init: true\n', '  init: true\n  replicas: 2\n'));
  copyFileSync(join(composeDir, 'gencert.sh'), join(dir, 'gencert.sh'));
  const unknownKey = config(wrong);
  t.not(unknownKey.status, 0);
  t.match(unknownKey.stderr, /Unsupported config option for services\.command-1: 'replicas'/);

  const envFile = join(dir, 'no-master-key.env');
  writeFileSync(envFile, readFileSync(exampleEnvFile, 'utf8').replace(/^MASTER_KEY=.*$/m, ''));
  const noKey = config(composeFile, envFile);
  t.not(noKey.status, 0);
  t.match(noKey.stderr, /set MASTER_KEY in \.env/);
});
