/** The projection's own variables: defaults, and a wrong value names itself. */
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.ts';

t.test('MONITORING_SUPPRESSION_THRESHOLD', async (t) => {
  t.equal(loadConfig({}).MONITORING_SUPPRESSION_THRESHOLD, 5, 'default 5');
  t.equal(loadConfig({ MONITORING_SUPPRESSION_THRESHOLD: '10' }).MONITORING_SUPPRESSION_THRESHOLD, 10);
  for (const bad of ['2', '1.5', 'five', '101']) {
    const e = t.throws(() => loadConfig({ MONITORING_SUPPRESSION_THRESHOLD: bad }));
    t.ok(e instanceof ConfigError && /MONITORING_SUPPRESSION_THRESHOLD/.test((e as Error).message), `${bad} refused by name`);
  }
});

t.test('PROJECTION_DURABLE: one per instance, a valid consumer name', async (t) => {
  t.equal(loadConfig({}).PROJECTION_DURABLE, 'projection', 'default projection');
  t.equal(loadConfig({ PROJECTION_DURABLE: 'projection-1' }).PROJECTION_DURABLE, 'projection-1', 'a pod name');
  for (const bad of ['projection.1', 'a b', 'x'.repeat(65)]) {
    t.throws(() => loadConfig({ PROJECTION_DURABLE: bad }), /PROJECTION_DURABLE/, `${bad.slice(0, 12)} refused by name`);
  }
});

t.test('PROJECTION_ACK_WAIT_MS: the consumer\'s ack wait, messaging\'s setting unless given', async (t) => {
  t.equal(loadConfig({}).PROJECTION_ACK_WAIT_MS, undefined, 'unset: the consumer keeps messaging\'s setting');
  t.equal(loadConfig({ PROJECTION_ACK_WAIT_MS: '4000' }).PROJECTION_ACK_WAIT_MS, 4000);
  for (const bad of ['999', '600001', 'soon']) {
    t.throws(() => loadConfig({ PROJECTION_ACK_WAIT_MS: bad }), /PROJECTION_ACK_WAIT_MS/, `${bad} refused by name`);
  }
});

t.test('KEY_STORE and its bucket (service-kit\'s keyStoreEnv, shared with the command service)', async (t) => {
  const c = loadConfig({});
  t.same([c.KEY_STORE, c.KEY_STORE_BUCKET, c.KEY_CACHE_MAX_AGE_MS], ['file', 'cfund-keys', 60_000], 'the embedded defaults');
  t.equal(loadConfig({ KEY_STORE: 'nats' }).KEY_STORE, 'nats');
  for (const [name, bad] of [['KEY_STORE', 'vault'], ['KEY_STORE_BUCKET', 'keys.v1'], ['KEY_CACHE_MAX_AGE_MS', '-1']] as const) {
    t.throws(() => loadConfig({ [name]: bad }), new RegExp(`${name}:`), `${name}=${bad} refused by name`);
  }
});
