import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { discoverServices } from '../src/services.js';

function servicesDir(t: Test, manifests: Record<string, object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-services-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, manifest] of Object.entries(manifests)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'package.json'), JSON.stringify(manifest));
  }
  return dir;
}

t.test('finds services with a cfund field, in port order, and skips libraries', async (t) => {
  const dir = servicesDir(t, {
    notification: { name: '@cfund/notification', cfund: { start: 'dist/main.js', portEnv: 'NOTIFICATION_PORT' } },
    command: { name: '@cfund/command', cfund: { start: 'dist/main.js', portEnv: 'COMMAND_PORT' } },
    shared: { name: '@cfund/shared' },
  });
  const services = discoverServices(dir);
  t.same(services.map((service) => [service.name, service.packageName, service.portVariable]), [
    ['command', '@cfund/command', 'COMMAND_PORT'],
    ['notification', '@cfund/notification', 'NOTIFICATION_PORT'],
  ]);
  t.equal(services[0]?.entry, join(dir, 'command', 'dist', 'main.js'));
});

t.test('the console starts last and is marked to be printed first', async (t) => {
  const dir = servicesDir(t, {
    console: { name: '@cfund/console', cfund: { start: 'dist/main.js', portEnv: 'CONSOLE_PORT', opensFirst: true } },
    command: { name: '@cfund/command', cfund: { start: 'dist/main.js', portEnv: 'COMMAND_PORT' } },
  });
  t.same(discoverServices(dir).map((service) => [service.name, service.opensFirst]), [['command', false], ['console', true]]);
  t.throws(() => discoverServices(servicesDir(t, { x: { cfund: { start: 'a.js', portEnv: 'CONSOLE_PORT', opensFirst: 'yes' } } })), /"cfund\.opensFirst" must be true or false/);
});

t.test('"eventStore": true marks a service that gets an event store user; without it, none', async (t) => {
  const dir = servicesDir(t, {
    console: { name: '@cfund/console', cfund: { start: 'dist/main.js', portEnv: 'CONSOLE_PORT' } },
    command: { name: '@cfund/command', cfund: { start: 'dist/main.js', portEnv: 'COMMAND_PORT', eventStore: true } },
  });
  t.same(discoverServices(dir).map((service) => [service.name, service.eventStore]), [['command', true], ['console', false]]);
  t.throws(() => discoverServices(servicesDir(t, { x: { cfund: { start: 'a.js', portEnv: 'COMMAND_PORT', eventStore: 'yes' } } })), /"cfund\.eventStore" must be true or false/);
});

t.test('a missing services directory means no services', async (t) => {
  t.same(discoverServices(join(tmpdir(), 'does-not-exist-cfund')), []);
});

t.test('invalid declarations are reported with the file', async (t) => {
  t.throws(() => discoverServices(servicesDir(t, { x: { cfund: { portEnv: 'COMMAND_PORT' } } })), /x[/\\]package\.json: "cfund\.start"/);
  t.throws(() => discoverServices(servicesDir(t, { x: { cfund: { start: 'a.js', portEnv: 'HTTP_PORT' } } })), /"cfund\.portEnv" must be one of COMMAND_PORT/);
  const clash = servicesDir(t, {
    a: { cfund: { start: 'a.js', portEnv: 'COMMAND_PORT' } },
    b: { cfund: { start: 'b.js', portEnv: 'COMMAND_PORT' } },
  });
  t.throws(() => discoverServices(clash), /both use COMMAND_PORT/);
});
