/**
 * The webhook signing secrets through a rotation of the master key: a store opened with the new
 * key and the old one (MASTER_KEY_PREVIOUS) reseals every secret under the new key at start, so
 * that afterwards the new key alone opens them and the old key alone is refused. Real SQLite files.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { NotificationStore, type Webhook } from '../src/index.ts';

const webhook = (i: number): Webhook => ({
  id: `wh-${i}`, owner: 'lawyer-1', target: 'user:lawyer-1', url: `https://example.org/hook/${i}`, secret: randomBytes(24).toString('base64url'),
  description: null, status: 'enabled', consecutiveFailures: 0, createdAt: '2026-12-01T10:00:00.000Z', disabledAt: null,
});

t.test('given secrets sealed under the old key, when the store opens with both keys, then they are resealed under the new one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-webhook-rotation-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'notification.db');
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const hooks = [webhook(1), webhook(2), webhook(3)];
  const before = NotificationStore.open(path, { masterKey: oldKey });
  for (const w of hooks) before.addWebhook(w);
  before.close();
  const sealed = () => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare('SELECT secret FROM webhooks ORDER BY id').all() as { secret: string }[]).map((r) => r.secret);
    } finally {
      db.close();
    }
  };
  const sealedBefore = sealed();

  t.throws(() => NotificationStore.open(path, { masterKey: newKey }), /encrypted with another master key/, 'the new key alone opens nothing yet');
  t.throws(() => NotificationStore.open(path, { masterKey: newKey, previousMasterKeys: [randomBytes(32)] }), /encrypted with another master key/, 'nor with a wrong previous key');

  const overlap = NotificationStore.open(path, { masterKey: newKey, previousMasterKeys: [oldKey] });
  for (const w of hooks) t.equal(overlap.webhook(w.id)?.secret, w.secret, `${w.id}: opens during the overlap`);
  overlap.close();
  const sealedAfter = sealed();
  t.equal(sealedAfter.filter((s, i) => s === sealedBefore[i]).length, 0, 'every secret was sealed anew');

  const after = NotificationStore.open(path, { masterKey: newKey });
  for (const w of hooks) t.equal(after.webhook(w.id)?.secret, w.secret, `${w.id}: opens with the new key alone`);
  after.close();
  t.throws(() => NotificationStore.open(path, { masterKey: oldKey }), /encrypted with another master key/, 'the old key alone is refused');
  t.same(sealed(), sealedAfter, 'a start with the new key alone changes nothing');
});
