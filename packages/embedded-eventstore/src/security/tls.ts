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
 * The same CA issues the certificates of the other local servers (`ensureServerCertificate`:
 * nats-server in `npm start`), so clients trust one CA file. Certificates are built with
 * @peculiar/x509 (ECDSA P-256, SHA-256), never by hand.
 */
export interface NodeTls {
  /** PEM of the CA that clients trust (`tlsCAFile`). */
  caFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** A server certificate issued by the CA of `dir`, as files (for servers that read paths). */
export interface ServerCertificateFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

const CA_FILES = { cert: 'ca.crt', key: 'ca.key' } as const;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Loads the CA and node certificate from `dir`, generating them there on first use. */
export async function ensureNodeTls(dir: string, hostNames: string[]): Promise<NodeTls> {
  const files = await ensureServerCertificate(dir, 'node', 'eventstore', hostNames);
  return {
    caFile: files.caFile,
    ca: fs.readFileSync(files.caFile),
    cert: fs.readFileSync(files.certFile),
    key: fs.readFileSync(files.keyFile),
  };
}

/**
 * The certificate `<name>.crt` (and `<name>.key`) for the server `commonName` on `hostNames`
 * (and localhost, 127.0.0.1), issued by the CA of `dir`; the CA is made first if `dir` has
 * none. Issued once: later calls load the files.
 */
export async function ensureServerCertificate(dir: string, name: string, commonName: string, hostNames: string[]): Promise<ServerCertificateFiles> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { caFile: path.join(dir, CA_FILES.cert), certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  if (!fs.existsSync(files.certFile) || !fs.existsSync(files.keyFile) || !fs.existsSync(files.caFile)) {
    const ca = await ensureCa(dir);
    await issue(dir, name, commonName, hostNames, ca);
  }
  return files;
}

interface Ca {
  cert: x509.X509Certificate;
  key: webcrypto.CryptoKey;
}

async function ensureCa(dir: string): Promise<Ca> {
  const certPath = path.join(dir, CA_FILES.cert);
  const keyPath = path.join(dir, CA_FILES.key);
  if (fs.existsSync(certPath) && fs.existsSync(keyPath)) {
    const der = x509.PemConverter.decodeFirst(fs.readFileSync(keyPath, 'utf8'));
    const key = await webcrypto.subtle.importKey('pkcs8', der, EC, true, ['sign']);
    return { cert: new x509.X509Certificate(fs.readFileSync(certPath, 'utf8')), key };
  }
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=cfund embedded-eventstore CA',
    keys,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 10 * YEAR_MS),
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  // The key first, the certificate last: a crash in between leaves no CA, and the next start makes one.
  writePrivate(keyPath, await pemKey(keys.privateKey));
  writePrivate(certPath, cert.toString('pem'));
  return { cert, key: keys.privateKey };
}

async function issue(dir: string, name: string, commonName: string, hostNames: string[], ca: Ca): Promise<void> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const names = [...new Set(['localhost', '127.0.0.1', ...hostNames])];
  const isIp = (n: string): boolean => /^[\d.]+$/.test(n) || n.includes(':');
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${commonName}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 2 * YEAR_MS),
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (isIp(n) ? { type: 'ip', value: n } : { type: 'dns', value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(await ca.cert.publicKey.export()),
    ],
  });
  // The key first, the certificate last: a crash in between leaves no certificate, issued again next time.
  writePrivate(path.join(dir, `${name}.key`), await pemKey(keys.privateKey));
  writePrivate(path.join(dir, `${name}.crt`), cert.toString('pem'));
}

const pemKey = async (key: webcrypto.CryptoKey): Promise<string> =>
  x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');

/** Written aside and renamed into place, owner-only (certificates are public, but everything under DATA_DIR is its owner's). */
function writePrivate(target: string, text: string): void {
  const tmp = `${target}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, target);
}
