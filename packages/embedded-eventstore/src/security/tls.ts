import fs from 'node:fs';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/**
 * The node's TLS material, as a secure KurrentDB node needs it: a CA and a node certificate
 * signed by it (the real server takes them from `CertificateFile`/`TrustedRootCertificatesPath`;
 * here they are generated on first start into `<dir>`, every file readable by its owner only).
 * Certificates are built with @peculiar/x509 (ECDSA P-256, SHA-256), never by hand.
 */
export interface NodeTls {
  /** PEM of the CA that clients trust (`tlsCAFile`). */
  caFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

const FILES = { caCert: 'ca.crt', caKey: 'ca.key', nodeCert: 'node.crt', nodeKey: 'node.key' } as const;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Loads the CA and node certificate from `dir`, generating them there on first use. */
export async function ensureNodeTls(dir: string, hostNames: string[]): Promise<NodeTls> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: keyof typeof FILES): string => path.join(dir, FILES[name]);
  if (!Object.keys(FILES).every((k) => fs.existsSync(file(k as keyof typeof FILES)))) {
    await generate(dir, hostNames);
  }
  return {
    caFile: file('caCert'),
    ca: fs.readFileSync(file('caCert')),
    cert: fs.readFileSync(file('nodeCert')),
    key: fs.readFileSync(file('nodeKey')),
  };
}

async function generate(dir: string, hostNames: string[]): Promise<void> {
  const notBefore = new Date(Date.now() - 60_000);
  const caKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const caName = 'CN=cfund embedded-eventstore CA';
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: caName,
    keys: caKeys,
    notBefore,
    notAfter: new Date(Date.now() + 10 * YEAR_MS),
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const nodeKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const names = [...new Set(['localhost', '127.0.0.1', ...hostNames])];
  const isIp = (n: string): boolean => /^[\d.]+$/.test(n) || n.includes(':');
  const node = await x509.X509CertificateGenerator.create({
    subject: 'CN=eventstore',
    issuer: ca.subject,
    publicKey: nodeKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter: new Date(Date.now() + 2 * YEAR_MS),
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (isIp(n) ? { type: 'ip', value: n } : { type: 'dns', value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pemKey = async (key: webcrypto.CryptoKey): Promise<string> =>
    x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
  // Keys first, each written whole and owner-only; the certificates last, so a crash in between
  // leaves an incomplete set that the next start regenerates.
  const write = (name: keyof typeof FILES, text: string, mode: number): void => {
    const target = path.join(dir, FILES[name]);
    const tmp = `${target}.tmp`;
    fs.writeFileSync(tmp, text, { mode });
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, target);
  };
  write('caKey', await pemKey(caKeys.privateKey), 0o600);
  write('nodeKey', await pemKey(nodeKeys.privateKey), 0o600);
  // The certificates are public, but everything under DATA_DIR is its owner's only.
  write('nodeCert', node.toString('pem'), 0o600);
  write('caCert', ca.toString('pem'), 0o600);
}
