/**
 * `pnpm rotate:master-key` as operators run it: a child process over a real key store (files
 * under DATA_DIR, or the NATS bucket on a real nats-server), victims filed under the old master
 * key, some wrapped the way keys were before rotation existed (their references then come from
 * the event store), some erased. The first run is SIGKILLed in the middle; the second finishes.
 * Then the command service itself, started with the old key alone, refuses to start.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { jsonEvent } from '@eventstore/db-client';
import { startTestEnvironment, type TestEnvironment } from '@cfund/test-support';
import { Erased, FileKeyStore, NatsKeyStore, PersonalDataProtector, masterKeyId, type EncryptedPersonalData, type KeyStore, type WrappedDataKey } from '@cfund/eventstore';
import { keyStoreDir } from '@cfund/service-kit';

// The built scripts (`pnpm exec tsc -b test` builds them): a child compiling src/ takes a minute on two cores.
const CLI = resolve(import.meta.dirname, '../dist/rotate-master-key.js');
const MAIN = resolve(import.meta.dirname, '../dist/main.js');
const VICTIMS = 60;

const env = await startTestEnvironment();
t.teardown(() => env.close());

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function run(script: string, vars: Record<string, string>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** A key as the version before rotation wrapped it (the format old stores hold). */
function legacyWrappedKey(masterKey: Buffer, victimRef: string): WrappedDataKey {
  const keyId = randomUUID();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(`cfund-dek/v1\0${victimRef}\0${keyId}`, 'utf8'));
  const wrappedKey = Buffer.concat([cipher.update(randomBytes(32)), cipher.final()]);
  return { keyId, alg: 'AES-256-GCM', iv: iv.toString('base64'), wrappedKey: wrappedKey.toString('base64'), tag: cipher.getAuthTag().toString('base64'), createdAt: new Date().toISOString() };
}

const person = (victimRef: string) => ({ fullName: `Person ${victimRef}`, dateOfBirth: '1990-01-01' });

async function readsEverything(t: Test, keyStore: KeyStore, envelopes: Map<string, EncryptedPersonalData>, erased: Set<string>, keys: { masterKey: Buffer; previousMasterKeys?: Buffer[] }, what: string) {
  const protector = await PersonalDataProtector.open({ keyStore, ...keys });
  let read = 0;
  let wrong = 0;
  for (const [victimRef, envelope] of envelopes) {
    const value = await protector.decryptPersonalData(victimRef, envelope);
    if (erased.has(victimRef) ? value !== Erased : JSON.stringify(value) !== JSON.stringify(person(victimRef))) wrong++;
    else if (!erased.has(victimRef)) read++;
  }
  protector.close();
  t.equal(wrong, 0, `${what}: ${read} victims read, ${erased.size} erased read as Erased`);
}

const stores = {
  file: async (t: Test) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cfund-rotate-cli-'));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    return { vars: { DATA_DIR: dataDir, KEY_STORE: 'file' }, open: () => FileKeyStore.open(keyStoreDir(dataDir)) };
  },
  nats: async (t: Test) => {
    const e = env as TestEnvironment;
    const dataDir = await mkdtemp(join(tmpdir(), 'cfund-rotate-cli-'));
    const bucket = `rotate_cli_${randomBytes(4).toString('hex')}`;
    const nc = await e.connectNats();
    t.teardown(async () => {
      await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    });
    return {
      vars: { DATA_DIR: dataDir, KEY_STORE: 'nats', KEY_STORE_BUCKET: bucket, NATS_URL: e.natsUrl, ...e.natsEnv('test') },
      open: async () => NatsKeyStore.open(await e.connectNats(), { bucket }),
    };
  },
};

for (const [kind, make] of Object.entries(stores)) {
  t.test(`${kind}: killed in the middle, run again, then the new key alone reads everything`, { skip: env.skipped }, async (t) => {
    const e = env as TestEnvironment;
    const subject = await make(t);
    const store = await subject.open();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const envelopes = new Map<string, EncryptedPersonalData>();
    const erased = new Set<string>();
    const protector = await PersonalDataProtector.open({ keyStore: store, masterKey: oldKey });
    const run_ = randomUUID().slice(0, 8);
    for (let i = 0; i < VICTIMS; i++) {
      const victimRef = `vic-${run_}-${i}`;
      if (i % 4 === 0) {
        // Filed before rotation existed: the event store names the victim.
        await store.putIfAbsent(victimRef, legacyWrappedKey(oldKey, victimRef));
        await e.eventStore.appendToStream(`rotation-test-${run_}-${i}`, jsonEvent({ type: 'ClaimFiled', data: { victimRef } }));
      }
      envelopes.set(victimRef, await protector.encryptPersonalData(victimRef, person(victimRef)));
      if (i % 10 === 3) {
        await protector.eraseKey(victimRef);
        erased.add(victimRef);
      }
    }
    protector.close();
    const vars = {
      ...subject.vars, MASTER_KEY: newKey.toString('base64'), MASTER_KEY_PREVIOUS: oldKey.toString('base64'),
      ESDB_CONNECTION_STRING: e.esdbConnectionString,
    };

    const killed = await run(CLI, { ...vars, CFUND_ROTATE_KILL_AFTER: '25' });
    t.equal(killed.signal, 'SIGKILL', 'the first run was killed in the middle', { stderr: killed.stderr, stdout: killed.stdout });
    t.equal(await store.getMasterKeyCheck(), masterKeyId(oldKey), 'the store\'s master key has not moved');
    await readsEverything(t, await subject.open(), envelopes, erased, { masterKey: newKey, previousMasterKeys: [oldKey] }, 'after the kill, with both keys');
    await t.rejects(PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: newKey }), { name: 'MasterKeyMismatchError' }, 'the new key alone is refused until the rotation is done');

    const done = await run(CLI, vars);
    t.equal(done.code, 0, 'the second run succeeds', { stderr: done.stderr });
    t.match(done.stdout, new RegExp(`^${VICTIMS} victims: \\d+ rewrapped, \\d+ already under the new key, ${erased.size} erased \\(left as they are\\), 0 unresolved\n`), 'the counts');
    const [, rewrapped, already] = /(\d+) rewrapped, (\d+) already/.exec(done.stdout)!.map(Number);
    t.equal(rewrapped! + already!, VICTIMS - erased.size, `${rewrapped} rewrapped now, ${already} by the killed run`);
    t.ok(already! >= 20, 'the killed run\'s work is kept');
    t.match(done.stdout, `the key store's master key is now ${masterKeyId(newKey)}`);
    t.match(done.stderr, /rotate:master-key .*keys/, 'progress on stderr');
    t.match(done.stderr, /reading the victim references from the event store/, 'legacy keys resolved through the event store');

    const after = await subject.open();
    await readsEverything(t, after, envelopes, erased, { masterKey: newKey }, 'after the rotation, with the new key alone');
    for (const victimRef of erased) t.equal(await after.get(victimRef), 'erased', `${victimRef} is still erased`, { diagnostic: false });

    const oldAlone = await run(MAIN, { ...subject.vars, MASTER_KEY: oldKey.toString('base64'), ESDB_CONNECTION_STRING: e.esdbConnectionString, RELAY_ENABLED: 'false', PORT: '0' });
    t.equal(oldAlone.code, 1, 'the command service with the old key alone does not start');
    t.match(oldAlone.stderr, 'command service failed to start: the master key (MASTER_KEY) was retired by a rotation of the key store: start with the key it was rotated to');
  });
}

t.test('configuration errors name the variable', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-rotate-cli-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const key = randomBytes(32).toString('base64');
  const noPrevious = await run(CLI, { DATA_DIR: dataDir, MASTER_KEY: key });
  t.equal(noPrevious.code, 2);
  t.match(noPrevious.stderr, 'MASTER_KEY_PREVIOUS: required');
  const short = await run(CLI, { DATA_DIR: dataDir, MASTER_KEY: key, MASTER_KEY_PREVIOUS: `${randomBytes(32).toString('base64')},${randomBytes(16).toString('base64')}` });
  t.equal(short.code, 2);
  t.match(short.stderr, 'invalid configuration: MASTER_KEY_PREVIOUS: key 2: the master key must be 32 bytes, got 16');
  const same = await run(CLI, { DATA_DIR: dataDir, MASTER_KEY: key, MASTER_KEY_PREVIOUS: key });
  t.match(same.stderr, 'invalid configuration: MASTER_KEY_PREVIOUS: a previous master key is the master key itself');
  const alone = await run(CLI, { DATA_DIR: dataDir, MASTER_KEY_PREVIOUS: key });
  t.match(alone.stderr, 'invalid configuration: MASTER_KEY_PREVIOUS: requires MASTER_KEY or MASTER_KEY_FILE (the new master key)');
});
