/**
 * Letters rendered off the event loop (src/letters/render-pool.ts): while a worker thread renders
 * a decision's letter, the service answers other requests; a worker that dies mid-render fails
 * that command with a 503 problem, records nothing, and the next letter works; a worker renders
 * the same bytes as a render on the event loop; closing the app ends the workers. A render is held in its worker (RenderHold), so
 * "in progress" is a state the test sets, not a duration it hopes for.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { LOCALES } from '@cfund/i18n';
import { renderLetter, type LetterInput } from '@cfund/letters';
import { FileDocumentStore } from '@cfund/documents';
import { RenderHold } from '../src/letters/render-hold.ts';
import { LetterRenderingUnavailableError, letterRenderer } from '../src/letters/render-pool.ts';
import { allocateBudgets, assessedClaim, claimBody, startService, tokens, type Harness } from './helpers.ts';

/** The service with documents (so decisions serve letters), one render worker, and a hold on its renders. */
async function letterService(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-letter-worker-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const hold = new RenderHold();
  const h = await startService(t, { documents: { store: await FileDocumentStore.open(dir) }, letterRenderWorkers: 1, letterRenderHold: hold.cells });
  const tk = await tokens(h);
  await allocateBudgets(h, tk.admin, 1_000_000_000);
  /** A claim approved below the threshold (one approval), its decision not yet served. */
  const approvedClaim = async () => {
    const id = await assessedClaim(h, tk, 40_000_000);
    const approved = await h.post(`/claims/${id}/approvals`, tk.approver1, {});
    if (approved.statusCode !== 200) throw new Error(approved.body);
    return id;
  };
  const notice = (id: string) => h.post(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: new Date(Date.now() - 3_600_000).toISOString() });
  return { h, tk, hold, dir, approvedClaim, notice };
}

/** Waits until `n` renders have reached the hold (a render that never reaches it fails the test). */
async function renderStarted(hold: RenderHold, n: number): Promise<boolean> {
  for (let i = 0; i < 1200 && hold.started < n; i += 1) await sleep(50);
  return hold.started >= n;
}

const eventsOf = async (h: Harness, id: string) => {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  for await (const e of h.env.eventStore.readStream(`claim-${id}`)) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
  return out;
};

t.test('while a letter renders, the service answers a health check and a claim-only command', async (t) => {
  const { h, tk, hold, approvedClaim, notice } = await letterService(t);
  const id = await approvedClaim();

  let answered = false;
  const served = notice(id).finally(() => { answered = true; });
  t.ok(await renderStarted(hold, 1), 'the decision notice\'s letter is rendering (held in its worker)');

  const health = await h.app.inject({ method: 'GET', url: '/health' });
  t.equal(health.statusCode, 200, 'a health check is answered meanwhile');
  const filed = await h.post('/claims', tk.lawyer, claimBody());
  t.equal(filed.statusCode, 201, 'and a claim is filed meanwhile');
  t.notOk(answered, 'while the decision notice still waits for its letter');

  hold.release();
  const r = await served;
  t.equal(r.statusCode, 200, r.body);
  t.same(r.json<{ events: string[] }>().events, ['DocumentAttached', 'DecisionNotified'], 'served with its letter');
  const letter = (await eventsOf(h, id)).find((e) => e.type === 'DecisionNotified')!.data.letter as { sha256: string };
  t.match(letter.sha256, /^[0-9a-f]{64}$/, 'the letter\'s SHA-256 is on the event');
});

t.test('a worker that dies mid-render: 503, nothing recorded or stored, and the next letter works', async (t) => {
  const { h, hold, dir, approvedClaim, notice } = await letterService(t);
  const id = await approvedClaim();
  const before = (await eventsOf(h, id)).length;

  const failing = notice(id);
  t.ok(await renderStarted(hold, 1), 'the letter is rendering');
  hold.kill();
  const failed = await failing;
  t.equal(failed.statusCode, 503);
  t.match(failed.headers['content-type'], /^application\/problem\+json/);
  t.equal(failed.headers['retry-after'], '1');
  t.match(failed.json(), { status: 503, code: 'letter-rendering-unavailable' });
  t.equal((await eventsOf(h, id)).length, before, 'nothing appended');
  t.same(await readdir(dir), [], 'nothing stored');
  t.ok(h.logs.some((line) => line.includes('a letter-rendering worker stopped')), 'the loss is logged');

  hold.release();
  const retried = await notice(id);
  t.equal(retried.statusCode, 200, `the next letter, on a new worker: ${retried.body}`);
  t.same(retried.json<{ events: string[] }>().events, ['DocumentAttached', 'DecisionNotified']);
  t.equal(hold.started, 2, 'rendered by a worker started in place of the dead one');
});

const RS = { jurisdiction: 'RS', timeZone: 'Europe/Belgrade', publicReference: 'RS-2026-1A2B3C4D', issuedAt: '2026-03-13T10:00:00.000Z' } as const;
const letters = (locale: LetterInput['locale']): LetterInput[] => [
  { ...RS, locale, kind: 'award-approved', netAward: { amountMinor: 170_000_050, currency: 'RSD' }, appealDeadline: '2026-03-30' },
  { ...RS, locale, kind: 'award-rejected', appealDeadline: '2026-03-30', reasons: ['Nije dokazano ﬁnansijsko oštećenje.'], appealInstructions: 'Žalba se podnosi Fondu.' },
  { ...RS, locale, kind: 'appeal-decided', outcome: 'increased', decidedOn: '2026-04-10', netAward: { amountMinor: 190_000_000, currency: 'RSD' } },
  { ...RS, locale, kind: 'information-requested', request: 2, question: 'Pošaljite lekarski izveštaj (Ђорђе, март 2025).', dueOn: '2026-03-27' },
];

t.test('a worker renders the same bytes as a render on the event loop', async (t) => {
  const renderer = letterRenderer({ workers: 2 });
  const inputs = LOCALES.flatMap(letters);
  // In parallel on both workers, in the opposite order to the event loop's (each worker's caches see another history).
  const fromWorkers = await Promise.all(inputs.map((input) => renderer.render(input)));
  const inThread: Buffer[] = [];
  for (const input of [...inputs].reverse()) inThread.unshift(await renderLetter(input));
  t.equal(fromWorkers.length, LOCALES.length * 4);
  t.ok(fromWorkers.every((bytes, i) => bytes.equals(inThread[i]!)), `${inputs.length} letters of 4 kinds in ${LOCALES.length} locales, byte for byte`);
  t.ok(fromWorkers.every((bytes) => bytes.subarray(0, 5).toString() === '%PDF-'), 'PDFs');

  await renderer.close();
  await t.rejects(renderer.render(inputs[0]!), LetterRenderingUnavailableError, 'a closed pool renders nothing');
});

t.test('closing the app while a letter renders: that command gets a 503, the workers end', async (t) => {
  const { h, hold, approvedClaim, notice } = await letterService(t);
  const id = await approvedClaim();
  const before = (await eventsOf(h, id)).length;

  // This process's threads (a worker thread is one; the pool starts its worker on the first letter).
  const threads = () => readdirSync('/proc/self/task').length;
  const threadsBefore = threads();
  const pending = notice(id);
  t.ok(await renderStarted(hold, 1), 'the letter is rendering');
  t.ok(threads() > threadsBefore, 'in a worker thread');
  const closed = h.app.close();
  const failed = await pending;
  t.equal(failed.statusCode, 503, 'the letter\'s command fails');
  t.match(failed.json(), { code: 'letter-rendering-unavailable' });
  // A held worker is blocked in Atomics.wait, which terminate() does not interrupt: let it go.
  hold.release();
  await closed;
  t.equal((await eventsOf(h, id)).length, before, 'nothing appended');
  t.ok(threads() <= threadsBefore, 'no worker thread left');
});
