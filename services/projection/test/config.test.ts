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
