/**
 * Envelope encryption, crypto-shredding and the master key. No event store
 * needed: the key store lives in a temporary directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  DecryptionError,
  Erased,
  FileKeyStore,
  InvalidMasterKeyError,
  MasterKeyMismatchError,
  PersonalDataProtector,
  ReadOnlyKeyStoreError,
  VictimErasedError,
  isErased,
  loadOrCreateMasterKey,
  masterKeyFromEnv,
  parseMasterKey,
  type EncryptedPersonalData,
} from '../src/index.ts';

const NAME = 'Zlatomira Quxbertovna';
const person = { fullName: NAME, dateOfBirth: '1994-02-11', contacts: { email: 'zq@example.org', phone: '+381 64 1234567' }, address: 'Ulica 1, Niš' };

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-keys-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every byte under `dir`, as one string per file. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await readFile(join(entry.parentPath, entry.name), 'latin1'));
  }
  return out;
}

t.test('master key', async (t) => {
  const key = randomBytes(32);
  t.same(parseMasterKey(key.toString('base64')), key);
  t.same(parseMasterKey(` ${key.toString('base64')}\n`), key, 'surrounding whitespace is fine');
  t.throws(() => parseMasterKey(randomBytes(16).toString('base64')), InvalidMasterKeyError, '16 bytes');
  t.throws(() => parseMasterKey('not base64!'), InvalidMasterKeyError);
  t.throws(() => parseMasterKey(''), InvalidMasterKeyError);
  t.throws(() => masterKeyFromEnv({}), { name: 'InvalidMasterKeyError', message: 'MASTER_KEY is not set' });
  t.same(masterKeyFromEnv({ MASTER_KEY: key.toString('base64') }), key);

  const dir = await tempDir(t);
  const path = join(dir, 'secrets', 'master.key');
  const first = await loadOrCreateMasterKey(path);
  t.equal(first.created, true);
  t.equal(first.key.length, 32);
  t.equal((await stat(path)).mode & 0o777, 0o600, 'mode 0600');
  const again = await loadOrCreateMasterKey(path);
  t.equal(again.created, false);
  t.same(again.key, first.key, 'the same key on the next start');

  const racePath = join(dir, 'race.key');
  const racers = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateMasterKey(racePath)));
  t.equal(racers.filter((r) => r.created).length, 1, 'concurrent first starts create one key');
  t.ok(racers.every((r) => r.key.equals(racers[0]!.key)), '...and all use it');

  await writeFile(join(dir, 'bad.key'), 'short');
  await t.rejects(loadOrCreateMasterKey(join(dir, 'bad.key')), InvalidMasterKeyError, 'a damaged key file is refused, not replaced');
});

t.test('encryption round trip', async (t) => {
  const dir = await tempDir(t);
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });

  const envelope = await protector.encryptPersonalData('victim-1', person);
  t.same(Object.keys(envelope).sort(), ['alg', 'ciphertext', 'iv', 'keyId', 'tag']);
  t.equal(envelope.alg, 'AES-256-GCM');
  for (const field of ['iv', 'ciphertext', 'tag'] as const) t.match(envelope[field], /^[A-Za-z0-9+/]+=*$/, `${field} is base64`);
  t.equal(Buffer.from(envelope.iv, 'base64').length, 12);
  t.equal(Buffer.from(envelope.tag, 'base64').length, 16);
  t.same(JSON.parse(JSON.stringify(envelope)), envelope, 'JSON-serialisable');
  t.notOk(JSON.stringify(envelope).includes('Zlatomira'), 'no plaintext');
  t.same(await protector.decryptPersonalData('victim-1', envelope), person);

  const second = await protector.encryptPersonalData('victim-1', person);
  t.equal(second.keyId, envelope.keyId, "one key per victim");
  t.not(second.iv, envelope.iv, 'a fresh IV each time');
  const other = await protector.encryptPersonalData('victim-2', { fullName: 'Other' });
  t.not(other.keyId, envelope.keyId, 'another victim, another key');

  // A new process: same master key, key store reopened from disk.
  const reopened = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });
  t.same(await reopened.decryptPersonalData('victim-1', envelope), person, 'keys are durable');

  const tampered: EncryptedPersonalData = { ...envelope, ciphertext: Buffer.from(Buffer.from(envelope.ciphertext, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64') };
  await t.rejects(reopened.decryptPersonalData('victim-1', tampered), DecryptionError, 'altered ciphertext');
  await t.rejects(reopened.decryptPersonalData('victim-2', envelope), DecryptionError, "another victim's envelope");
  await t.rejects(reopened.decryptPersonalData('victim-3', envelope), DecryptionError, 'a victim without a key');

  const keyFiles = await readdir(join(dir, 'keys'));
  t.equal(keyFiles.length, 2);
  for (const name of keyFiles) t.equal((await stat(join(dir, 'keys', name))).mode & 0o777, 0o600, `${name} is 0600`);
  t.ok((await filesUnder(dir)).every((text) => !text.includes(NAME)), 'the key store holds no personal data');

  const concurrent = await Promise.all(Array.from({ length: 10 }, (_, i) => reopened.encryptPersonalData('victim-9', { i })));
  t.equal(new Set(concurrent.map((e) => e.keyId)).size, 1, 'concurrent first encryptions agree on one key');

  // Many victims at once (their directory syncs are shared): every key is stored and durable.
  const many = await Promise.all(Array.from({ length: 40 }, (_, i) => reopened.encryptPersonalData(`victim-batch-${i}`, { i })));
  t.equal(new Set(many.map((e) => e.keyId)).size, 40, 'one key each');
  const again = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });
  const back = await Promise.all(many.map((e, i) => again.decryptPersonalData(`victim-batch-${i}`, e)));
  t.same(back, Array.from({ length: 40 }, (_, i) => ({ i })), 'all readable after reopening the store');
  t.equal((await readdir(join(dir, 'keys'))).filter((n) => n.endsWith('.tmp')).length, 0, 'no temporary files left');
});

t.test('erasure', async (t) => {
  const dir = await tempDir(t);
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });
  const envelope = await protector.encryptPersonalData('victim-e', person);
  const kept = await protector.encryptPersonalData('victim-k', { fullName: 'Kept' });
  const wrapped = JSON.parse((await filesUnder(join(dir, 'keys'))).find((text) => text.includes(envelope.keyId))!) as { wrappedKey: string };

  await protector.eraseKey('victim-e');
  const result = await protector.decryptPersonalData('victim-e', envelope);
  t.equal(result, Erased);
  t.ok(isErased(result));
  const everything = (await filesUnder(dir)).join('\n');
  t.notOk(everything.includes(wrapped.wrappedKey), 'the wrapped key is in no file any more');
  t.notOk(everything.includes(envelope.keyId), 'nor its key id');
  await t.rejects(protector.encryptPersonalData('victim-e', person), VictimErasedError, 'no new key for an erased victim');
  await protector.eraseKey('victim-e');
  t.pass('erasing twice is fine');

  const restarted = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });
  t.equal(await restarted.decryptPersonalData('victim-e', envelope), Erased, 'erased after a restart too');
  t.same(await restarted.decryptPersonalData('victim-k', kept), { fullName: 'Kept' }, 'other victims are untouched');

  // A crash between the erasure marker and the removal of the key file: finished on open.
  const protector2 = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });
  const env2 = await protector2.encryptPersonalData('victim-c', person);
  const names = await readdir(join(dir, 'keys'));
  let marked = 0;
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    if ((await readFile(join(dir, 'keys', name), 'utf8')).includes(env2.keyId)) {
      await writeFile(join(dir, 'keys', name.replace(/\.json$/, '.erased')), '{}');
      marked += 1;
    }
  }
  t.equal(marked, 1, 'marker written, key file left behind');
  const swept = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });
  t.equal(await swept.decryptPersonalData('victim-c', env2), Erased);
  t.notOk((await filesUnder(dir)).join('\n').includes(env2.keyId), 'the interrupted erasure was completed on open');
});

t.test('a read-only key store beside the writer (the services that only decrypt)', async (t) => {
  const dir = await tempDir(t);
  const masterKey = randomBytes(32);
  // The reader may start before the writer ever ran: nothing to check the master key against yet.
  const early = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir, { readOnly: true }), masterKey });
  const wrongEarly = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir, { readOnly: true }), masterKey: randomBytes(32) });
  const writer = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey });
  const envelope = await writer.encryptPersonalData('victim-r', person);
  t.same(await early.decryptPersonalData('victim-r', envelope), person, 'the reader decrypts what the writer wrote');
  await t.rejects(wrongEarly.decryptPersonalData('victim-r', envelope), MasterKeyMismatchError, 'a wrong master key is found on first use');

  const reader = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir, { readOnly: true }), masterKey });
  t.same(await reader.decryptPersonalData('victim-r', envelope), person);
  await t.rejects(reader.encryptPersonalData('victim-new', person), ReadOnlyKeyStoreError, 'the reader creates no keys');
  await t.rejects(reader.eraseKey('victim-r'), ReadOnlyKeyStoreError, 'nor erases any');
  await t.rejects(PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir, { readOnly: true }), masterKey: randomBytes(32) }), MasterKeyMismatchError);

  // A write in progress (a temporary file) survives a reader's start-up.
  const tmp = join(dir, 'keys', 'in-progress.tmp');
  await writeFile(tmp, '{}');
  await FileKeyStore.open(dir, { readOnly: true });
  t.ok(await stat(tmp).then(() => true, () => false), 'the reader leaves the writer\'s temporary file alone');
  await rm(tmp);

  await writer.eraseKey('victim-r');
  t.equal(await reader.decryptPersonalData('victim-r', envelope), Erased, 'an erasure by the writer takes effect in the reader at once');
  t.equal(await early.decryptPersonalData('victim-r', envelope), Erased);
});

t.test('wrong master key', async (t) => {
  const dir = await tempDir(t);
  const protector = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey: randomBytes(32) });
  const envelope = await protector.encryptPersonalData('victim-w', person);
  await t.rejects(
    PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey: randomBytes(32) }),
    MasterKeyMismatchError,
    'refused at start-up',
  );
  // Even without the check value (deleted, or a store from elsewhere), unwrapping fails cleanly.
  await rm(join(dir, 'keystore.json'));
  const wrong = await PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey: randomBytes(32) });
  await t.rejects(wrong.decryptPersonalData('victim-w', envelope), MasterKeyMismatchError, 'refused when unwrapping');
  await t.rejects(PersonalDataProtector.open({ keyStore: await FileKeyStore.open(dir), masterKey: randomBytes(16) }), InvalidMasterKeyError);
});
