/**
 * Rotation of the master key (rewrapKeyStore and the key ring of PersonalDataProtector), run
 * unchanged against both key stores: FileKeyStore in a temporary directory and NatsKeyStore on
 * a real nats-server. Given victims with keys under the old master key (some wrapped the way
 * keys were before rotation existed), some erased; when the store is rewrapped, possibly with a
 * crash in the middle; then every key opens with the new key alone, the old key alone is
 * refused, erased victims stay erased.
 */
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startTestEnvironment, type TestEnvironment } from '@cfund/test-support';
import {
  Erased,
  FileKeyStore,
  MasterKeyMismatchError,
  NatsKeyStore,
  PersonalDataProtector,
  masterKeyId,
  rewrapKeyStore,
  victimKeyId,
  type EncryptedPersonalData,
  type RewrappableKeyStore,
  type WrappedDataKey,
} from '../src/index.ts';

const env = await startTestEnvironment();
t.teardown(() => env.close());
t.comment(env.skipped !== undefined ? `the NATS store's tests are skipped: ${env.skipped}` : env.description);

interface Subject {
  open(): Promise<RewrappableKeyStore>;
  storageDir: string | undefined;
}

const subjects: Record<string, (t: Test) => Promise<Subject>> = {
  file: async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'cfund-rotate-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return { open: () => FileKeyStore.open(dir), storageDir: dir };
  },
  nats: async (t) => {
    const e = env as TestEnvironment;
    const bucket = `rotate-${randomBytes(4).toString('hex')}`;
    const nc = await e.connectNats();
    t.teardown(async () => {
      await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`).catch(() => undefined);
    });
    return {
      open: async () => NatsKeyStore.open(await e.connectNats(), { bucket }),
      storageDir: e.mode === 'embedded' && e.tempDir ? join(e.tempDir, 'nats', 'jetstream') : undefined,
    };
  },
};

/** Files under `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: Buffer): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) hits.push(path);
  }
  return hits;
}

/**
 * A key as the version before rotation wrapped it (fixture: that format is what old stores
 * hold): no masterKeyId, the victim reference itself in the additional data.
 */
function legacyWrappedKey(masterKey: Buffer, victimRef: string): WrappedDataKey {
  const keyId = randomUUID();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(`cfund-dek/v1\0${victimRef}\0${keyId}`, 'utf8'));
  const wrappedKey = Buffer.concat([cipher.update(randomBytes(32)), cipher.final()]);
  return { keyId, alg: 'AES-256-GCM', iv: iv.toString('base64'), wrappedKey: wrappedKey.toString('base64'), tag: cipher.getAuthTag().toString('base64'), createdAt: new Date().toISOString() };
}

const person = (i: number) => ({ fullName: `Victim Nr. ${i} Quxbertovna`, dateOfBirth: '1990-01-01' });

interface Population {
  oldKey: Buffer;
  newKey: Buffer;
  /** Every victim's envelope; erased ones are in `erased`. */
  envelopes: Map<string, EncryptedPersonalData>;
  erased: Set<string>;
  legacy: Set<string>;
  /** The wrapped keys as they were before the rotation (to find their bytes after). */
  before: Map<string, WrappedDataKey>;
}

/** Given: 12 victims under the old key, 4 of them wrapped the old way, 3 erased (1 of the legacy ones). */
async function populate(store: RewrappableKeyStore): Promise<Population> {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const envelopes = new Map<string, EncryptedPersonalData>();
  const legacy = new Set<string>();
  const erased = new Set<string>();
  const before = new Map<string, WrappedDataKey>();
  const protector = await PersonalDataProtector.open({ keyStore: store, masterKey: oldKey });
  for (let i = 0; i < 12; i++) {
    const victimRef = `victim-${i}`;
    if (i % 3 === 0) {
      await store.putIfAbsent(victimRef, legacyWrappedKey(oldKey, victimRef));
      legacy.add(victimRef);
    }
    envelopes.set(victimRef, await protector.encryptPersonalData(victimRef, person(i)));
    before.set(victimRef, (await store.get(victimRef)) as WrappedDataKey);
  }
  for (const victimRef of ['victim-0', 'victim-4', 'victim-7']) {
    await protector.eraseKey(victimRef);
    erased.add(victimRef);
  }
  protector.close();
  return { oldKey, newKey, envelopes, erased, legacy, before };
}

const victimRefsOf = (p: Population) => async function* victimRefs() {
  yield* p.envelopes.keys();
};

/** Then: every victim's data reads with `keys`, erased ones as Erased. */
async function readsEverything(t: Test, store: RewrappableKeyStore, p: Population, keys: { masterKey: Buffer; previousMasterKeys?: Buffer[] }, what: string): Promise<void> {
  const protector = await PersonalDataProtector.open({ keyStore: store, ...keys });
  let read = 0;
  for (const [victimRef, envelope] of p.envelopes) {
    const value = await protector.decryptPersonalData(victimRef, envelope);
    if (p.erased.has(victimRef)) {
      if (value !== Erased) t.fail(`${victimRef} was erased, yet reads`);
    } else {
      t.same(value, person(Number(victimRef.slice('victim-'.length))), `${victimRef} reads`, { diagnostic: false });
      read++;
    }
  }
  protector.close();
  t.equal(read, p.envelopes.size - p.erased.size, `${what}: every victim not erased reads, erased ones read as Erased`);
}

for (const [kind, make] of Object.entries(subjects)) {
  if (kind === 'nats' && env.skipped) continue;

  t.test(`${kind}: rotation rewraps every key, erasure stays erasure`, async (t) => {
    const subject = await make(t);
    const store = await subject.open();
    const p = await populate(store);

    // During the overlap the services hold both keys: old keys open, new keys go under the new one.
    const overlap = await PersonalDataProtector.open({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [p.oldKey] });
    await readsEverything(t, store, p, { masterKey: p.newKey, previousMasterKeys: [p.oldKey] }, 'with both keys');
    p.envelopes.set('victim-12', await overlap.encryptPersonalData('victim-12', person(12)));
    overlap.close();
    t.equal(((await store.get('victim-12')) as WrappedDataKey).masterKeyId, masterKeyId(p.newKey), 'a key created in the overlap is wrapped by the new master key');

    const progress: number[] = [];
    const report = await rewrapKeyStore({
      keyStore: store, masterKey: p.newKey, previousMasterKeys: [p.oldKey], victimRefs: victimRefsOf(p), onProgress: ({ done }) => progress.push(done),
    });
    t.same(report, { total: 13, rewrapped: 9, alreadyCurrent: 1, erased: 3, unresolved: 0, checkMoved: true }, 'the counts');
    t.same(progress, Array.from({ length: 13 }, (_, i) => i + 1), 'progress after each key');
    t.equal(await store.getMasterKeyCheck(), masterKeyId(p.newKey), 'the store\'s master key is the new one');
    t.same((await store.getMasterKeyMeta!())?.formerMasterKeyChecks, [masterKeyId(p.oldKey)], 'the old one is recorded as retired');

    for (const victimRef of p.erased) t.equal(await store.get(victimRef), 'erased', `${victimRef}: still erased`);
    for (const [victimRef, wrapped] of p.before) {
      if (p.erased.has(victimRef)) continue;
      const now = (await store.get(victimRef)) as WrappedDataKey;
      t.equal(now.keyId, wrapped.keyId, `${victimRef}: the same data key (its envelopes name it)`, { diagnostic: false });
      t.equal(now.masterKeyId, masterKeyId(p.newKey), `${victimRef}: wrapped by the new master key`, { diagnostic: false });
    }
    if (kind === 'file' && subject.storageDir) {
      const left = await Promise.all([...p.before.values()].map((w) => filesContaining(subject.storageDir!, Buffer.from(w.wrappedKey))));
      t.same(left.flat(), [], 'no file holds a wrap under the old key any more');
    }

    await readsEverything(t, store, p, { masterKey: p.newKey }, 'with the new key alone');
    await t.rejects(PersonalDataProtector.open({ keyStore: store, masterKey: p.oldKey }), { name: 'MasterKeyMismatchError', message: /MASTER_KEY\) was retired by a rotation/ },
      'the old key alone is refused, saying why');
    await t.rejects(PersonalDataProtector.open({ keyStore: store, masterKey: p.oldKey, previousMasterKeys: [p.newKey] }), MasterKeyMismatchError,
      'so are the keys swapped');
    await t.rejects(PersonalDataProtector.open({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [randomBytes(32)] }),
      { name: 'MasterKeyMismatchError', message: 'previous master key 1 (MASTER_KEY_PREVIOUS) was never a master key of this key store' }, 'a wrong previous key is refused');
    await readsEverything(t, store, p, { masterKey: p.newKey, previousMasterKeys: [p.oldKey] }, 'the old key may stay in MASTER_KEY_PREVIOUS a while');

    const again = await rewrapKeyStore({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [p.oldKey] });
    t.same(again, { total: 13, rewrapped: 0, alreadyCurrent: 10, erased: 3, unresolved: 0, checkMoved: true }, 'a second run has nothing to do');
  });

  t.test(`${kind}: a crash in the middle leaves every key readable with both keys; a second run finishes`, async (t) => {
    const subject = await make(t);
    const store = await subject.open();
    const p = await populate(store);
    const crash = new Error('killed');
    await t.rejects(rewrapKeyStore({
      keyStore: store, masterKey: p.newKey, previousMasterKeys: [p.oldKey], victimRefs: victimRefsOf(p),
      afterKey: (done) => { if (done === 6) throw crash; },
    }), crash);
    t.equal(await store.getMasterKeyCheck(), masterKeyId(p.oldKey), 'the check has not moved');
    await readsEverything(t, await subject.open(), p, { masterKey: p.newKey, previousMasterKeys: [p.oldKey] }, 'after the crash, with both keys');
    await t.rejects(PersonalDataProtector.open({ keyStore: store, masterKey: p.newKey }), MasterKeyMismatchError, 'the new key alone is refused until the rewrap is done');

    const report = await rewrapKeyStore({ keyStore: await subject.open(), masterKey: p.newKey, previousMasterKeys: [p.oldKey], victimRefs: victimRefsOf(p) });
    t.equal(report.rewrapped + report.alreadyCurrent, 9, 'the second run rewraps the rest');
    t.ok(report.alreadyCurrent > 0, `${report.alreadyCurrent} keys were already rewrapped by the first run`);
    t.equal(report.erased, 3);
    t.ok(report.checkMoved);
    await readsEverything(t, await subject.open(), p, { masterKey: p.newKey }, 'after the second run, with the new key alone');
  });

  t.test(`${kind}: a legacy key without its victim reference stays under the old key, and the check does not move`, async (t) => {
    const subject = await make(t);
    const store = await subject.open();
    const p = await populate(store);
    const report = await rewrapKeyStore({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [p.oldKey], victimRefs: async function* () { yield 'victim-3'; } });
    t.same(report, { total: 12, rewrapped: 7, alreadyCurrent: 0, erased: 3, unresolved: 2, checkMoved: false }, 'victims 6 and 9 are unresolved');
    t.equal(await store.getMasterKeyCheck(), masterKeyId(p.oldKey));
    await readsEverything(t, store, p, { masterKey: p.newKey, previousMasterKeys: [p.oldKey] }, 'with both keys');
  });

  t.test(`${kind}: keys that do not fit the store are refused before anything is rewrapped`, async (t) => {
    const subject = await make(t);
    const store = await subject.open();
    const p = await populate(store);
    const wrong = randomBytes(32);
    await t.rejects(rewrapKeyStore({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [wrong] }),
      { name: 'MasterKeyMismatchError', message: 'neither the master key (MASTER_KEY) nor a previous one (MASTER_KEY_PREVIOUS) matches the key store' });
    await t.rejects(PersonalDataProtector.open({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [wrong] }), MasterKeyMismatchError, 'a service too');
    await t.rejects(rewrapKeyStore({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [p.oldKey, wrong] }),
      { message: 'previous master key 2 (MASTER_KEY_PREVIOUS) was never a master key of this key store' });
    await t.rejects(rewrapKeyStore({ keyStore: store, masterKey: p.oldKey, previousMasterKeys: [p.oldKey] }), { name: 'InvalidMasterKeyError' }, 'the same key twice');
    for (const [victimRef] of p.before) {
      if (p.erased.has(victimRef)) continue;
      const wrapped = (await store.get(victimRef)) as WrappedDataKey;
      if (wrapped.masterKeyId === masterKeyId(p.newKey)) t.fail(`${victimRef} was rewrapped`);
    }
    t.equal(await store.getMasterKeyCheck(), masterKeyId(p.oldKey));
  });
  // A rotation rolled out one process at a time: MASTER_KEY_NEXT first everywhere, then each
  // process switches (new key current, old key previous), then the store is rewrapped. Without the
  // next phase, a process still on the old key could not read the victims a switched one filed.
  t.test(`${kind}: the next-key phase: a process on the old key reads what a switched one wrapped, until the rotation is done`, async (t) => {
    const subject = await make(t);
    const store = await subject.open();
    const p = await populate(store);
    const notYet = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: p.oldKey, nextMasterKeys: [p.newKey] });
    const switched = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: p.newKey, previousMasterKeys: [p.oldKey] });
    const oldAlone = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: p.oldKey });
    const byNotYet = await notYet.encryptPersonalData('victim-by-not-yet', person(100));
    const bySwitched = await switched.encryptPersonalData('victim-by-switched', person(101));
    t.equal((await store.get('victim-by-switched') as WrappedDataKey).masterKeyId, masterKeyId(p.newKey), 'the switched process wraps with the new key');
    t.equal((await store.get('victim-by-not-yet') as WrappedDataKey).masterKeyId, masterKeyId(p.oldKey), 'a next key never wraps');
    t.same(await notYet.decryptPersonalData('victim-by-switched', bySwitched), person(101), 'the process still on the old key reads the switched one\'s victim');
    t.same(await switched.decryptPersonalData('victim-by-not-yet', byNotYet), person(100), 'and the other way round');
    await t.rejects(oldAlone.decryptPersonalData('victim-by-switched', bySwitched), MasterKeyMismatchError, 'without the next key it cannot (the window the phase closes)');
    for (const protector of [notYet, switched, oldAlone]) protector.close();

    await rewrapKeyStore({ keyStore: store, masterKey: p.newKey, previousMasterKeys: [p.oldKey], victimRefs: victimRefsOf(p) });
    await t.rejects(PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: p.oldKey, nextMasterKeys: [p.newKey] }),
      { name: 'MasterKeyMismatchError', message: 'the key store was rotated to the next master key (MASTER_KEY_NEXT): start with it as MASTER_KEY and the old one as MASTER_KEY_PREVIOUS, or alone' },
      'after the rotation, a process not yet switched is told what to do');
    const after = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: p.newKey });
    t.same(await after.decryptPersonalData('victim-by-not-yet', byNotYet), person(100), 'the new key alone reads the victim the old key wrapped during the phase');
    after.close();
    await t.rejects(PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: p.newKey, nextMasterKeys: [p.oldKey] }),
      { name: 'MasterKeyMismatchError', message: 'next master key 1 (MASTER_KEY_NEXT) was retired by an earlier rotation of this key store: a next key must be new' },
      'a retired key is no next key');
  });
}

t.test('file: a rewrap killed between its two renames leaves one readable wrap, which the next open keeps', async (t) => {
  const subject = await subjects.file!(t);
  const store = (await subject.open()) as FileKeyStore;
  const p = await populate(store);
  const id = victimKeyId('victim-1');
  const path = join(store.dir, 'keys', `${id}.json`);
  // As a kill right after `link(key, retired)`: both names, the same old wrap.
  const { link } = await import('node:fs/promises');
  await link(path, path.replace(/\.json$/, '.retired'));
  await readsEverything(t, await subject.open(), p, { masterKey: p.oldKey }, 'after reopening');
  t.same((await readdir(join(store.dir, 'keys'))).filter((n) => n.endsWith('.retired')), [], 'the leftover is gone');
  // As a kill after the retired name was taken and the key file's rename failed half way: only the retired name.
  const { rename } = await import('node:fs/promises');
  await rename(path, path.replace(/\.json$/, '.retired'));
  await readsEverything(t, await subject.open(), p, { masterKey: p.oldKey }, 'the retired wrap is put back');
});
