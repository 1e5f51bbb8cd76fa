/**
 * The embedded store does not serve persistent subscriptions (see its README), so no part of the
 * system may use them: a service that did would work against a KurrentDB cluster and fail on the
 * embedded default. This scans the source of every service and package for the client's
 * persistent-subscription API, the names taken from @eventstore/db-client itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import * as esdb from '@eventstore/db-client';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const self = fileURLToPath(import.meta.url);

// Methods such as subscribeToPersistentSubscriptionToStream, and exports such as
// persistentSubscriptionToStreamSettingsFromDefaults; plus the generated gRPC stubs.
const names = [
  ...Object.getOwnPropertyNames(esdb.EventStoreDBClient.prototype),
  ...Object.keys(esdb),
].filter((n) => /persistentsubscription/i.test(n));
const pattern = new RegExp(`\\b(${names.join('|')})\\b|persistent_(grpc_)?pb`);

/** Source files under `dir` (node_modules, build output and this file left out). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(full));
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) && full !== self) out.push(full);
  }
  return out;
}

t.test('the scan recognises the client\'s persistent-subscription API', async (t) => {
  t.ok(names.includes('subscribeToPersistentSubscriptionToStream'), `names from the client: ${names.length}`);
  t.ok(pattern.test('const sub = client.subscribeToPersistentSubscriptionToAll(group);'), 'a subscription call');
  t.ok(pattern.test("import { persistentSubscriptionToStreamSettingsFromDefaults } from '@eventstore/db-client';"), 'a settings import');
  t.notOk(pattern.test('client.subscribeToAll({ fromPosition })'), 'not a catch-up subscription');
});

t.test('no service or package uses persistent subscriptions', async (t) => {
  const files = ['services', 'packages'].flatMap((d) => sources(path.join(root, d)));
  t.ok(files.length > 50, `${files.length} source files scanned`);
  const uses = files.flatMap((file) => fs.readFileSync(file, 'utf8').split('\n')
    .map((line, i) => (pattern.test(line) ? `${path.relative(root, file)}:${i + 1}: ${line.trim()}` : undefined))
    .filter((u): u is string => u !== undefined));
  t.same(uses, [], 'no use of a persistent-subscription API');
});
