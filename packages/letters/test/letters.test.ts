/**
 * The letters: every catalogue complete and free of what must not be disclosed, amounts in words,
 * and each kind of letter rendered to PDF and read back with pdftotext (poppler-utils).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { LOCALES, checkCatalogues } from '@cfund/i18n';
import { LETTER_CATALOGUES, amountWordValues, composeLetter, englishWords, letterCatalogue, renderLetter, type LetterInput } from '../src/index.ts';
import { slavicWordsFor } from '../src/words.ts';

const run = promisify(execFile);

/** The text of a PDF as pdftotext extracts it (reading order, no layout). */
export async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'letter-'));
  try {
    await writeFile(join(dir, 'letter.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', join(dir, 'letter.pdf'), '-']);
    return stdout.replace(/\s+/g, ' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Words that would tell a reader why the applicant is entitled, in the region's languages. */
const UNSAYABLE = /traffick|exploit|victim|trgovin|trgovanj|eksploat|žrtv|zrtv|трговин|експлоат|жртв|trafik|shfryt|viktim/i;

t.test('every locale has every letter message, compiling, with the right placeholders and plural forms', async (t) => {
  t.same(checkCatalogues(LETTER_CATALOGUES), []);
  t.same(Object.keys(LETTER_CATALOGUES).sort(), [...LOCALES].sort());
});

t.test('no message of any locale names trafficking, exploitation or a victim', async (t) => {
  for (const [locale, messages] of Object.entries(LETTER_CATALOGUES)) {
    for (const [id, text] of Object.entries(messages)) t.notMatch(text, UNSAYABLE, `${locale} ${id}`);
  }
  t.match('žrtva trgovine ljudima', UNSAYABLE, 'the pattern does catch the Serbian phrase');
  t.match('жртва трговине људима', UNSAYABLE, 'and its Cyrillic');
});

t.test('numbers in English words', async (t) => {
  t.equal(englishWords(0), 'zero');
  t.equal(englishWords(13), 'thirteen');
  t.equal(englishWords(21), 'twenty-one');
  t.equal(englishWords(105), 'one hundred and five');
  t.equal(englishWords(1000), 'one thousand');
  t.equal(englishWords(1_700_000), 'one million seven hundred thousand');
  t.equal(englishWords(21_000_021), 'twenty-one million twenty-one');
  t.equal(englishWords(2_000_000_000), 'two billion');
  t.throws(() => englishWords(-1));
  t.throws(() => englishWords(1.5));
});

t.test('numbers in Serbian, Bosnian and Croatian words, with gender and the few / other forms', async (t) => {
  const sr = slavicWordsFor('sr-Latn')!;
  t.equal(sr(1), 'jedan');
  t.equal(sr(2, true), 'dve', 'feminine two');
  t.equal(sr(11), 'jedanaest');
  t.equal(sr(21), 'dvadeset jedan');
  t.equal(sr(200), 'dvesta');
  t.equal(sr(1000), 'hiljadu');
  t.equal(sr(2000), 'dve hiljade');
  t.equal(sr(5000), 'pet hiljada');
  t.equal(sr(11_000), 'jedanaest hiljada', '11 is not "one"');
  t.equal(sr(21_000), 'dvadeset jedna hiljada');
  t.equal(sr(22_000), 'dvadeset dve hiljade');
  t.equal(sr(1_000_000), 'jedan milion');
  t.equal(sr(2_000_000), 'dva miliona', 'a million is masculine');
  t.equal(sr(1_700_000), 'jedan milion sedamsto hiljada');
  t.equal(sr(2_000_000_000), 'dve milijarde', 'a milliard is feminine');
  t.equal(slavicWordsFor('bs')!(2000), 'dvije hiljade', 'ijekavian');
  t.equal(slavicWordsFor('bs')!(200), 'dvjesta');
  t.equal(slavicWordsFor('hr')!(2000), 'dvije tisuće');
  t.equal(slavicWordsFor('hr')!(1_000_000), 'jedan milijun');
  t.equal(slavicWordsFor('sr-Cyrl')!(2_000_000), 'два милиона', 'Cyrillic by transliteration');
  t.equal(slavicWordsFor('sq'), undefined, 'Albanian has no words yet');
});

t.test('an amount in words with its currency, in the currency\'s gender and number', async (t) => {
  const say = (locale: 'en' | 'sr-Latn' | 'bs', amountMinor: number, currency: 'RSD' | 'BAM' | 'EUR') =>
    letterCatalogue(locale).format('amount.words', amountWordValues(locale, { amountMinor, currency })!);
  t.equal(say('en', 170_000_000, 'RSD'), 'one million seven hundred thousand dinars');
  t.equal(say('en', 100, 'EUR'), 'one euro');
  t.equal(say('en', 150_001, 'EUR'), 'one thousand five hundred euros and one cent');
  t.equal(say('sr-Latn', 170_000_000, 'RSD'), 'jedan milion sedamsto hiljada dinara');
  t.equal(say('sr-Latn', 2_100, 'RSD'), 'dvadeset jedan dinar');
  t.equal(say('sr-Latn', 200, 'BAM'), 'dve konvertibilne marke', 'the mark is feminine: dve, few');
  t.equal(say('sr-Latn', 500, 'BAM'), 'pet konvertibilnih maraka');
  t.equal(say('sr-Latn', 102, 'RSD'), 'jedan dinar i dve pare', 'the para is feminine');
  t.equal(say('bs', 750_000, 'BAM'), 'sedam hiljada petsto konvertibilnih maraka');
  t.equal(amountWordValues('mk', { amountMinor: 100, currency: 'MKD' }), undefined);
});

const RS = { jurisdiction: 'RS', timeZone: 'Europe/Belgrade', publicReference: 'RS-2026-1A2B3C4D', issuedAt: '2026-03-13T10:00:00.000Z' } as const;
const approved = (locale: 'en' | 'sr-Latn' | 'sr-Cyrl'): LetterInput => ({ ...RS, locale, kind: 'award-approved', netAward: { amountMinor: 170_000_050, currency: 'RSD' }, appealDeadline: '2026-03-30' });
const rejected = (locale: 'en' | 'sr-Latn'): LetterInput => ({
  ...RS, locale, kind: 'award-rejected', appealDeadline: '2026-03-30',
  reasons: ['The damage claimed is not shown by the documents submitted.'], appealInstructions: 'Appeal to the Fund\'s appeal panel.',
});
const appealDecided = (locale: 'en' | 'sr-Latn'): LetterInput => ({
  ...RS, locale, kind: 'appeal-decided', outcome: 'increased', decidedOn: '2026-04-10', netAward: { amountMinor: 190_000_000, currency: 'RSD' },
});
const informationRequested = (locale: 'en' | 'sr-Latn'): LetterInput => ({
  ...RS, locale, kind: 'information-requested', request: 2, question: 'Send the medical report of March 2025.', dueOn: '2026-03-27',
});

/** What each letter must say, per locale, read back from its PDF. */
const EXPECTED: { name: string; input: (l: 'en' | 'sr-Latn') => LetterInput; en: string[]; 'sr-Latn': string[] }[] = [
  {
    name: 'award approved', input: approved,
    en: ['Decision on the application for compensation', 'RSD 1,700,000.50', 'one million seven hundred thousand dinars and fifty para', 'Right to appeal', 'March 30, 2026', 'Europe/Belgrade'],
    'sr-Latn': ['Rešenje o zahtevu za naknadu štete', '1.700.000,50 RSD', 'jedan milion sedamsto hiljada dinara i pedeset para', 'Pouka o pravnom leku', 'najkasnije 30. 3. 2026.', 'Datum: 13. 3. 2026.'],
  },
  {
    name: 'award rejected', input: rejected,
    en: ['The Fund rejects the application for compensation.', 'The damage claimed is not shown', 'Appeal to the Fund\'s appeal panel.', 'no later than March 30, 2026'],
    'sr-Latn': ['Fond odbija zahtev za naknadu štete.', 'Obrazloženje', 'Žalba mora stići Fondu najkasnije 30. 3. 2026.'],
  },
  {
    name: 'appeal decided', input: appealDecided,
    en: ['Decision on the appeal', 'increases the compensation to RSD 1,900,000.00', 'one million nine hundred thousand dinars', 'April 10, 2026'],
    'sr-Latn': ['Rešenje po žalbi', 'povećava naknadu na iznos od 1.900.000,00 RSD', 'jedan milion devetsto hiljada dinara', 'O žalbi je odlučeno 10. 4. 2026.'],
  },
  {
    name: 'information requested', input: informationRequested,
    en: ['Request for information (no. 2)', 'Send the medical report of March 2025.', 'no later than March 27, 2026'],
    'sr-Latn': ['Zahtev za dostavljanje podataka (br. 2)', 'Send the medical report of March 2025.', 'najkasnije 27. 3. 2026.'],
  },
];

t.test('each kind of letter, in English and Serbian (Latin), read back from its PDF', async (t) => {
  for (const kind of EXPECTED) {
    for (const locale of ['en', 'sr-Latn'] as const) {
      const pdf = await renderLetter(kind.input(locale));
      t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', `${kind.name} ${locale}: a PDF`);
      const text = await pdfText(pdf);
      for (const expected of kind[locale]) t.ok(text.includes(expected), `${kind.name} ${locale}: "${expected}"`);
      t.ok(text.includes('RS-2026-1A2B3C4D'), `${kind.name} ${locale}: the public reference`);
      const other = locale === 'en' ? /Fond za naknadu|Broj predmeta/ : /Compensation Fund|Reference:/;
      t.notMatch(text, other, `${kind.name} ${locale}: nothing of the other language`);
      t.notMatch(text, UNSAYABLE, `${kind.name} ${locale}: says nothing of why the applicant is entitled`);
      t.notMatch(text, /[^.]\.\.(?!\.)/, `${kind.name} ${locale}: a date that ends a sentence ends it with its own period`);
    }
  }
});

t.test('the first lines (what whoever collects the post sees) hold the fund, the addressee and the reference only', async (t) => {
  const blocks = composeLetter(approved('en')).blocks.slice(0, 5).map((b) => b.text);
  t.same(blocks, [
    'Compensation Fund (Republic of Serbia)', 'Personal and confidential',
    'To the applicant in case RS-2026-1A2B3C4D, through their authorised representative', 'Date: March 13, 2026', 'Reference: RS-2026-1A2B3C4D',
  ]);
});

t.test('Cyrillic and the region\'s Latin letters survive the font: Serbian Cyrillic, Macedonian, Albanian', async (t) => {
  const cyrl = await pdfText(await renderLetter(approved('sr-Cyrl')));
  t.ok(cyrl.includes('Решење о захтеву за накнаду штете'), 'Serbian Cyrillic title');
  t.ok(cyrl.includes('један милион седамсто хиљада динара и педесет пара'), 'the amount in Cyrillic words');
  t.ok(cyrl.includes('Поука о правном леку'));
  const question = 'ђ ћ џ љ њ ѓ ќ ѕ ј č ć đ š ž ë ç';
  const mk = await pdfText(await renderLetter({ ...RS, jurisdiction: 'MK', timeZone: 'Europe/Skopje', locale: 'mk', kind: 'information-requested', request: 1, question, dueOn: '2026-03-27' }));
  t.ok(mk.includes('Барање за информации (бр. 1)'), 'Macedonian title');
  // pdftotext may drop the spaces between one-letter words: compare the letters.
  t.ok(mk.replace(/ /g, '').includes(question.replace(/ /g, '')), 'every Serbian and Macedonian Cyrillic letter and the Latin diacritics come back');
  const sq = await pdfText(await renderLetter({ ...RS, jurisdiction: 'AL', timeZone: 'Europe/Tirane', locale: 'sq', kind: 'award-rejected', reasons: ['Kërkesa është paraqitur me vonesë.'], appealInstructions: 'Ankimi bëhet pranë Fondit.', appealDeadline: '2026-03-30' }));
  t.ok(sq.includes('Fondi e refuzon kërkesën për kompensim.'), 'Albanian ë');
  t.ok(sq.includes('çështjen'), 'Albanian ç');
});

t.test('the same letter renders to the same bytes (its hash identifies it); another letter does not', async (t) => {
  const hash = async (input: LetterInput) => createHash('sha256').update(await renderLetter(input)).digest('hex');
  t.equal(await hash(approved('en')), await hash(approved('en')));
  t.not(await hash(approved('en')), await hash({ ...approved('en'), appealDeadline: '2026-03-31' } as LetterInput));
});

t.test('a letter\'s bytes do not depend on the letters rendered before it in the process (they share the fonts)', async (t) => {
  /** The SHA-256 of the last of `inputs`, rendered in turn by a fresh process. */
  const lastHash = async (...inputs: LetterInput[]) => (await run(process.execPath, [
    ...process.execArgv.filter((a) => !a.includes('@tapjs/processinfo')), fileURLToPath(new URL('fixtures/render-in-turn.ts', import.meta.url)), JSON.stringify(inputs),
  ])).stdout;
  const alone = await lastHash(approved('en'));
  t.match(alone, /^[0-9a-f]{64}$/);
  // English "fi" is set as the fi ligature: the text its glyph stands for must come from this letter, not from an earlier letter's U+FB01.
  const ligatures = { ...informationRequested('en'), question: 'The ﬁnal report, the ﬂat rate and the ﬀ ﬃ ﬄ forms.' } as LetterInput;
  const otherAmount = { ...approved('en'), netAward: { amountMinor: 1, currency: 'EUR' } } as LetterInput;
  t.equal(await lastHash(ligatures, approved('sr-Cyrl'), otherAmount, approved('en')), alone, 'after letters with ligature characters, in another script, with another amount');
});
