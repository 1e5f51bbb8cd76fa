/**
 * Letters in the victim's preferred language, through HTTP against the embedded event store: the
 * language is personal data (given at filing or set later by the claim's lawyer, stored only
 * encrypted); when it differs from the scheme's (RS: Serbian Cyrillic) each letter comes with a
 * copy in it, recorded on the event beside the letter without its locale, downloadable like the
 * letter, the same on a retry, and none after an erasure.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { claimStream } from '@cfund/contracts';
import { FileDocumentStore } from '@cfund/documents';
import type { FaultPoint } from '@cfund/command-service';
import { Clock, allocateBudget, appliedClaim, assess, get, readAllEnvelopes, startHarness, startProjection, step, tokens, type Harness } from './helpers.ts';

const run = promisify(execFile);

async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'letter-copy-'));
  try {
    await writeFile(join(dir, 'letter.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', join(dir, 'letter.pdf'), '-']);
    return stdout.replace(/\s+/g, ' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Served { letter?: { documentId: string; sha256: string; locale: string }; letterCopies?: { documentId: string; sha256: string }[] }

async function claimEvents(h: Harness, id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  for await (const e of h.env.eventStore.readStream(claimStream(id))) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
  return out;
}

const servedOn = async (h: Harness, id: string, type: string): Promise<Served> => (await claimEvents(h, id)).filter((e) => e.type === type).at(-1)!.data as Served;

t.test('letters in the victim\'s preferred language', async (t) => {
  const clock = new Clock(new Date('2026-03-13T11:00:00.000Z'));
  let fault: ((point: FaultPoint, subject: string) => void) | undefined;
  const docsDir = join(await mkdtemp(join(tmpdir(), 'cfund-letter-copies-')), 'documents');
  const h = await startHarness(t, {
    clock, environment: { memDb: true },
    documents: async () => ({ store: await FileDocumentStore.open(docsDir) }),
    faultAt: (point, subject) => fault?.(point, subject),
  });
  const tk = await tokens(h);
  await allocateBudget(h, tk, 2026);
  const servedAt = '2026-03-13T10:00:00.000Z';

  // Albanian given at filing; an approval of RSD 400,000.
  const albanian = await appliedClaim(h, tk, { victim: { fullName: 'Drita Viktima', preferredLanguage: 'sq' } });
  await assess(h, albanian, tk, 40_000_000);
  await step(h, albanian, 'approvals', tk.approver1, {});

  await t.test('the decision is served with a copy in Albanian, the same on a retry after a failure', async (t) => {
    const stored: string[] = [];
    fault = (point, subject) => {
      if (point !== 'after-letter-stored') return;
      stored.push(subject);
      if (stored.length === 2) throw new Error('injected: the process stops after storing the letter and its copy');
    };
    const failed = await h.post(`/claims/${albanian}/decision-notice`, tk.approver1, { servedAt });
    fault = undefined;
    t.equal(failed.statusCode, 500, 'the injected failure');
    t.equal(stored.length, 2, 'the letter and its copy were stored');
    t.same(await readdir(docsDir), [], 'the unrecorded bytes of both removed');

    const r = await h.post(`/claims/${albanian}/decision-notice`, tk.approver1, { servedAt });
    t.equal(r.statusCode, 200, 'the retry', { body: r.body });
    t.same(r.json<{ events: string[] }>().events, ['DocumentAttached', 'DocumentAttached', 'DecisionNotified'], 'letter and copy, in one append');
    const served = await servedOn(h, albanian, 'DecisionNotified');
    t.equal(served.letter!.locale, 'sr-Cyrl', 'the letter in the language of the proceedings');
    t.equal(served.letterCopies?.length, 1, 'one copy');
    t.same(Object.keys(served.letterCopies![0]!).sort(), ['documentId', 'sha256'], 'the copy named by id and hash: its language is not on the event');
    t.ok(stored[0]!.startsWith(`${albanian}.${served.letter!.documentId}.`), 'the letter as the failed attempt rendered it');
    t.ok(stored[1]!.startsWith(`${albanian}.${served.letterCopies![0]!.documentId}.`), 'the copy as the failed attempt rendered it: same bytes, same id');
    t.equal((await readdir(docsDir)).length, 2, 'two stored objects');
  });

  // Set by the lawyer after filing: a rejection.
  const later = await appliedClaim(h, tk);
  await t.test('the lawyer sets the language: an unknown locale is a 400, a stranger is refused', async (t) => {
    const bad = await h.post(`/claims/${later}/preferred-language`, tk.lawyer, { preferredLanguage: 'de' });
    t.equal(bad.statusCode, 400, 'not a locale of the fund');
    t.match(bad.json(), { status: 400, title: String }, 'a problem');
    t.match(bad.body, /preferredLanguage/, 'the field is named');
    t.equal((await h.post(`/claims/${later}/preferred-language`, tk.lawyer2, { preferredLanguage: 'sq' })).statusCode, 404, 'a lawyer off the claim: no such claim');
    t.equal((await h.post(`/claims/${later}/preferred-language`, tk.assessor, { preferredLanguage: 'sq' })).statusCode, 403, 'fund staff set no language');
    t.notOk((await claimEvents(h, later)).some((e) => e.type === 'PreferredLanguageSet'), 'nothing recorded by the refusals');
    const r = await h.post(`/claims/${later}/preferred-language`, tk.lawyer, { preferredLanguage: 'sq' });
    t.equal(r.statusCode, 200, 'the claim\'s lawyer', { body: r.body });
    t.same(r.json<{ events: string[] }>().events, ['PreferredLanguageSet']);
  });
  await assess(h, later, tk, 40_000_000);
  const reasons = ['Захтев није поднет у прописаном року.'];
  t.equal((await h.post(`/claims/${later}/rejection`, tk.approver1, { reasons, appealInstructions: 'Жалба се подноси Комисији Фонда.' })).statusCode, 200);
  const rejection = await h.post(`/claims/${later}/decision-notice`, tk.approver1, { servedAt });
  t.same(rejection.json<{ events: string[] }>().events, ['DocumentAttached', 'DocumentAttached', 'DecisionNotified'], 'a language set later: a copy as well');

  // The scheme's own language, and a language set then cleared: no copy.
  const same = await appliedClaim(h, tk, { victim: { fullName: 'Ana Srpska', preferredLanguage: 'sr-Cyrl' } });
  const cleared = await appliedClaim(h, tk, { victim: { fullName: 'Besa Viktima', preferredLanguage: 'sq' } });
  t.equal((await h.post(`/claims/${cleared}/preferred-language`, tk.lawyer, { preferredLanguage: null })).statusCode, 200, 'cleared');
  for (const [id, why] of [[same, 'the language of the proceedings'], [cleared, 'a language cleared']] as const) {
    const asked = await h.post(`/claims/${id}/information-requests`, tk.assessor, { question: 'Доставите платне листе.', dueOn: '2026-03-27' });
    t.same(asked.json<{ events: string[] }>().events, ['DocumentAttached', 'InformationRequested'], `${why}: no copy`);
    t.notOk('letterCopies' in (await servedOn(h, id, 'InformationRequested')), `${why}: no copies field`);
  }

  await h.catchUp();
  const projection = await startProjection(h);
  t.teardown(() => projection.close());
  const reference = (await claimEvents(h, albanian))[0]!.data.publicReference as string;

  await t.test('the copy is downloaded like the letter, in Albanian, with the same amount, reference and date', async (t) => {
    const served = await servedOn(h, albanian, 'DecisionNotified');
    const copy = served.letterCopies![0]!;
    const r = await get(projection, `/claims/${albanian}/documents/${copy.documentId}`, tk.lawyer);
    t.equal(r.statusCode, 200, 'the claim\'s lawyer downloads the copy', { body: r.body.slice(0, 300) });
    t.equal(r.headers['content-type'], 'application/pdf');
    t.equal(createHash('sha256').update(r.rawPayload).digest('hex'), copy.sha256, 'the hash on the event is the copy\'s');
    const text = await pdfText(r.rawPayload);
    t.ok(text.includes(`Numri i çështjes: ${reference}`), 'the public reference, in Albanian');
    t.ok(text.includes('Fondi e miraton kërkesën dhe akordon kompensim në shumën 400 000,00 RSD.'), 'the decision and the same amount, in Albanian');
    t.ok(text.includes('Data: 13 mars 2026'), 'the same date', { text: text.slice(0, 400) });
    t.notOk(/[А-Яа-я]/.test(text), 'no Cyrillic: not the Serbian letter');

    const letter = await pdfText((await get(projection, `/claims/${albanian}/documents/${served.letter!.documentId}`, tk.lawyer)).rawPayload);
    t.ok(letter.includes('400.000,00 RSD') && letter.includes(`Број предмета: ${reference}`), 'the letter itself still in Serbian Cyrillic');
    t.equal((await get(projection, `/claims/${albanian}/documents/${copy.documentId}`, tk.lawyer2)).statusCode, 404, 'a lawyer off the claim: no such claim');
  });

  await t.test('the language is nowhere in plaintext: events, read model', async (t) => {
    const events = JSON.stringify(await readAllEnvelopes(h.env.eventStore));
    t.notOk(events.includes('preferredLanguage'), 'no event holds the field');
    t.notOk(/"sq"|\bsq\b|Shqip|sq\.pdf/.test(events), 'nor the language');
    for (const file of await readdir(docsDir)) {
      const bytes = await readFile(join(docsDir, file));
      t.notOk(bytes.includes(Buffer.from('%PDF')) || bytes.includes(Buffer.from('kërkesën')), `${file}: encrypted`);
    }
    const detail = await get(projection, `/claims/${later}`, tk.lawyer);
    t.notOk(/preferredLanguage|"sq"/.test(detail.body), 'the claim\'s view holds no language');
  });

  await t.test('the personal data read shows the language in force (a recorded read)', async (t) => {
    const read = async (id: string) => (await get(projection, `/claims/${id}/personal-data`, tk.lawyer)).json<{ personalData: Record<string, unknown> }>().personalData;
    t.match(await read(albanian), { fullName: 'Drita Viktima', preferredLanguage: 'sq' }, 'given at filing');
    t.match(await read(later), { preferredLanguage: 'sq' }, 'set after filing');
    t.notOk('preferredLanguage' in (await read(cleared)), 'cleared after filing');
    t.match(await read(same), { preferredLanguage: 'sr-Cyrl' });
  });

  await t.test('after an erasure: no language can be set, and the appeal decision serves no letter nor copy', async (t) => {
    clock.set('2026-03-16T09:00:00.000Z');
    await step(h, albanian, 'appeals', tk.lawyer, { grounds: 'The costs of treatment were left out.' });
    t.equal((await h.post(`/victims/vic-${albanian}/erasure`, tk.dpo, { reason: 'the victim asked' })).statusCode, 200);
    const set = await h.post(`/claims/${albanian}/preferred-language`, tk.lawyer, { preferredLanguage: 'mk' });
    t.equal(set.statusCode, 409, 'refused');
    t.match(set.json(), { code: 'personal-data-erased' });
    clock.set('2026-03-20T10:00:00.000Z');
    const appeal = await h.post(`/claims/${albanian}/appeal-decision`, tk.approver2, { outcome: 'upheld', decidedOn: '2026-03-20' });
    t.equal(appeal.statusCode, 200, { body: appeal.body });
    t.same(appeal.json<{ events: string[] }>().events, ['AppealDecided'], 'no letter, no copy');
  });
});
