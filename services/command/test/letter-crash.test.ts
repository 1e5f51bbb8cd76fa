/**
 * A decision letter and a crash. The command service process is SIGKILLed between storing the
 * letter served with a decision and appending DecisionNotified
 * (CFUND_FAULT_INJECTION=kill-after-letter-stored); restarted, the retry serves the same letter
 * (the same bytes, so the same document id) once, and the sweep removes the crashed attempt's
 * bytes once they are older than the grace period, keeping the served letter's.
 */
import type { ChildProcess } from 'node:child_process';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { Role } from '@cfund/contracts';
import { RSD, claimBody, rsYear, serviceProcesses } from './helpers.ts';

t.test('SIGKILL between a letter\'s bytes and the decision it serves, then a retry and the sweep', async (t) => {
  const system = await serviceProcesses(t, 'letter-crash');
  if (!system) return;
  const { base, client, dataDir } = system;
  const { eventStore } = system.env;
  const documents = join(dataDir, 'documents');
  const token = (sub: string, role: Role) => client.token(sub, [role]);
  const startProcess = (extra: Record<string, string>): Promise<ChildProcess> => system.start({ DOCUMENT_SWEEP_INTERVAL_MS: '500', ...extra });
  const post = async (path: string, tokenValue: string, body: unknown) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tokenValue}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() as { claimId: string; events: string[] } };
  };
  const events = async (id: string) => {
    const out: { type: string; data: Record<string, unknown> }[] = [];
    for await (const e of eventStore.readStream(`claim-${id}`)) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
    return out;
  };
  const stored = async () => (await readdir(documents)).sort();

  const first = await startProcess({ CFUND_FAULT_INJECTION: 'kill-after-letter-stored' });
  const lawyer = await token('lawyer-1', 'lawyer');
  t.equal((await post(`/funds/RS/${rsYear()}/budget`, await token('admin-1', 'fund-admin'), { amount: RSD(1_000_000_000) })).status, 200);
  const id = (await post('/claims', lawyer, claimBody())).body.claimId;
  const approver = await token('approver-1', 'fund-approver');
  for (const [path, tk, body] of [
    ['court-rulings', lawyer, { court: 'C', caseNumber: 'K-1', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] }],
    ['ruling-finality', lawyer, { finalOn: '2025-06-30' }],
    ['enforcement-failures', lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: '2025-09-01' }],
    ['fund-application', lawyer, { otherCompensationDeclared: [] }],
    ['assessment', await token('assessor-1', 'fund-assessor'), { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(40_000_000) }], deductions: [] }],
    ['approvals', approver, {}],
  ] as const) {
    t.equal((await post(`/claims/${id}/${path}`, tk, body)).status, 200, path);
  }
  const servedAt = new Date(Date.now() - 60_000).toISOString();
  const exited = new Promise<NodeJS.Signals | null>((r) => first.once('exit', (_code, signal) => r(signal)));
  await t.rejects(post(`/claims/${id}/decision-notice`, approver, { servedAt }), 'the connection dies with the process');
  t.equal(await exited, 'SIGKILL');
  const [orphan, ...none] = await stored();
  t.same(none, [], 'the letter was stored');
  t.notOk((await events(id)).some((e) => e.type === 'DecisionNotified' || e.type === 'DocumentAttached'), 'and no event names it');

  const second = await startProcess({});
  const retried = await post(`/claims/${id}/decision-notice`, approver, { servedAt });
  t.equal(retried.status, 200, 'the retry after the restart');
  t.same(retried.body.events, ['DocumentAttached', 'DecisionNotified']);
  const served = (await events(id)).find((e) => e.type === 'DecisionNotified')!.data.letter as { documentId: string; sha256: string };
  t.ok(orphan!.startsWith(`${id}.${served.documentId}.`), 'the same letter as the attempt that crashed: the same bytes give the same document id');
  const letters = (await events(id)).filter((e) => e.type === 'DocumentAttached');
  t.equal(letters.length, 1, 'served once');
  const servedKey = letters[0]!.data.storageKey as string;
  t.same(await stored(), [orphan!, servedKey].sort(), 'the crashed attempt\'s bytes wait for the sweep (a day\'s grace)');

  // Past the grace period (dated two hours back): the orphan goes, the served letter stays.
  const stopped = new Promise((r) => second.once('exit', r));
  second.kill('SIGTERM');
  await stopped;
  const longAgo = new Date(Date.now() - 2 * 3600 * 1000);
  for (const key of [orphan!, servedKey]) await utimes(join(documents, key), longAgo, longAgo);
  await startProcess({ DOCUMENT_ORPHAN_GRACE_MS: '60000' });
  for (let i = 0; i < 100 && (await stored()).includes(orphan!); i += 1) await new Promise((r) => setTimeout(r, 100));
  t.same(await stored(), [servedKey], 'exactly the orphan removed');
});
