/**
 * `pnpm keys:copy-to-nats` as operators run it: a child process copies a file key store (victims
 * filed, some erased) into a NATS key store on a real nats-server. Afterwards the bucket alone
 * reads every victim's data with the same master key, erased victims stay erased, a second run
 * copies nothing again and carries over an erasure made since, and a bucket of another master key
 * is refused before anything is written.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { startTestEnvironment, type TestEnvironment } from '@cfund/test-support';
import { Erased, FileKeyStore, NatsKeyStore, PersonalDataProtector, masterKeyId, type EncryptedPersonalData } from '@cfund/eventstore';
import { keyStoreDir } from '@cfund/service-kit';

// The built script (`pnpm exec tsc -b test` builds it).
const CLI = resolve(import.meta.dirname, '../dist/copy-key-store.js');
const VICTIMS = 12;

const env = await startTestEnvironment();
t.teardown(() => env.close());

interface Run { code: number | null; stdout: string; stderr: string }
function run(vars: Record<string, string>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI], { env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...vars }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const person = (victimRef: string) => ({ fullName: `Person ${victimRef}`, dateOfBirth: '1990-01-01' });

async function bucketFor(t: Test, e: TestEnvironment): Promise<string> {
  const bucket = `copy_${randomBytes(4).toString('hex')}`;
  const nc = await e.connectNats();
  t.teardown(async () => {
    await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc.close();
  });
  return bucket;
}

/** A file key store under a new DATA_DIR with VICTIMS victims filed, every fourth erased. */
async function fileStoreWithVictims(t: Test, masterKey: Buffer) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-copy-keys-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const store = await FileKeyStore.open(keyStoreDir(dataDir));
  const protector = await PersonalDataProtector.open({ keyStore: store, masterKey });
  const envelopes = new Map<string, EncryptedPersonalData>();
  const erased = new Set<string>();
  for (let i = 0; i < VICTIMS; i++) {
    const victimRef = `vic-${randomBytes(3).toString('hex')}-${i}`;
    envelopes.set(victimRef, await protector.encryptPersonalData(victimRef, person(victimRef)));
    if (i % 4 === 1) {
      await protector.eraseKey(victimRef);
      erased.add(victimRef);
    }
  }
  protector.close();
  return { dataDir, store, envelopes, erased };
}

t.test('the file key store copied into a bucket: read there with the same key, erasures kept, a second run idempotent', { skip: env.skipped }, async (t) => {
  const e = env as TestEnvironment;
  const masterKey = randomBytes(32);
  const source = await fileStoreWithVictims(t, masterKey);
  const bucket = await bucketFor(t, e);
  const vars = { DATA_DIR: source.dataDir, KEY_STORE: 'nats', KEY_STORE_BUCKET: bucket, NATS_URL: e.natsUrl, ...e.natsEnv('test') };

  const first = await run(vars);
  t.equal(first.code, 0, 'the copy succeeds', { stderr: first.stderr });
  const kept = VICTIMS - source.erased.size;
  t.equal(first.stdout, `${VICTIMS} victims: ${kept} keys copied, 0 already in ${bucket}, ${source.erased.size} erased, 0 conflicts\n`);
  t.match(first.stderr, /keys:copy-to-nats .*keys/, 'progress on stderr');

  const nc = await e.connectNats();
  t.teardown(() => nc.close());
  const target = await NatsKeyStore.open(nc, { bucket, readOnly: true });
  t.equal(await target.getMasterKeyCheck(), masterKeyId(masterKey), 'the store\'s master key came along');
  const protector = await PersonalDataProtector.open({ keyStore: target, masterKey });
  let read = 0;
  for (const [victimRef, envelope] of source.envelopes) {
    const value = await protector.decryptPersonalData(victimRef, envelope);
    if (source.erased.has(victimRef)) t.equal(value, Erased, `${victimRef} is erased in the bucket`, { diagnostic: false });
    else if (JSON.stringify(value) === JSON.stringify(person(victimRef))) read++;
  }
  protector.close();
  t.equal(read, kept, `every victim not erased (${kept}) is read from the bucket alone`);
  await t.rejects(PersonalDataProtector.open({ keyStore: target, masterKey: randomBytes(32) }), { name: 'MasterKeyMismatchError' }, 'another master key is refused by the bucket');

  // An erasure made in the source after the first run (the services were not yet stopped): a second run carries it over.
  const late = [...source.envelopes.keys()].find((v) => !source.erased.has(v))!;
  await source.store.erase(late);
  const second = await run(vars);
  t.equal(second.code, 0, 'the second run succeeds', { stderr: second.stderr });
  t.equal(second.stdout, `${VICTIMS} victims: 0 keys copied, ${kept - 1} already in ${bucket}, ${source.erased.size + 1} erased, 0 conflicts\n`);
  t.equal(await target.get(late), 'erased', 'the later erasure reached the bucket');
});

t.test('a bucket of another master key is refused before anything is written', { skip: env.skipped }, async (t) => {
  const e = env as TestEnvironment;
  const source = await fileStoreWithVictims(t, randomBytes(32));
  const bucket = await bucketFor(t, e);
  const nc = await e.connectNats();
  t.teardown(() => nc.close());
  const other = await NatsKeyStore.open(nc, { bucket });
  const otherKey = randomBytes(32);
  await (await PersonalDataProtector.open({ keyStore: other, masterKey: otherKey })).close();
  const refused = await run({ DATA_DIR: source.dataDir, KEY_STORE: 'nats', KEY_STORE_BUCKET: bucket, NATS_URL: e.natsUrl, ...e.natsEnv('test') });
  t.equal(refused.code, 1);
  t.match(refused.stderr, `keys:copy-to-nats failed: the target key store belongs to another master key (${masterKeyId(otherKey)}`);
  t.same(await other.victimKeyIds(), [], 'no key was written');
});

t.test('configuration errors name the variable', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-copy-keys-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const file = await run({ DATA_DIR: dataDir });
  t.equal(file.code, 2);
  t.match(file.stderr, 'KEY_STORE: must be nats');
  const none = await run({ DATA_DIR: dataDir, KEY_STORE: 'nats' });
  t.equal(none.code, 2);
  t.match(none.stderr, `DATA_DIR: no file key store at ${keyStoreDir(dataDir)}`);
});
