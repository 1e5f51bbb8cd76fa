/**
 * Orphaned document bytes. The command service process is SIGKILLed between storing an upload's
 * bytes and appending its DocumentAttached (CFUND_FAULT_INJECTION=kill-after-document-stored);
 * restarted, its sweep removes exactly that orphan once it is older than the grace period, and
 * keeps the bytes of recorded documents, bytes younger than the grace period (their event may be
 * late) and keys that name no claim.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { Role } from '@cfund/contracts';
import { newStorageKey } from '@cfund/documents';
import { claimBody, serviceProcesses } from './helpers.ts';
import { pdf } from '../../../packages/documents/test/fixtures.ts';

/** Long enough for a loaded machine to start the service; the older bytes are dated back instead of waited for. */
const GRACE_MS = 60_000;

t.test('SIGKILL between an upload\'s bytes and its event, then the sweep', async (t) => {
  const system = await serviceProcesses(t, 'sweep');
  if (!system) return;
  const { base, client, dataDir } = system;
  const { eventStore } = system.env;
  const documents = join(dataDir, 'documents');
  const token = (sub: string, role: Role) => client.token(sub, [role]);
  const startProcess = (extra: Record<string, string>): Promise<ChildProcess> => system.start({ DOCUMENT_SWEEP_INTERVAL_MS: '500', ...extra });
  const upload = async (id: string, tokenValue: string, bytes: Buffer) => {
    const form = new FormData();
    form.append('kind', 'ruling');
    form.append('file', new Blob([bytes], { type: 'application/pdf' }), 'ruling.pdf');
    const r = await fetch(`${base}/claims/${id}/documents`, { method: 'POST', headers: { authorization: `Bearer ${tokenValue}` }, body: form });
    return { status: r.status, body: await r.json() as { documentId: string } };
  };
  const attached = async (id: string) => {
    const keys: string[] = [];
    for await (const e of eventStore.readStream(`claim-${id}`)) if (e.event!.type === 'DocumentAttached') keys.push((e.event!.data as { storageKey: string }).storageKey);
    return keys;
  };
  const stored = async () => (await readdir(documents)).sort();

  // The grace period is long (the default: a day) while the orphan is made.
  const first = await startProcess({ CFUND_FAULT_INJECTION: 'kill-after-document-stored' });
  const lawyer = await token('lawyer-1', 'lawyer');
  const filed = await fetch(`${base}/claims`, { method: 'POST', headers: { authorization: `Bearer ${lawyer}`, 'content-type': 'application/json' }, body: JSON.stringify(claimBody()) });
  const id = (await filed.json() as { claimId: string }).claimId;
  const exited = new Promise<NodeJS.Signals | null>((r) => first.once('exit', (_code, signal) => r(signal)));
  await t.rejects(upload(id, lawyer, pdf(randomBytes(70_000))), 'the connection dies with the process');
  t.equal(await exited, 'SIGKILL');
  const [orphan, ...none] = await stored();
  t.same(none, [], 'one object stored');
  t.match(orphan, new RegExp(`^${id}\\.`), 'under the claim');
  t.same(await attached(id), [], 'and no event names it');

  const second = await startProcess({});
  const recorded = await upload(id, lawyer, pdf(randomBytes(1000)));
  t.equal(recorded.status, 201, 'an upload after the restart');
  await new Promise((r) => setTimeout(r, 1500));
  t.ok((await stored()).includes(orphan!), 'the sweep of a day\'s grace keeps the orphan of a moment ago');
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));

  // Past the grace period (dated two hours back): the orphan goes; the recorded bytes, bytes
  // younger than the grace period and keys naming no claim stay.
  const recordedKey = (await attached(id))[0]!;
  const late = newStorageKey(id, randomUUID());
  const legacy = `${randomUUID()}.cfd`;
  await writeFile(join(documents, late), 'bytes whose event is late');
  await writeFile(join(documents, legacy), 'stored before keys named their claim');
  const longAgo = new Date(Date.now() - 2 * 3600 * 1000);
  for (const key of [orphan!, recordedKey, legacy]) await utimes(join(documents, key), longAgo, longAgo);
  await startProcess({ DOCUMENT_ORPHAN_GRACE_MS: String(GRACE_MS) });
  for (let i = 0; i < 100 && (await stored()).includes(orphan!); i += 1) await new Promise((r) => setTimeout(r, 100));
  t.same(await stored(), [late, legacy, recordedKey].sort(), 'exactly the orphan removed');
  t.same(await attached(id), [recordedKey], 'the event store unchanged');
});
