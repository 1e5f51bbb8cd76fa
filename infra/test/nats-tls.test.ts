/**
 * NATS over TLS: nats-server with a certificate issued by the embedded event store's CA, and a
 * service's connection made from its configuration (natsConnectOptions of service-kit, as every
 * service connects): refused without the CA or with another CA, working with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { connect } from 'nats';
import { ensureServerCertificate } from '@cfund/embedded-eventstore';
import { commonEnv, natsConnectOptions, parseEnv } from '@cfund/service-kit';
import { findNatsServer, natsInstallHint, startNatsServer } from '../src/nats-server.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-nats-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a service connects to a TLS nats-server only with the CA that issued its certificate', async (t) => {
  if (!findNatsServer()) return t.plan(0, `nats-server is not installed: ${natsInstallHint()}`);
  const dir = tempDir(t);
  const certs = await ensureServerCertificate(join(dir, 'certs'), 'nats', 'nats', ['127.0.0.1']);
  const nats = await startNatsServer({ dataDir: join(dir, 'nats'), tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  t.teardown(() => nats.close());
  t.match(nats.url, /^tls:\/\/127\.0\.0\.1:\d+$/, 'the server gives a tls:// URL');
  const { user, pass } = nats.credentials.projection!;
  const serviceEnv = (env: Record<string, string>) => natsConnectOptions(parseEnv(commonEnv(4002), { NATS_USER: user, NATS_PASSWORD: pass, ...env }));
  const tryConnect = (env: Record<string, string>) => connect({ ...serviceEnv(env), timeout: 3_000, maxReconnectAttempts: 0 });

  for (const url of [nats.url, nats.url.replace('tls://', 'nats://')]) {
    const refused = await tryConnect({ NATS_URL: url }).then(() => undefined, (e: unknown) => e as Error);
    t.comment(`${url} without the CA: ${refused?.message}`);
    t.match(refused?.message, /certificate|self.signed|verify/i, `${url.slice(0, 6)} without NATS_TLS_CA_FILE the connection is refused: Node's default trust does not know the CA`);
  }
  const otherCa = await ensureServerCertificate(join(dir, 'other-ca'), 'nats', 'nats', ['127.0.0.1']);
  await t.rejects(tryConnect({ NATS_URL: nats.url, NATS_TLS_CA_FILE: otherCa.caFile }), /certificate|self.signed|verify/i, 'with another CA the server\'s certificate is refused');

  const nc = await tryConnect({ NATS_URL: nats.url, NATS_TLS_CA_FILE: certs.caFile });
  t.teardown(() => nc.close());
  t.ok((await (await nc.jetstreamManager()).getAccountInfo()).limits, 'with the CA: connected, and JetStream answers');
  t.equal(nc.info?.tls_required, true, 'the server requires TLS');

  // The same CA for the event store's node certificate and nats-server's: clients trust one file.
  const again = await ensureServerCertificate(join(dir, 'certs'), 'node', 'eventstore', ['127.0.0.1']);
  t.equal(again.caFile, certs.caFile, 'another server\'s certificate is issued by the same CA');
});

t.test('NATS TLS variables: files must exist, certificate and key together', async (t) => {
  const dir = tempDir(t);
  const certs = await ensureServerCertificate(dir, 'client', 'projection', []);
  const load = (env: Record<string, string>) => parseEnv(commonEnv(4002), env);
  t.throws(() => load({ NATS_TLS_CA_FILE: join(dir, 'missing.crt') }), /NATS_TLS_CA_FILE: no such file/);
  t.throws(() => load({ NATS_TLS_CA_FILE: certs.caFile, NATS_TLS_CERT_FILE: certs.certFile }), /NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together/);
  t.same(natsConnectOptions(load({ NATS_URL: 'tls://nats.example:4222', NATS_TLS_CA_FILE: certs.caFile, NATS_TLS_CERT_FILE: certs.certFile, NATS_TLS_KEY_FILE: certs.keyFile })), {
    servers: ['tls://nats.example:4222'],
    tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
  }, 'a client certificate for servers that verify clients');
  t.same(natsConnectOptions(load({})), { servers: ['nats://127.0.0.1:4222'] }, 'no TLS unless configured');
});
