/**
 * The NATS servers' configuration, run by the real nats-server: it parses, each service's
 * password comes from the server's environment (a Secret in the cluster), and a service signs
 * in with it and with nothing else.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import t from 'tap';
import { findNatsServer, freePort, natsPasswordVariable, stopChild, waitForPort } from '@cfund/infra';
import { NATS_USERS, natsConfig } from '../src/index.js';
import { settings } from './deployment.js';

const bin = findNatsServer();
if (!bin) {
  t.plan(0, 'nats-server is not installed: the configuration is not run');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-k8s-nats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nats.conf');
  writeFileSync(file, natsConfig(settings));
  const passwords = Object.fromEntries(NATS_USERS.map((user) => [natsPasswordVariable(user), `${user}-password-from-a-secret`]));
  const env = { ...process.env, ...passwords, POD_NAME: 'nats-0' };

  t.test('nats-server accepts the configuration, and refuses it without the passwords', async (t) => {
    t.same(NATS_USERS, ['command', 'projection', 'notification', 'operator']);
    const ok = spawnSync(bin, ['-c', file, '-t'], { env, encoding: 'utf8' });
    t.equal(ok.status, 0, ok.stderr);
    const withoutOne = { ...env } as Record<string, string | undefined>;
    delete withoutOne.NATS_PROJECTION_PASSWORD;
    const missing = spawnSync(bin, ['-c', file, '-t'], { env: withoutOne, encoding: 'utf8' });
    t.not(missing.status, 0);
    t.match(missing.stderr, /NATS_PROJECTION_PASSWORD/);
  });

  t.test('a service signs in with the password of its Secret, and with no other', async (t) => {
    const [port, monitor, cluster] = [await freePort(), await freePort(), await freePort()];
    // Local ports and directories instead of the pod's; the rest of the file as it is.
    const local = join(dir, 'local.conf');
    writeFileSync(local, natsConfig(settings).replace('store_dir: /data', `store_dir: ${join(dir, 'jetstream')}`).replace('/var/run/nats/nats.pid', join(dir, 'nats.pid')));
    const server = spawn(bin, ['-c', local, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '--cluster', `nats://127.0.0.1:${cluster}`], { env, stdio: 'ignore' });
    t.teardown(() => stopChild(server));
    await waitForPort('127.0.0.1', port, { child: server, name: 'nats-server' });
    const nc = await connect({ servers: `nats://127.0.0.1:${port}`, user: 'projection', pass: passwords.NATS_PROJECTION_PASSWORD });
    t.teardown(() => nc.close());
    await nc.flush();
    t.pass('projection signed in');
    await t.rejects(connect({ servers: `nats://127.0.0.1:${port}`, user: 'projection', pass: passwords.NATS_COMMAND_PASSWORD, reconnect: false }), /Authorization/i);
    await t.rejects(connect({ servers: `nats://127.0.0.1:${port}`, user: 'projection', pass: '$NATS_PROJECTION_PASSWORD', reconnect: false }), /Authorization/i, 'the variable is expanded, not taken literally');
  });
}
