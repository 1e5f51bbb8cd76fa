/**
 * The KeyStore conformance suite, run unchanged against both implementations: FileKeyStore in a
 * temporary directory and NatsKeyStore on a real nats-server (startTestEnvironment, with the
 * services' users). Then what only a store shared by several hosts has: two services on one
 * bucket, erasure reaching the other's cache, and the NATS permissions of each service.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startTestEnvironment, eventually, type TestEnvironment } from '@cfund/test-support';
import {
  Erased,
  FileKeyStore,
  isErased,
  NatsKeyStore,
  PersonalDataProtector,
  ReadOnlyKeyStoreError,
  VictimErasedError,
  victimKeyId,
  type KeyStore,
  type WrappedDataKey,
} from '../src/index.ts';

const person = { fullName: 'Zlatomira Quxbertovna', dateOfBirth: '1994-02-11' };

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

const wrappedKey = (): WrappedDataKey => ({
  keyId: randomBytes(8).toString('hex'), alg: 'AES-256-GCM', iv: randomBytes(12).toString('base64'),
  wrappedKey: randomBytes(32).toString('base64'), tag: randomBytes(16).toString('base64'), createdAt: new Date().toISOString(),
});

interface Subject {
  /** A writable store; every call opens another handle on the same storage (another process). */
  open(options?: { readOnly?: boolean }): Promise<KeyStore>;
  /** Where the storage's bytes are on disk (undefined: not on this machine). */
  storageDir: string | undefined;
}

const env = await startTestEnvironment();
t.teardown(() => env.close());
t.comment(env.skipped !== undefined ? `the NATS store's tests are skipped: ${env.skipped}` : env.description);

const subjects: Record<string, (t: Test) => Promise<Subject>> = {
  file: async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'cfund-keys-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return { open: (options) => FileKeyStore.open(dir, options), storageDir: dir };
  },
  nats: async (t) => {
    const e = env as TestEnvironment;
    const bucket = `keys-${randomBytes(4).toString('hex')}`;
    const nc = await e.connectNats();
    t.teardown(async () => {
      await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`).catch(() => undefined);
    });
    return {
      open: async (options) => NatsKeyStore.open(await e.connectNats(), { bucket, ...options }),
      storageDir: e.mode === 'embedded' && e.tempDir ? join(e.tempDir, 'nats', 'jetstream') : undefined,
    };
  },
};

for (const [kind, make] of Object.entries(subjects)) {
  if (kind === 'nats' && env.skipped) continue;

  t.test(`${kind}: keys, first writer wins`, async (t) => {
    const subject = await make(t);
    const store = await subject.open();
    t.equal(await store.get('victim-1'), undefined, 'no key yet');
    const first = wrappedKey();
    t.same(await store.putIfAbsent('victim-1', first), first);
    t.same(await store.get('victim-1'), first, 'read back');
    t.same(await store.putIfAbsent('victim-1', wrappedKey()), first, 'a second key is not stored');
    t.same(await (await subject.open()).get('victim-1'), first, 'another handle sees it');

    const candidates = Array.from({ length: 8 }, wrappedKey);
    const other = await subject.open();
    const results = await Promise.all(candidates.map((key, i) => (i % 2 ? store : other).putIfAbsent('victim-2', key)));
    t.equal(new Set(results.map((r) => (r === 'erased' ? r : r.keyId))).size, 1, 'concurrent creators agree on one key');
  });

  t.test(`${kind}: erasure`, async (t) => {
    const subject = await make(t);
    const store = await subject.open();
    const key = wrappedKey();
    await store.putIfAbsent('victim-e', key);
    await store.putIfAbsent('victim-kept', wrappedKey());
    const bytes = Buffer.from(key.wrappedKey);
    if (subject.storageDir) t.not((await filesContaining(subject.storageDir, bytes)).length, 0, 'the wrapped key is on disk before');

    await store.erase('victim-e');
    t.equal(await store.get('victim-e'), 'erased');
    t.equal(await (await subject.open()).get('victim-e'), 'erased', 'for another handle too');
    t.equal(await store.putIfAbsent('victim-e', wrappedKey()), 'erased', 'no new key for an erased victim');
    await store.erase('victim-e');
    t.equal(await store.get('victim-e'), 'erased', 'erasing twice is fine');
    await store.erase('victim-never');
    t.equal(await store.get('victim-never'), 'erased', 'a victim without a key can be erased');
    t.not(await store.get('victim-kept'), 'erased', 'other victims keep theirs');
    if (subject.storageDir) t.same(await filesContaining(subject.storageDir, bytes), [], 'the wrapped key\'s bytes are in no file after');
  });

  if (kind === 'nats') {
    t.test('nats: a plain KV purge would not do (why the store erases securely)', async (t) => {
      const subject = await make(t);
      const store = (await subject.open()) as NatsKeyStore;
      if (!subject.storageDir) return t.plan(0, 'the server\'s storage is not on this machine');
      const kv = await (await (env as TestEnvironment).connectNats()).jetstream().views.kv(store.bucket, { bindOnly: true });
      const bytes = randomBytes(32).toString('base64');
      await kv.put('control', bytes);
      await kv.purge('control');
      t.equal(await kv.get('control').then((e) => e?.operation), 'PURGE', 'purged: no revision holds the value');
      t.not((await filesContaining(subject.storageDir, Buffer.from(bytes))).length, 0,
        'yet its bytes are still in the block file (nats-server 2.9): the scan above can fail');
    });
  }

  t.test(`${kind}: master key check, read-only handles`, async (t) => {
    const subject = await make(t);
    const early = await subject.open({ readOnly: true });
    t.equal(await early.getMasterKeyCheck(), undefined, 'read-only before the writer has started');
    t.equal(await early.get('victim-r'), undefined);
    const store = await subject.open();
    t.equal(await store.getMasterKeyCheck(), undefined);
    await store.setMasterKeyCheck('aaaa');
    await store.setMasterKeyCheck('bbbb');
    t.equal(await store.getMasterKeyCheck(), 'aaaa', 'set once');
    const key = wrappedKey();
    await store.putIfAbsent('victim-r', key);
    const reader = await subject.open({ readOnly: true });
    t.equal(reader.readOnly, true);
    t.same(await reader.get('victim-r'), key);
    t.equal(await reader.getMasterKeyCheck(), 'aaaa');
    await t.rejects(reader.putIfAbsent('victim-x', wrappedKey()), ReadOnlyKeyStoreError);
    await t.rejects(reader.erase('victim-r'), ReadOnlyKeyStoreError);
    await t.rejects(reader.setMasterKeyCheck('cccc'), ReadOnlyKeyStoreError);
  });

  t.test(`${kind}: through the protector`, async (t) => {
    const subject = await make(t);
    const masterKey = randomBytes(32);
    const writer = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey });
    t.teardown(() => writer.close());
    const envelope = await writer.encryptPersonalData('victim-p', person);
    const reader = await PersonalDataProtector.open({ keyStore: await subject.open({ readOnly: true }), masterKey });
    t.same(await reader.decryptPersonalData('victim-p', envelope), person);
    await writer.eraseKey('victim-p');
    t.equal(await writer.decryptPersonalData('victim-p', envelope), Erased);
    t.equal(await reader.decryptPersonalData('victim-p', envelope), Erased, 'the read-only side at once');
    await t.rejects(writer.encryptPersonalData('victim-p', person), VictimErasedError);
    await t.rejects(PersonalDataProtector.open({ keyStore: await subject.open(), masterKey: randomBytes(32) }), { name: 'MasterKeyMismatchError' });
  });
}

t.test('file: whichever way a key\'s creation ends, only key files and markers remain, readable by the owner alone', async (t) => {
  // Given a store with an erased victim
  const dir = await mkdtemp(join(tmpdir(), 'cfund-keys-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await FileKeyStore.open(dir);
  await store.erase('victim-gone');
  // When keys are created: new ones, concurrently for one victim, for a victim that has one, for the erased victim
  const first = wrappedKey();
  t.same(await store.putIfAbsent('victim-new', first), first);
  const racing = await Promise.all(Array.from({ length: 6 }, () => store.putIfAbsent('victim-race', wrappedKey())));
  t.equal(new Set(racing.map((r) => (r === 'erased' ? r : r.keyId))).size, 1, 'the racers agree on one key');
  t.same(await store.putIfAbsent('victim-new', wrappedKey()), first, 'an existing key is kept');
  t.equal(await store.putIfAbsent('victim-gone', wrappedKey()), 'erased');
  // Then the directory holds the two keys and the marker, under their hashed names, mode 0600, and no temporary file
  const names = (await readdir(join(dir, 'keys'))).sort();
  t.same(names, [`${victimKeyId('victim-gone')}.erased`, `${victimKeyId('victim-new')}.json`, `${victimKeyId('victim-race')}.json`].sort());
  for (const name of names) t.equal((await stat(join(dir, 'keys', name))).mode & 0o777, 0o600, `${name} is 0600`);
});

t.test('nats: two services on one bucket', { skip: env.skipped }, async (t) => {
  const subject = await subjects.nats!(t);
  const masterKey = randomBytes(32);
  const a = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey });
  const b = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey });
  t.teardown(() => { a.close(); b.close(); });
  const fromA = await a.encryptPersonalData('victim-ab', person);
  const fromB = await b.encryptPersonalData('victim-ab', { ...person, dateOfBirth: '1994-02-12' });
  t.equal(fromB.keyId, fromA.keyId, 'both use the one key the first created');
  t.same(await b.decryptPersonalData('victim-ab', fromA), person, 'B reads what A wrote (and caches the key)');

  const started = Date.now();
  await a.eraseKey('victim-ab');
  await eventually('B sees the erasure', async () => isErased(await b.decryptPersonalData('victim-ab', fromA)), 2000, 5);
  t.pass('B\'s decryption fails');
  t.comment(`B's cached key was evicted ${Date.now() - started} ms after A's erasure began`);
  await t.rejects(b.encryptPersonalData('victim-ab', person), VictimErasedError);
});

t.test('nats: without the erasure notice, a cached key lives at most maxCacheAgeMs', { skip: env.skipped }, async (t) => {
  const subject = await subjects.nats!(t);
  const masterKey = randomBytes(32);
  const a = await PersonalDataProtector.open({ keyStore: await subject.open(), masterKey });
  const store = await subject.open();
  // As if the watch had missed the erasure (e.g. while disconnected): the store without it.
  const deaf: KeyStore = { get: (r) => store.get(r), putIfAbsent: (r, k) => store.putIfAbsent(r, k), erase: (r) => store.erase(r),
    getMasterKeyCheck: () => store.getMasterKeyCheck(), setMasterKeyCheck: (c) => store.setMasterKeyCheck(c) };
  const b = await PersonalDataProtector.open({ keyStore: deaf, masterKey, maxCacheAgeMs: 300 });
  t.teardown(() => a.close());
  const envelope = await a.encryptPersonalData('victim-ttl', person);
  t.same(await b.decryptPersonalData('victim-ttl', envelope), person);
  await a.eraseKey('victim-ttl');
  t.same(await b.decryptPersonalData('victim-ttl', envelope), person, 'still cached right after the erasure: the limit this option bounds');
  await new Promise((resolve) => setTimeout(resolve, 350));
  t.equal(await b.decryptPersonalData('victim-ttl', envelope), Erased, 'gone once the age limit passed');
});

t.test('nats: the services\' permissions on the key bucket', { skip: env.skipped }, async (t) => {
  const e = env as TestEnvironment;
  const nc = await e.connectNats();
  // The bucket of the permissions (DEFAULT_KEY_BUCKET), created by the command service's user.
  const command = await NatsKeyStore.open(await e.connectNats(e.natsOptions('command')));
  t.teardown(async () => { await (await nc.jetstreamManager()).streams.delete(command.stream).catch(() => undefined); });
  const key = wrappedKey();
  t.same(await command.putIfAbsent('victim-perm', key), key, 'the command service creates keys');
  await command.putIfAbsent('victim-perm-2', wrappedKey());
  await command.erase('victim-perm-2');
  t.equal(await command.get('victim-perm-2'), 'erased', 'and erases them');

  const projectionNc = await e.connectNats(e.natsOptions('projection'));
  const projection = await NatsKeyStore.open(projectionNc, { readOnly: true });
  t.same(await projection.get('victim-perm'), key, 'the projection reads keys');

  // Around the store: straight at the subjects and the API.
  const js = projectionNc.jetstream();
  const kv = await js.views.kv(command.bucket, { bindOnly: true });
  await t.rejects(kv.put(`key.${'0'.repeat(64)}`, 'forged'), 'nor write a key');
  const subjectOfKey = `key.${victimKeyId('victim-perm')}`;
  const stored = await kv.get(subjectOfKey);
  await t.rejects(kv.purge(subjectOfKey), 'nor purge one');
  await t.rejects((await projectionNc.jetstreamManager()).streams.deleteMessage(command.stream, stored!.revision, true), 'nor erase a message');
  await t.rejects((await projectionNc.jetstreamManager()).streams.purge(command.stream), 'nor purge the bucket');
  t.same(await command.get('victim-perm'), key, 'the key is still there');

  const notification = await NatsKeyStore.open(await e.connectNats(e.natsOptions('notification')), { readOnly: true });
  await t.rejects(notification.get('victim-perm'), 'the notification service may not read keys');
});
