/**
 * Decision letters through HTTP, against the embedded event store: served by the command service
 * with an approval, a rejection, an appeal decision and a request for information, in the
 * language of the proceedings (RS: Serbian Cyrillic), stored encrypted as documents of the claim,
 * their SHA-256 on the event served; downloaded from the projection and read back with pdftotext.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { claimStream } from '@cfund/contracts';
import { FileDocumentStore } from '@cfund/documents';
import type { FaultPoint } from '@cfund/command-service';
import { Clock, allocateBudget, appliedClaim, assess, get, readAllEnvelopes, startHarness, startProjection, step, tokens, type Harness } from './helpers.ts';

const run = promisify(execFile);
const VICTIM = 'Jelena Victimović';

async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'letter-'));
  try {
    await writeFile(join(dir, 'letter.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', join(dir, 'letter.pdf'), '-']);
    return stdout.replace(/\s+/g, ' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Letter { documentId: string; sha256: string; locale: string }

/** The claim's events as stored, type and data. */
async function claimEvents(h: Harness, id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  for await (const e of h.env.eventStore.readStream(claimStream(id))) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
  return out;
}

/** The letter the last event of `type` names. */
async function letterOn(h: Harness, id: string, type: string): Promise<Letter | undefined> {
  return (await claimEvents(h, id)).filter((e) => e.type === type).at(-1)?.data.letter as Letter | undefined;
}

t.test('decision letters', async (t) => {
  // 13 March 2026, noon in Belgrade: an RS appeal deadline of a decision served today is Monday 30 March 2026.
  const clock = new Clock(new Date('2026-03-13T11:00:00.000Z'));
  let fault: ((point: FaultPoint, subject: string) => void) | undefined;
  const docsDir = join(await mkdtemp(join(tmpdir(), 'cfund-letters-')), 'documents');
  const h = await startHarness(t, {
    clock, environment: { memDb: true },
    documents: async () => ({ store: await FileDocumentStore.open(docsDir) }),
    faultAt: (point, subject) => fault?.(point, subject),
  });
  const tk = await tokens(h);
  await allocateBudget(h, tk, 2026);
  const servedAt = '2026-03-13T10:00:00.000Z';

  // An approval of RSD 400,000 (one approver suffices below RSD 500,000).
  const approved = await appliedClaim(h, tk, { victim: { fullName: VICTIM, dateOfBirth: '1995-04-12' } });
  await assess(h, approved, tk, 40_000_000);
  await step(h, approved, 'approvals', tk.approver1, {});

  await t.test('a retry after a failure between the stored letter and the event serves the same letter once', async (t) => {
    const stored: string[] = [];
    fault = (point, subject) => {
      if (point !== 'after-letter-stored') return;
      stored.push(subject);
      throw new Error('injected: the process stops after storing the letter');
    };
    const failed = await h.post(`/claims/${approved}/decision-notice`, tk.approver1, { servedAt });
    fault = undefined;
    t.equal(failed.statusCode, 500, 'the injected failure');
    t.equal(stored.length, 1, 'the letter was stored');
    t.notOk((await claimEvents(h, approved)).some((e) => e.type === 'DecisionNotified'), 'no decision served');
    t.same(await readdir(docsDir), [], 'the unrecorded bytes removed (after a crash, the document sweep removes them)');

    const r = await h.post(`/claims/${approved}/decision-notice`, tk.approver1, { servedAt });
    t.equal(r.statusCode, 200, 'the retry', { body: r.body });
    t.same(r.json<{ events: string[] }>().events, ['DocumentAttached', 'DecisionNotified'], 'the letter is a document of the claim, in the same append');
    const letter = (await letterOn(h, approved, 'DecisionNotified'))!;
    t.match(letter, { documentId: /^[0-9a-f-]{36}$/, sha256: /^[0-9a-f]{64}$/, locale: 'sr-Cyrl' }, 'the event names the letter, in the language of the proceedings');
    t.ok(stored[0]!.startsWith(`${approved}.${letter.documentId}.`), 'the same letter as the failed attempt rendered: same bytes, same document id');
    const documents = (await claimEvents(h, approved)).filter((e) => e.type === 'DocumentAttached');
    t.equal(documents.length, 1, 'one letter');
    t.match(documents[0]!.data, { documentId: letter.documentId, kind: 'letter', sha256: letter.sha256, contentType: 'application/pdf', attachedBy: 'approver-1' });
    t.equal((await readdir(docsDir)).length, 1, 'one stored object');
  });

  // A rejection.
  const rejected = await appliedClaim(h, tk);
  await assess(h, rejected, tk, 40_000_000);
  const reasons = ['Захтев није поднет у прописаном року.'];
  const appealInstructions = 'Жалба се подноси Комисији Фонда.';
  t.equal((await h.post(`/claims/${rejected}/rejection`, tk.approver1, { reasons, appealInstructions })).statusCode, 200);
  const rejection = await h.post(`/claims/${rejected}/decision-notice`, tk.approver1, { servedAt });
  t.equal(rejection.statusCode, 200, 'a rejection served', { body: rejection.body });
  t.same(rejection.json<{ events: string[] }>().events, ['DocumentAttached', 'DecisionNotified']);

  // A request for information, whose question is the victim's personal data.
  const asked = await appliedClaim(h, tk);
  const question = `Доставите платне листе за 2025. годину (${VICTIM}).`;
  const request = await h.post(`/claims/${asked}/information-requests`, tk.assessor, { question, dueOn: '2026-03-27' });
  t.equal(request.statusCode, 201, 'information requested', { body: request.body });
  t.same(request.json<{ events: string[] }>().events, ['DocumentAttached', 'InformationRequested']);

  // The approval appealed and increased to RSD 450,000 on 20 March 2026.
  clock.set('2026-03-16T09:00:00.000Z');
  await step(h, approved, 'appeals', tk.lawyer, { grounds: 'The costs of treatment were left out.' });
  clock.set('2026-03-20T10:00:00.000Z');
  const appeal = await h.post(`/claims/${approved}/appeal-decision`, tk.approver2, { outcome: 'increased', decidedOn: '2026-03-20', netAward: { amountMinor: 45_000_000, currency: 'RSD' } });
  t.equal(appeal.statusCode, 200, 'the appeal decided', { body: appeal.body });
  t.same(appeal.json<{ events: string[] }>().events, ['DocumentAttached', 'AppealDecided']);

  await h.catchUp();
  const projection = await startProjection(h);
  t.teardown(() => projection.close());

  /** The letter the event names, downloaded by the claim's lawyer: its bytes checked against the recorded SHA-256, then its text. */
  async function download(t: Test, id: string, type: string): Promise<string> {
    const letter = (await letterOn(h, id, type))!;
    t.equal(letter.locale, 'sr-Cyrl', `${type}: the letter is in the language of the proceedings`);
    const r = await get(projection, `/claims/${id}/documents/${letter.documentId}`, tk.lawyer);
    t.equal(r.statusCode, 200, `${type}: the claim's lawyer downloads the letter`, { body: r.body.slice(0, 300) });
    t.equal(r.headers['content-type'], 'application/pdf');
    t.equal(createHash('sha256').update(r.rawPayload).digest('hex'), letter.sha256, `${type}: the SHA-256 on the event is the decrypted bytes' (what an auditor checks)`);
    return pdfText(r.rawPayload);
  }

  t.test('the approval letter', async (t) => {
    const text = await download(t, approved, 'DecisionNotified');
    const reference = (await claimEvents(h, approved))[0]!.data.publicReference as string;
    t.ok(text.includes(`Број предмета: ${reference}`), 'the public reference');
    t.ok(text.includes('Фонд усваја захтев и досуђује накнаду у износу од 400.000,00 RSD.'), 'the decision, the amount in figures and the currency');
    t.ok(text.includes('Словима: четиристо хиљада динара.'), 'the amount in words with the currency');
    t.ok(text.includes('најкасније 30. 3. 2026. (по локалном времену, Europe/Belgrade)'), 'the appeal deadline as a local date of the scheme\'s zone');
    t.ok(text.includes('Датум: 13. 3. 2026.'), 'dated the day it was served');
    t.notOk(/Fund|Decision|Appeal/.test(text), 'nothing in English');
    t.notOk(/трговин|експлоат|жртв/i.test(text), 'nothing says why the applicant is entitled');

    const detail = (await get(projection, `/claims/${approved}`, tk.lawyer)).json<{ documents: { documentId: string; kind: string }[] }>();
    const letter = (await letterOn(h, approved, 'DecisionNotified'))!;
    t.match(detail.documents.find((d) => d.documentId === letter.documentId), { kind: 'letter' }, 'the claim lists the letter among its documents');
    t.equal((await get(projection, `/claims/${approved}/documents/${letter.documentId}`, tk.lawyer2)).statusCode, 404, 'a lawyer off the claim: no such claim');
    t.equal((await get(projection, `/claims/${approved}/documents/${letter.documentId}`, tk.auditor)).statusCode, 403, 'an auditor reads no letter');
    const replayed = (await get(projection, `/claims/${approved}/state`, tk.auditor)).json<{ state: { documents: { documentId: string; sha256: string }[] } }>();
    t.same(replayed.state.documents.find((d) => d.documentId === letter.documentId), { documentId: letter.documentId, sha256: letter.sha256 }, 'but sees the hash to check a served letter against');
  });

  t.test('the rejection letter', async (t) => {
    const text = await download(t, rejected, 'DecisionNotified');
    t.ok(text.includes('Фонд одбија захтев за накнаду штете.'), 'the decision');
    t.ok(text.includes(reasons[0]!), 'the approver\'s reasons');
    t.ok(text.includes(appealInstructions), 'the approver\'s appeal instructions');
    t.ok(text.includes('најкасније 30. 3. 2026.'), 'the appeal deadline');
  });

  t.test('the appeal decision letter', async (t) => {
    const text = await download(t, approved, 'AppealDecided');
    t.ok(text.includes('повећава накнаду на износ од 450.000,00 RSD.'), 'the outcome, the new amount in figures and the currency');
    t.ok(text.includes('Словима: четиристо педесет хиљада динара.'), 'in words');
    t.ok(text.includes('20. 3. 2026.'), 'the date of the decision');
    t.ok(text.includes('Датум: 20. 3. 2026.'), 'dated the day it was decided');
  });

  t.test('the request for information letter', async (t) => {
    const text = await download(t, asked, 'InformationRequested');
    t.ok(text.includes('(бр. 1)'), 'the request\'s number');
    t.ok(text.includes(question), 'the question, which only the encrypted letter holds in plaintext');
    t.ok(text.includes('најкасније 27. 3. 2026.'), 'the due date as a local date');
  });

  t.test('nothing of the victim in plaintext in the events or the stored bytes', async (t) => {
    const events = JSON.stringify(await readAllEnvelopes(h.env.eventStore));
    t.notOk(events.includes('Jelena') || events.includes('Доставите'), 'the events hold neither the name nor the question');
    for (const file of await readdir(docsDir)) {
      const bytes = await readFile(join(docsDir, file));
      t.notOk(bytes.includes(Buffer.from('%PDF')) || bytes.includes(Buffer.from('Jelena')), `${file}: encrypted`);
    }
    const log = await get(projection, `/claims/${approved}/access-log`, tk.auditor);
    t.ok(log.json<{ reads: { purpose: string }[] }>().reads.filter((r) => r.purpose === 'claim-document').length >= 2, 'each download recorded like a read of personal data');
  });

  t.test('an erased victim\'s letter cannot be downloaded', async (t) => {
    const letter = (await letterOn(h, asked, 'InformationRequested'))!;
    t.equal((await h.post(`/victims/vic-${asked}/erasure`, tk.dpo, { reason: 'the victim asked' })).statusCode, 200);
    await h.catchUp();
    const r = await get(projection, `/claims/${asked}/documents/${letter.documentId}`, tk.lawyer);
    t.equal(r.statusCode, 410, 'gone');
    t.match(r.json(), { code: 'document-erased' });
  });
});
