/**
 * The NATS servers' configuration, run by the real nats-server: it parses, each service's
 * password comes from the server's environment (a Secret in the cluster), a service signs in
 * with it and with nothing else, clients must speak TLS with the servers' CA, and two servers
 * join their routes over TLS only with certificates of that CA.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import t, { type Test } from 'tap';
import { ensureServerCertificate } from '@cfund/embedded-eventstore';
import { findNatsServer, freePort, natsPasswordVariable, stopChild, waitForPort } from '@cfund/infra';
import { NATS_TLS_DIR, NATS_USERS, natsConfig } from '../src/index.js';
import { settings } from './deployment.js';

const bin = findNatsServer();
if (!bin) {
  t.plan(0, 'nats-server is not installed: the configuration is not run');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-k8s-nats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const passwords = Object.fromEntries(NATS_USERS.map((user) => [natsPasswordVariable(user), `${user}-password-from-a-secret`]));
  const env = { ...process.env, ...passwords, POD_NAME: 'nats-0' };

  /**
   * The Secret cfund-nats-tls as the pod mounts it (tls.crt, tls.key, ca.crt), issued for
   * `localhost` here instead of the Services' names; returns the directory.
   */
  async function tlsSecret(name: string): Promise<{ dir: string; caFile: string }> {
    const certs = await ensureServerCertificate(join(dir, name), 'tls', 'nats', ['localhost', '127.0.0.1']);
    // The names the Secret's keys have (kubernetes.io/tls).
    const mounted = join(dir, `${name}-mounted`);
    mkdirSync(mounted, { recursive: true });
    copyFileSync(certs.certFile, join(mounted, 'tls.crt'));
    copyFileSync(certs.keyFile, join(mounted, 'tls.key'));
    copyFileSync(certs.caFile, join(mounted, 'ca.crt'));
    return { dir: mounted, caFile: certs.caFile };
  }

  /** The file as the pods get it, with local directories instead of the pod's (and, if given, routes of this machine). */
  function localConfig(name: string, tlsDir: string, routes?: number[]): string {
    let config = natsConfig(settings)
      .replaceAll(NATS_TLS_DIR, tlsDir)
      .replace('store_dir: /data', `store_dir: ${join(dir, name, 'jetstream')}`)
      .replace('/var/run/nats/nats.pid', join(dir, `${name}.pid`));
    if (routes) config = config.replace(/routes: \[[^\]]*\]/, `routes: [\n${routes.map((p) => `    nats-route://localhost:${p}`).join('\n')}\n  ]`);
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, config);
    return file;
  }

  async function startServer(t: Test, file: string, ports: { client: number; monitor: number; cluster: number }, name = 'nats-0'): Promise<ChildProcess> {
    const server = spawn(bin!, ['-c', file, '-a', '127.0.0.1', '-p', String(ports.client), '-m', String(ports.monitor), '--cluster', `nats://127.0.0.1:${ports.cluster}`], {
      env: { ...env, POD_NAME: name },
      stdio: 'ignore',
    });
    t.teardown(() => stopChild(server));
    await waitForPort('127.0.0.1', ports.client, { child: server, name: 'nats-server' });
    return server;
  }
  const freePorts = async () => ({ client: await freePort(), monitor: await freePort(), cluster: await freePort() });

  t.test('nats-server accepts the configuration, and refuses it without the passwords or the certificate', async (t) => {
    t.same(NATS_USERS, ['command', 'projection', 'notification', 'operator']);
    const secret = await tlsSecret('check');
    const file = localConfig('check', secret.dir);
    const ok = spawnSync(bin, ['-c', file, '-t'], { env, encoding: 'utf8' });
    t.equal(ok.status, 0, ok.stderr);
    const withoutOne = { ...env } as Record<string, string | undefined>;
    delete withoutOne.NATS_PROJECTION_PASSWORD;
    const missing = spawnSync(bin, ['-c', file, '-t'], { env: withoutOne, encoding: 'utf8' });
    t.not(missing.status, 0);
    t.match(missing.stderr, /NATS_PROJECTION_PASSWORD/);
    // Without the Secret mounted the server does not start (no silent fall-back to plain text).
    const noCert = spawnSync(bin, ['-c', localConfig('no-cert', join(dir, 'nothing-mounted')), '-t'], { env, encoding: 'utf8' });
    t.not(noCert.status, 0, 'refused without the certificate');
    t.match(noCert.stderr, /tls\.crt|certificate|no such file/i);
  });

  t.test('a service signs in over TLS with its CA and the password of its Secret, and in no other way', async (t) => {
    const secret = await tlsSecret('single');
    const ports = await freePorts();
    await startServer(t, localConfig('single', secret.dir), ports);
    const url = `tls://localhost:${ports.client}`;
    const nc = await connect({ servers: url, user: 'projection', pass: passwords.NATS_PROJECTION_PASSWORD, tls: { caFile: secret.caFile } });
    t.teardown(() => nc.close());
    await nc.flush();
    t.equal(nc.info?.tls_required, true, 'the server requires TLS');
    t.pass('projection signed in over TLS');
    const attempt = (options: Parameters<typeof connect>[0]) => connect({ reconnect: false, timeout: 3_000, ...options }).then(async (c) => { await c.close(); return 'connected'; }, (e: Error) => e.message);
    t.match(await attempt({ servers: url, user: 'projection', pass: passwords.NATS_COMMAND_PASSWORD, tls: { caFile: secret.caFile } }), /Authorization/i, 'another service\'s password is refused');
    t.match(await attempt({ servers: url, user: 'projection', pass: '$NATS_PROJECTION_PASSWORD', tls: { caFile: secret.caFile } }), /Authorization/i, 'the variable is expanded, not taken literally');
    t.match(await attempt({ servers: url, user: 'projection', pass: passwords.NATS_PROJECTION_PASSWORD }), /certificate|self.signed|verify/i, 'without the CA the server\'s certificate is not trusted');
    const other = await tlsSecret('other-ca');
    t.match(await attempt({ servers: url, user: 'projection', pass: passwords.NATS_PROJECTION_PASSWORD, tls: { caFile: other.caFile } }), /certificate|self.signed|verify/i, 'nor with another CA');
  });

  t.test('two servers form their route over TLS with certificates of one CA, and not with another CA', async (t) => {
    const secret = await tlsSecret('routes');
    const [a, b] = [await freePorts(), await freePorts()];
    const clusterPorts = [a.cluster, b.cluster];
    await startServer(t, localConfig('route-a', secret.dir, clusterPorts), a, 'nats-0');
    await startServer(t, localConfig('route-b', secret.dir, clusterPorts), b, 'nats-1');
    const routes = async (monitor: number) => (await (await fetch(`http://127.0.0.1:${monitor}/routez`)).json()) as { num_routes: number; routes?: { remote_id: string }[] };
    const deadline = Date.now() + 15_000;
    while ((await routes(a.monitor)).num_routes < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    t.ok((await routes(a.monitor)).num_routes >= 1, 'the two servers are routed to each other');

    // A third server whose certificate another CA issued cannot join: the routes verify both ways.
    const stranger = await tlsSecret('stranger');
    // It trusts the cluster's CA (so only the other side's check can refuse it).
    copyFileSync(secret.caFile, join(stranger.dir, 'ca.crt'));
    const c = await freePorts();
    await startServer(t, localConfig('route-c', stranger.dir, [a.cluster]), c, 'nats-2');
    await new Promise((r) => setTimeout(r, 3_000));
    t.equal((await routes(c.monitor)).num_routes, 0, 'a server with a certificate of another CA has no route');
  });
}
