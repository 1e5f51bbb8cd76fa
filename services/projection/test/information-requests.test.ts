/**
 * Requests for information through the whole stack: commands over HTTP to the command service on
 * the embedded store, the relay to a real nats-server, the projection's consumer, and the
 * projection's HTTP answers. A request puts the claim on hold for assessment; the lawyer reads it
 * (recorded) and answers; the assessment then proceeds. An unanswered request past its due date
 * (local midnight in Belgrade, after the change to summer time) is in the assessor's queue. The
 * question never reaches the event store in plaintext, and an erasure makes it unreadable.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FileDocumentStore } from '@cfund/documents';
import { startRelay } from '@cfund/messaging';
import { pdf } from '../../../packages/documents/test/fixtures.ts';
import { startProjectionConsumer } from '../src/index.ts';
import { Clock, appliedClaim, get, readAllEnvelopes, startHarness, startProjection, step, tokens, upload, type Harness } from './helpers.ts';

const signingKey = randomBytes(32);
const QUESTION = 'Please send the hospital report on Jelena Marković after the incident.';
const ANSWER = 'The report of the clinic in Niš about Jelena Marković is attached.';
/** An id of no document of the claim. */
const NO_DOCUMENT = '0b6f1c2e-5d4a-4c3b-8a9f-7e6d5c4b3a21';
const assessment = { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: { amountMinor: 90_000_000, currency: 'RSD' } }], deductions: [] };

/** A command with its response headers (`Location`, `Content-Type`). */
const send = (h: Harness, url: string, token: string, body: unknown) =>
  h.command.inject({ method: 'POST', url, payload: body as object, headers: { authorization: `Bearer ${token}` } });

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Detail { revision: number; onHoldForInformation: boolean; documents: { documentId: string; request: number | null }[]; informationRequests: { request: number; status: string; dueOn: string; late: boolean | null; documentIds: string[] }[]; deadlines: { kind: string; dueOn: string }[] }
interface Items { items: { task: string; claimId: string; request?: number; dueOn?: string }[] }

t.test('a request for information, through HTTP, the relay and NATS', async (t) => {
  // Friday 27 March 2026, 10:00 in Belgrade: one working day later is Monday 30 March, the first
  // working day of summer time (CEST, UTC+2), whose day ends at 22:00 UTC.
  const clock = new Clock(new Date('2026-03-27T09:00:00.000Z'), 1);
  const h = await startHarness(t, { clock, documents: async () => ({ store: await FileDocumentStore.open(join(await mkdtemp(join(tmpdir(), 'cfund-rfi-docs-')), 'documents')) }) });
  let projectionNow = new Date('2026-03-30T21:59:59.000Z');
  const app = await startProjection(h, { now: () => projectionNow });
  t.teardown(() => app.close());
  const relay = await startRelay({
    eventStore: h.env.eventStore, nc: await h.env.connectNats(), signingKey, instanceId: 'relay-rfi',
    settings: { leaseBucket: 'rfi_test_lease', leaseTtlMs: 3_000, renewIntervalMs: 500, standbyPollMs: 200, retryDelayMs: 300 },
  });
  t.teardown(() => relay.stop());
  const consumer = await startProjectionConsumer({ signingKey, nc: await h.env.connectNats(), runner: app.runner, metrics: app.metrics });
  t.teardown(() => consumer.stop());

  const tk = await tokens(h);
  const id = await appliedClaim(h, tk);
  await step(h, id, 'take', tk.assessor, {});
  const detail = async (token = tk.assessor) => (await get(app, `/claims/${id}`, token)).json<Detail>();
  const queue = async (token: string, task?: string) => (await get(app, '/work-queue', token)).json<Items>().items
    .filter((i) => i.claimId === id && (task === undefined || i.task === task));

  t.test('bad input is a problem and changes nothing', async (t) => {
    const both = await send(h, `/claims/${id}/information-requests`, tk.assessor, { question: QUESTION, dueInWorkingDays: 1, dueOn: '2026-04-10' });
    t.equal(both.statusCode, 400, 'either a number of working days or a date');
    t.match(both.headers['content-type'], /application\/problem\+json/);
    t.match(both.json(), { status: 400, errors: [{ path: 'body.dueOn' }] });
    const past = await h.post(`/claims/${id}/information-requests`, tk.assessor, { question: QUESTION, dueOn: '2026-03-27' });
    t.equal(past.statusCode, 409, 'not due today');
    t.match(past.json(), { code: 'due-date-not-future' });
    t.notOk((await readAllEnvelopes(h.env.eventStore)).some((e) => e.type === 'InformationRequested'), 'nothing written');
    const lawyerAsks = await h.post(`/claims/${id}/information-requests`, tk.lawyer, { question: QUESTION, dueInWorkingDays: 1 });
    t.equal(lawyerAsks.statusCode, 403, 'a lawyer does not request information');
  });

  t.test('requested: the claim is on hold for assessment', async (t) => {
    const asked = await h.post(`/claims/${id}/information-requests`, tk.assessor, { question: QUESTION, dueInWorkingDays: 1 });
    t.equal(asked.statusCode, 201, asked.body);
    t.same(asked.json<{ events: string[] }>().events, ['DocumentAttached', 'InformationRequested'], 'the request, served with its letter');
    const stored = (await readAllEnvelopes(h.env.eventStore)).find((e) => e.type === 'InformationRequested')!;
    t.match(stored.data, { request: 1, dueOn: '2026-03-30', requestedBy: 'assessor-1', question: { alg: 'AES-256-GCM' } });
    t.notMatch(JSON.stringify(stored), /Jelena|Marković|hospital/, 'the question is stored encrypted only');

    const held = await send(h, `/claims/${id}/assessment`, tk.assessor, assessment);
    t.equal(held.statusCode, 409);
    t.match(held.headers['content-type'], /application\/problem\+json/);
    t.match(held.json(), { code: 'on-hold-for-information', detail: /open requests for information/ });

    await waitFor('the request projected', async () => (await detail()).informationRequests.length === 1);
    const d = await detail();
    t.equal(d.onHoldForInformation, true);
    t.match(d.informationRequests, [{ request: 1, status: 'open', dueOn: '2026-03-30' }]);
    t.notMatch(JSON.stringify(d), /Jelena|ciphertext/, 'the detail holds neither the text nor its envelope');
    t.match(await queue(tk.lawyer), [{ task: 'answer-information-request', request: 1, dueOn: '2026-03-30' }], 'the lawyer has it to answer');
  });

  t.test('past its due date, in Belgrade\'s time, the request is in the assessor\'s queue', async (t) => {
    t.same(await queue(tk.assessor), [], '23:59:59 CEST on the due day: not yet overdue, and not offered for assessment while on hold');
    projectionNow = new Date('2026-03-30T22:00:00.000Z');
    t.match(await queue(tk.assessor), [{ task: 'information-overdue', request: 1, dueOn: '2026-03-30' }], 'midnight CEST: overdue');
    t.equal((await queue(tk.assessor)).length, 1, JSON.stringify(await queue(tk.assessor)));
    const other = await h.token('assessor-2', ['fund-assessor']);
    t.same(await queue(other), [], 'not in another assessor\'s queue');
    const deadlines = (await get(app, '/deadlines?kind=information-request', tk.assessor)).json<{ items: { request: number; overdue: boolean }[] }>().items;
    t.match(deadlines, [{ request: 1, overdue: true }]);
  });

  t.test('only a lawyer acting on the claim answers; the read of the question is recorded', async (t) => {
    const stranger = await h.post(`/claims/${id}/information-requests/1/answer`, tk.lawyer2, { answer: ANSWER });
    t.equal(stranger.statusCode, 404, 'a lawyer not acting on the claim is not told it exists');
    const finance = await h.post(`/claims/${id}/information-requests/1/answer`, tk.finance, { answer: ANSWER });
    t.equal(finance.statusCode, 403, 'fund staff do not answer');
    t.match(finance.json(), { code: 'forbidden-role' });
    const empty = await h.post(`/claims/${id}/information-requests/1/answer`, tk.lawyer, {});
    t.equal(empty.statusCode, 400, 'an answer gives text or documents');

    const read = await get(app, `/claims/${id}/information-requests/1`, tk.lawyer);
    t.equal(read.statusCode, 200, read.body);
    t.match(read.json(), { request: 1, status: 'open', question: QUESTION, answer: null });
    t.equal(read.headers['cache-control'], 'no-store');
    t.equal((await get(app, `/claims/${id}/information-requests/1`, tk.lawyer2)).statusCode, 404);
    t.equal((await get(app, `/claims/${id}/information-requests/1`, tk.admin)).statusCode, 403, 'not a fund admin');
    t.equal((await get(app, `/claims/${id}/information-requests/9`, tk.lawyer)).statusCode, 404);
    const log = (await get(app, `/claims/${id}/access-log`, tk.auditor)).json<{ reads: { accessedBy: string; purpose: string }[] }>().reads;
    t.match(log, [{ accessedBy: 'lawyer-1', purpose: 'information-request' }]);
  });

  t.test('a document uploaded for the request is linked to it by the request\'s number; the answer cites only the claim\'s documents', async (t) => {
    clock.set('2026-03-31T07:00:00.000Z');
    const report = await upload(h, id, tk.lawyer, { kind: 'medical-report', request: '1' }, { name: 'report.pdf', bytes: pdf('the clinic in Niš') });
    t.equal(report.statusCode, 201, report.body);
    const documentId = report.json<{ documentId: string }>().documentId;
    t.match((await readAllEnvelopes(h.env.eventStore)).find((e) => e.type === 'DocumentAttached' && (e.data as { documentId: string }).documentId === documentId)?.data,
      { documentId, request: 1 }, 'DocumentAttached names request 1');
    const recorded = (await readAllEnvelopes(h.env.eventStore)).length;
    const stored = async () => (await readdir((h.documents as FileDocumentStore).dir)).length;
    const storedBefore = await stored();
    const unknown = await upload(h, id, tk.lawyer, { kind: 'medical-report', request: '2' }, { name: 'other.pdf', bytes: pdf('another report') });
    t.equal(unknown.statusCode, 409, 'no request 2 on the claim');
    t.match(unknown.headers['content-type'], /application\/problem\+json/);
    t.match(unknown.json(), { code: 'no-such-request', details: { request: 2 } });
    const stranger = await send(h, `/claims/${id}/information-requests/1/answer`, tk.lawyer, { answer: ANSWER, documentIds: [documentId, NO_DOCUMENT] });
    t.equal(stranger.statusCode, 409, 'an answer citing a document the claim does not have');
    t.match(stranger.headers['content-type'], /application\/problem\+json/);
    t.match(stranger.json(), { code: 'unknown-document', details: { documentId: NO_DOCUMENT } });
    t.equal((await readAllEnvelopes(h.env.eventStore)).length, recorded, 'the refused upload and answer recorded nothing');
    t.equal(await stored(), storedBefore, 'nor did the refused upload\'s bytes stay stored');
    const shown = async () => (await detail(tk.lawyer)).documents.find((d) => d.documentId === documentId);
    await waitFor('the document projected', async () => (await shown()) !== undefined);
    t.same((await shown())?.request, 1, 'the claim detail shows the document answering request 1');
    t.same((await detail(tk.lawyer)).documents.filter((d) => d.documentId !== documentId).map((d) => d.request), [null], 'and the request\'s letter answering none');
  });

  t.test('answered (late): the assessment proceeds', async (t) => {
    clock.set('2026-03-31T08:00:00.000Z');
    const documentId = (await detail(tk.lawyer)).documents.find((d) => d.request === 1)!.documentId;
    const answered = await h.post(`/claims/${id}/information-requests/1/answer`, tk.lawyer, { answer: ANSWER, documentIds: [documentId] });
    t.equal(answered.statusCode, 200, answered.body);
    const stored = (await readAllEnvelopes(h.env.eventStore)).find((e) => e.type === 'InformationRequestAnswered')!;
    t.match(stored.data, { request: 1, late: true, documentIds: [documentId] });
    t.notMatch(JSON.stringify(stored), /Jelena|clinic/, 'the answer is stored encrypted only');
    t.equal((await h.post(`/claims/${id}/information-requests/1/answer`, tk.lawyer, { answer: ANSWER })).json<{ code: string }>().code, 'request-closed');
    const late = await upload(h, id, tk.lawyer, { kind: 'medical-report', request: '1' }, { name: 'late.pdf', bytes: pdf('a later report') });
    t.equal(late.statusCode, 409, 'no document for an answered request');
    t.match(late.json(), { code: 'request-closed', details: { request: 1, status: 'answered' } });

    const assessed = await h.post(`/claims/${id}/assessment`, tk.assessor, assessment);
    t.equal(assessed.statusCode, 200, assessed.body);
    await waitFor('the assessment projected', async () => (await detail()).informationRequests[0]?.status === 'answered' && (await detail()).deadlines.length === 0);
    const d = await detail();
    t.equal(d.onHoldForInformation, false);
    t.match(d.informationRequests, [{ request: 1, status: 'answered', late: true, documentIds: [documentId] }]);
    t.same(await queue(tk.assessor, 'information-overdue'), [], 'no longer overdue');
    t.match((await get(app, `/claims/${id}/information-requests/1`, tk.assessor)).json(), { question: QUESTION, answer: ANSWER });
  });

  t.test('withdrawn by the assessor; after erasure the texts are unreadable', async (t) => {
    const again = await send(h, `/claims/${id}/information-requests`, tk.assessor, { question: QUESTION, dueOn: '2026-04-04' });
    t.equal(again.statusCode, 201, again.body);
    t.equal(again.headers.location, `/claims/${id}/information-requests/2`);
    t.equal((await h.post(`/claims/${id}/information-requests/2/withdrawal`, tk.lawyer, {})).statusCode, 403, 'the lawyer does not withdraw it');
    t.equal((await h.post(`/claims/${id}/information-requests/2/withdrawal`, tk.assessor, {})).statusCode, 200);
    const erased = await h.post(`/victims/vic-${id}/erasure`, tk.dpo, { reason: 'Erasure request of the data subject.' });
    t.equal(erased.statusCode, 200, erased.body);
    await waitFor('the erasure projected', async () => (await detail()).informationRequests[1]?.status === 'withdrawn'
      && (await get(app, `/claims/${id}/information-requests/1`, tk.lawyer)).json<{ question: string }>().question === '[erased]');
    t.match((await get(app, `/claims/${id}/information-requests/1`, tk.lawyer)).json(), { question: '[erased]', answer: '[erased]' });
    const refused = await h.post(`/claims/${id}/information-requests`, tk.assessor, { question: QUESTION, dueInWorkingDays: 2 });
    t.not(refused.statusCode, 201, 'no new text can be encrypted for an erased victim');
  });
});
