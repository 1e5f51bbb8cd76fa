// The master keys of a rotation as configuration gives them: MASTER_KEY, the previous ones and the
// next ones (see docs/operations.md, "Rotate the master key"), and the errors that name the variable.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, commonEnv, parseEnv, resolveSecrets } from '../src/index.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'cfund-master-keys-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
const key = () => randomBytes(32).toString('base64');
const base = { DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(32) };

t.test('next keys are accepted besides the previous ones, and never wrap', async (t) => {
  const [current, previous, next] = [key(), key(), key()];
  const secrets = await resolveSecrets({ ...base, MASTER_KEY: current, MASTER_KEY_PREVIOUS: previous, MASTER_KEY_NEXT: next });
  t.equal(secrets.masterKey.toString('base64'), current, 'MASTER_KEY wraps, signs and seals');
  t.same(secrets.previousMasterKeys.map((k) => k.toString('base64')), [previous]);
  t.same(secrets.nextMasterKeys.map((k) => k.toString('base64')), [next]);
  t.same(secrets.acceptedMasterKeys.map((k) => k.toString('base64')), [previous, next], 'both verify and open');
  t.match(secrets.notes.join('\n'), '1 next master key(s) accepted (MASTER_KEY still wraps)');
  const file = join(dataDir, 'next-keys');
  const [n1, n2] = [key(), key()];
  await writeFile(file, `${n1}\n\n${n2}\n`);
  t.same((await resolveSecrets({ ...base, MASTER_KEY: current, MASTER_KEY_NEXT_FILE: file })).nextMasterKeys.map((k) => k.toString('base64')), [n1, n2], 'from a file, one a line');
});

t.test('configuration errors name the variable', async (t) => {
  const current = key();
  await t.rejects(resolveSecrets({ ...base, MASTER_KEY: current, MASTER_KEY_NEXT: current }),
    new ConfigError('invalid configuration: MASTER_KEY_NEXT: a previous or next master key is the master key itself, or one of them is given twice'));
  const previous = key();
  await t.rejects(resolveSecrets({ ...base, MASTER_KEY: current, MASTER_KEY_PREVIOUS: previous, MASTER_KEY_NEXT: previous }),
    { message: 'invalid configuration: MASTER_KEY_PREVIOUS / MASTER_KEY_NEXT: a previous or next master key is the master key itself, or one of them is given twice' });
  await t.rejects(resolveSecrets({ ...base, MASTER_KEY: current, MASTER_KEY_NEXT: `${key()},${randomBytes(16).toString('base64')}` }),
    { message: 'invalid configuration: MASTER_KEY_NEXT: key 2: the master key must be 32 bytes, got 16' });
  await t.rejects(resolveSecrets({ ...base, MASTER_KEY: current, MASTER_KEY_NEXT_FILE: join(dataDir, 'missing') }), { message: /^invalid configuration: MASTER_KEY_NEXT_FILE: ENOENT/ });
  const env = (extra: Record<string, string>) => ({ ...base, ...extra });
  t.throws(() => parseEnv(commonEnv(4001), env({ MASTER_KEY_NEXT: current })), { message: 'invalid configuration: MASTER_KEY_NEXT: requires MASTER_KEY or MASTER_KEY_FILE (the key that still wraps)' });
  t.throws(() => parseEnv(commonEnv(4001), env({ MASTER_KEY: current, MASTER_KEY_NEXT: key(), MASTER_KEY_NEXT_FILE: '/x' })), { message: 'invalid configuration: MASTER_KEY_NEXT and MASTER_KEY_NEXT_FILE are both set; set one' });
  t.throws(() => parseEnv(commonEnv(4001), env({ MASTER_KEY: current, MASTER_KEY_NEXT: 'a,,b' })), { message: /MASTER_KEY_NEXT: must be base64 master keys separated by commas/ });
});
