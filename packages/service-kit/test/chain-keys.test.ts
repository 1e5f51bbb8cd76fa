/**
 * The chain keys: generated and kept under DATA_DIR in the embedded mode (0600 / 0700, one key
 * for services starting together, rotation keeps the old public keys), read from
 * CHAIN_SIGNING_KEY_FILE / CHAIN_VERIFY_KEYS_FILE in production, with errors naming the variable.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { ChainKeyring, ChainSigner } from '@cfund/eventstore';
import { chainKeyringPath, chainSigningKeyPath, commonEnv, parseEnv, resolveChainKeys, resolveSecrets } from '../src/index.ts';

const tempDir = async (t: Test): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-chain-keys-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

t.test('embedded mode: generated on first start, 0600 in a 0700 directory, then read', async (t) => {
  const dataDir = await tempDir(t);
  const [first, second] = await Promise.all([resolveChainKeys({ DATA_DIR: dataDir }), resolveChainKeys({ DATA_DIR: dataDir })]);
  t.equal(first.signer.keyId, second.signer.keyId, 'services starting together agree on one key');
  t.equal((await stat(chainSigningKeyPath(dataDir))).mode & 0o777, 0o600, 'the private key file is 0600');
  t.equal((await stat(dirname(chainSigningKeyPath(dataDir)))).mode & 0o777, 0o700, 'its directory 0700');
  const ring = JSON.parse(await readFile(chainKeyringPath(dataDir), 'utf8')) as { keys: Record<string, string> };
  t.same(Object.keys(ring.keys), [first.signer.keyId], 'the keyring file holds the public key');
  t.notMatch(JSON.stringify(ring), /PRIVATE/, 'and nothing private');
  const again = await resolveChainKeys({ DATA_DIR: dataDir });
  t.equal(again.signer.keyId, first.signer.keyId, 'read back at the next start');
  t.match(again.notes.join('\n'), /read from/);
});

t.test('embedded mode: rotation adds the new public key and keeps the old ones', async (t) => {
  const dataDir = await tempDir(t);
  const old = await resolveChainKeys({ DATA_DIR: dataDir });
  await rename(chainSigningKeyPath(dataDir), `${chainSigningKeyPath(dataDir)}.retired`);
  const rotated = await resolveChainKeys({ DATA_DIR: dataDir });
  t.not(rotated.signer.keyId, old.signer.keyId, 'a new signing key');
  t.same(rotated.keyring.keyIds.sort(), [old.signer.keyId, rotated.signer.keyId].sort(), 'the keyring trusts both');
  t.match(rotated.notes.join('\n'), new RegExp(`public key ${rotated.signer.keyId} added`));
  t.same((await resolveChainKeys({ DATA_DIR: dataDir })).keyring.keyIds.sort(), rotated.keyring.keyIds.sort(), 'as read from the file');
});

t.test('production: CHAIN_SIGNING_KEY_FILE and CHAIN_VERIFY_KEYS_FILE', async (t) => {
  const dir = await tempDir(t);
  const a = ChainSigner.generate();
  const b = ChainSigner.generate();
  const keyFile = join(dir, 'b.pem');
  const ringFile = join(dir, 'keys.json');
  await writeFile(keyFile, b.toPem(), { mode: 0o600 });
  await writeFile(ringFile, JSON.stringify(ChainKeyring.of(a, b).toJson()));
  const dataDir = join(dir, 'data');

  const both = await resolveChainKeys({ DATA_DIR: dataDir, CHAIN_SIGNING_KEY_FILE: keyFile, CHAIN_VERIFY_KEYS_FILE: ringFile });
  t.equal(both.signer.keyId, b.keyId, 'signs with the configured key');
  t.same(both.keyring.keyIds.sort(), [a.keyId, b.keyId].sort(), 'verifies with the configured keyring (the rotated-out key A too)');
  const alone = await resolveChainKeys({ DATA_DIR: dataDir, CHAIN_SIGNING_KEY_FILE: keyFile });
  t.same(alone.keyring.keyIds, [b.keyId], 'without a keyring file: the signing key only');
  await t.rejects(stat(dataDir), { code: 'ENOENT' }, 'nothing generated under DATA_DIR');

  const secrets = await resolveSecrets({ DATA_DIR: dataDir, MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), JWT_SECRET: 'x'.repeat(32), CHAIN_SIGNING_KEY_FILE: keyFile, CHAIN_VERIFY_KEYS_FILE: ringFile });
  t.equal(secrets.chainSigner.keyId, b.keyId, 'resolveSecrets returns the chain signer');
  t.ok(secrets.chainKeyring.has(a.keyId), 'and the keyring');
});

t.test('production: bad files are configuration errors naming the variable', async (t) => {
  const dir = await tempDir(t);
  const signer = ChainSigner.generate();
  const write = async (name: string, text: string) => { const p = join(dir, name); await writeFile(p, text); return p; };
  const good = await write('good.pem', signer.toPem());
  const goodRing = await write('ring.json', JSON.stringify(ChainKeyring.of(signer).toJson()));
  const cases: [string, Record<string, string>, RegExp][] = [
    ['a file that is no PEM', { CHAIN_SIGNING_KEY_FILE: await write('bad.pem', 'not a key\n') }, /^invalid configuration: CHAIN_SIGNING_KEY_FILE: .*not a PEM private key/],
    ['a missing file', { CHAIN_SIGNING_KEY_FILE: join(dir, 'missing.pem') }, /^invalid configuration: CHAIN_SIGNING_KEY_FILE: cannot read .*ENOENT/],
    ['a public key instead of the private one', { CHAIN_SIGNING_KEY_FILE: await write('pub.pem', signer.publicKeyPem()) }, /CHAIN_SIGNING_KEY_FILE/],
    ['an RSA key', { CHAIN_SIGNING_KEY_FILE: await write('rsa.pem', rsaPem()) }, /CHAIN_SIGNING_KEY_FILE: .*not an Ed25519 key/],
    ['a keyring that is not JSON', { CHAIN_SIGNING_KEY_FILE: good, CHAIN_VERIFY_KEYS_FILE: await write('r1.json', '{') }, /^invalid configuration: CHAIN_VERIFY_KEYS_FILE: /],
    ['a keyring of the wrong shape', { CHAIN_SIGNING_KEY_FILE: good, CHAIN_VERIFY_KEYS_FILE: await write('r2.json', '[]') }, /CHAIN_VERIFY_KEYS_FILE: .*expected \{ "keys"/],
    ['a keyring without the signing key', { CHAIN_SIGNING_KEY_FILE: good, CHAIN_VERIFY_KEYS_FILE: await write('r3.json', JSON.stringify(ChainKeyring.of(ChainSigner.generate()).toJson())) },
      /CHAIN_VERIFY_KEYS_FILE: does not hold the public key/],
    ['a private key in the keyring', { CHAIN_SIGNING_KEY_FILE: good, CHAIN_VERIFY_KEYS_FILE: await write('r4.json', JSON.stringify({ keys: { [signer.keyId]: signer.toPem() } })) },
      /CHAIN_VERIFY_KEYS_FILE: .*a private key/],
  ];
  for (const [what, env, message] of cases) {
    await t.rejects(resolveChainKeys({ DATA_DIR: dir, ...env }), { name: 'ConfigError', message }, what);
  }
  t.ok(await resolveChainKeys({ DATA_DIR: dir, CHAIN_SIGNING_KEY_FILE: good, CHAIN_VERIFY_KEYS_FILE: goodRing }), 'the good pair loads');
  const shape = commonEnv(4000);
  t.throws(() => parseEnv(shape, { CHAIN_VERIFY_KEYS_FILE: goodRing }), { name: 'ConfigError', message: /CHAIN_SIGNING_KEY_FILE: required with CHAIN_VERIFY_KEYS_FILE/ },
    'a keyring alone: every service signs what it writes');
  t.equal(parseEnv(shape, { CHAIN_SIGNING_KEY_FILE: good }).CHAIN_SIGNING_KEY_FILE, good);
});

t.test('embedded mode: a damaged key file stops the start with its path', async (t) => {
  const dataDir = await tempDir(t);
  await resolveChainKeys({ DATA_DIR: dataDir });
  await writeFile(chainSigningKeyPath(dataDir), 'garbage\n');
  await t.rejects(resolveChainKeys({ DATA_DIR: dataDir }), { name: 'ConfigError', message: /chain signing key .*chain-signing-key\.pem.*not a PEM private key/ });
});

function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
