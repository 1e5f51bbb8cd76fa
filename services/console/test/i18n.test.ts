/**
 * Every locale of the console has every message, each compiles as ICU MessageFormat, takes the
 * same arguments as the English one and has the plural forms its language needs; every role,
 * jurisdiction, status, form of exploitation and head of damage the API can return has its words.
 */
import t from 'tap';
import { IntlMessageFormat } from 'intl-messageformat';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { checkCatalogues, LOCALES as FUND_LOCALES, type Locale } from '@cfund/i18n';
import { APPEAL_OUTCOMES, CLAIM_EVENTS, DOCUMENT_KINDS, EVIDENCE_KINDS, DAMAGE_HEADS, ENFORCEMENT_FAILURE_REASONS, FORMS_OF_EXPLOITATION, JURISDICTIONS, PAYEE_KINDS, ROLES, RULING_OUTCOMES } from '@cfund/contracts';
import { DOMAIN_ERROR_CODES, FOUR_EYES_RULES } from '@cfund/domain';
import { BankStatementsQuery, ClaimStatusSchema, PaymentRunsQuery } from '@cfund/projection-service';
import { en } from '../web/src/i18n/en.ts';
import { srLatn } from '../web/src/i18n/sr-Latn.ts';
import { messages as srCyrl } from '../web/src/i18n/sr-Cyrl.ts';
import { messages as bs } from '../web/src/i18n/bs.ts';
import { messages as cnr } from '../web/src/i18n/cnr.ts';
import { messages as hr } from '../web/src/i18n/hr.ts';
import { messages as sq } from '../web/src/i18n/sq.ts';
import { messages as mk } from '../web/src/i18n/mk.ts';
import { formattingLocale, loadMessages, LOCALES, preferredLocale } from '../web/src/i18n/locales.ts';
import { CLAIM_STATUSES } from '../web/src/components/statuses.ts';
import { RUN_STATUSES, STATEMENT_STATES } from '../src/routes.ts';

const CATALOGUES: Record<Locale, Record<string, string>> = { en, 'sr-Latn': srLatn, 'sr-Cyrl': srCyrl, bs, cnr, hr, sq, mk };

t.test('the console speaks every locale of the fund, each loaded on its own', async (t) => {
  t.same([...LOCALES], [...FUND_LOCALES], 'the language switcher offers every locale of @cfund/i18n');
  for (const locale of LOCALES) t.equal(await loadMessages(locale), CATALOGUES[locale], `${locale}: its catalogue`);
});

t.test('every locale has exactly the English keys, each message compiles with the same arguments and plural forms', async (t) => {
  const keys = Object.keys(en).sort();
  for (const [locale, messages] of Object.entries(CATALOGUES)) t.same(Object.keys(messages).sort(), keys, `${locale}: the same keys as en`);
  // The one checker of catalogues (@cfund/i18n): compiles, same placeholders as en, every plural form the language needs.
  t.same(checkCatalogues(CATALOGUES), [], 'no problem in any locale');
});

t.test('the browser\'s languages give every locale', async (t) => {
  t.equal(preferredLocale(['sq-XK', 'en']), 'sq');
  t.equal(preferredLocale(['mk-MK']), 'mk');
  t.equal(preferredLocale(['sr-Cyrl-RS']), 'sr-Cyrl');
  t.equal(preferredLocale(['sr-RS']), 'sr-Latn');
  t.equal(preferredLocale(['sr-ME']), 'cnr');
  t.equal(preferredLocale(['cnr']), 'cnr');
  t.equal(preferredLocale(['bs-BA']), 'bs');
  t.equal(preferredLocale(['hr-HR']), 'hr');
  t.equal(preferredLocale(['de-DE', 'fr']), 'en', 'none of ours: English');
});

t.test('the words for every value the API returns exist', async (t) => {
  const needed = [
    ...ROLES.map((r) => `role.${r}`), ...JURISDICTIONS.map((j) => `jurisdiction.${j}`), ...ClaimStatusSchema.options.map((s) => `status.${s}`),
    ...FORMS_OF_EXPLOITATION.map((f) => `exploitation.${f}`), ...DAMAGE_HEADS.map((h) => `head.${h}`),
    // The auditor's timeline words every event of a claim; the court-track forms every outcome and reason.
    ...CLAIM_EVENTS.map((e) => `event.${e.type}`), ...RULING_OUTCOMES.map((o) => `outcome.${o}`), ...ENFORCEMENT_FAILURE_REASONS.map((r) => `enforcement.${r}`),
    ...APPEAL_OUTCOMES.map((o) => `appealOutcome.${o}`),
    ...EVIDENCE_KINDS.map((k) => `evidence.${k}`), ...DOCUMENT_KINDS.map((k) => `documentKind.${k}`),
    // A request for information's states (the claim detail's informationRequests).
    ...['open', 'answered', 'withdrawn'].map((s) => `rfi.status.${s}`),
    // The kinds of deadline GET /deadlines answers with.
    ...['fund-application', 'appeal', 'instalment'].map((k) => `deadline.${k}`),
    // A payment run's states (GET /payment-runs/{id}), and who a run pays.
    ...['prepared', 'released', 'cancelled'].map((s) => `runStatus.${s}`), ...PAYEE_KINDS.map((k) => `payeeKind.${k}`),
    // A bank statement's states in the list (GET /bank-statements).
    ...STATEMENT_STATES.map((s) => `statementState.${s}`),
    ...['ok', 'unkeyed', 'broken'].flatMap((s) => [`integrity.${s}`, `integrity.${s}.detail`]),
  ];
  for (const key of needed) t.ok(Object.hasOwn(en, key), key);
});

t.test('every refusal the domain can answer has its words, and no code the domain lacks has any', async (t) => {
  // The domain lists every code (DOMAIN_ERROR_CODES, its one home): a new code without words here fails.
  const codes = DOMAIN_ERROR_CODES.map((code) => `refusal.${code}`);
  // A refusal of the four-eyes family names its rule (FOUR_EYES_RULES, their one home): each rule has its own sentence.
  const rules = Object.entries(FOUR_EYES_RULES).map(([rule, { code }]) => `refusal.${code}.${rule}`);
  for (const key of [...codes, ...rules]) t.ok(Object.hasOwn(en, key), key);
  t.same(Object.keys(en).filter((k) => k.startsWith('refusal.')).sort(), [...codes, ...rules].sort(), 'no words for a code or rule the domain does not have');
  for (const [locale, messages] of Object.entries(CATALOGUES)) {
    const shared = rules.filter((key) => messages[key] === messages[key.slice(0, key.lastIndexOf('.'))]);
    t.same(shared, [], `${locale}: no rule falls back on its family's one sentence`);
    t.equal(new Set(rules.map((key) => messages[key])).size, rules.length, `${locale}: each rule a sentence of its own`);
  }
});

t.test('the list filters by every status the API has, and by no other', async (t) => {
  t.same([...CLAIM_STATUSES].sort(), [...ClaimStatusSchema.options].sort());
});

t.test('the lists of payment runs and bank statements filter by every status and state the API has, and by no other', async (t) => {
  t.same([...RUN_STATUSES], PaymentRunsQuery.shape.status.unwrap().options);
  t.same([...STATEMENT_STATES], BankStatementsQuery.shape.state.unwrap().options);
});

const count = (locale: Locale, total: number, key = 'claims.count') =>
  String(new IntlMessageFormat(CATALOGUES[locale][key]!, formattingLocale(locale)).format({ total, count: total, unread: total }));

t.test('plural forms follow each language', async (t) => {
  const counts = [1, 2, 5, 11, 21, 22, 25];
  t.same(counts.map((n) => count('en', n)), ['1 claim', '2 claims', '5 claims', '11 claims', '21 claims', '22 claims', '25 claims']);
  // South Slavic: one (1, 21; not 11), few (2-4, 22-24; not 12-14), other.
  const serbian = ['1 zahtev', '2 zahteva', '5 zahteva', '11 zahteva', '21 zahtev', '22 zahteva', '25 zahteva'];
  t.same(counts.map((n) => count('sr-Latn', n)), serbian);
  t.same(counts.map((n) => count('sr-Cyrl', n)), ['1 захтев', '2 захтева', '5 захтева', '11 захтева', '21 захтев', '22 захтева', '25 захтева']);
  for (const l of ['bs', 'cnr', 'hr'] as const) t.same(counts.map((n) => count(l, n)), serbian.map((s) => s.replace('zahtev', 'zahtjev')), `${l}: ijekavian`);
  t.same(counts.map((n) => count('sr-Latn', n, 'statement.entries')), ['1 stavka', '2 stavke', '5 stavki', '11 stavki', '21 stavka', '22 stavke', '25 stavki'], 'a feminine noun: one, few, other differ');
  t.same(counts.map((n) => count('hr', n, 'app.nav.inbox').replace(/^Poruke \((.*)\)$/, '$1')), ['1 nepročitana', '2 nepročitane', '5 nepročitanih', '11 nepročitanih', '21 nepročitana', '22 nepročitane', '25 nepročitanih']);
  // Macedonian: one for 1, 21, 31... (not 11), other otherwise.
  t.same(counts.map((n) => count('mk', n, 'claim.documents')), ['1 документ', '2 документи', '5 документи', '11 документи', '21 документ', '22 документи', '25 документи']);
  // Albanian: one for 1 only.
  t.same(counts.map((n) => count('sq', n)), ['1 kërkesë', '2 kërkesa', '5 kërkesa', '11 kërkesa', '21 kërkesa', '22 kërkesa', '25 kërkesa']);
  t.equal(count('sq', 0), 'Asnjë kërkesë', 'an explicit zero');
});

/** The text of a message (its literals, in every plural and select case), without placeholders and keywords. */
function textOf(elements: MessageFormatElement[]): string {
  return elements.map((e) => {
    if (e.type === TYPE.literal) return e.value;
    if (e.type === TYPE.plural || e.type === TYPE.select) return Object.values(e.options).map((o) => textOf(o.value)).join(' ');
    return ' ';
  }).join('');
}

t.test('Serbian Cyrillic is derived from Serbian Latin: no Latin letter but in codes', async (t) => {
  const latinWords = Object.entries(srCyrl).flatMap(([id, m]) => (textOf(parse(m)).match(/[\p{L}\p{N}]+(?:[.-][\p{L}\p{N}]+)*/gu) ?? [])
    .filter((w) => /[A-Za-z]/.test(w) && !/\p{N}|\p{Lu}\p{Lu}/u.test(w)).map((w) => `${id}: ${w}`));
  t.same(latinWords, [], 'every word in Cyrillic; only codes (IBAN, SHA-256, camt.053) stay Latin');
  t.equal(srCyrl['claim.title'], 'Захтев {reference}');
  t.equal(srCyrl['field.iban'], 'IBAN');
});

t.test('a message missing, not compiling, lacking an argument or a plural form is caught, in any locale', async (t) => {
  const brokenSr = { ...srLatn, 'claims.count': '{total, plural, one {# zahtev}', 'app.signedInAs': 'Prijavljeni ste kao {ime}' };
  const { 'claims.title': _, ...sqMissing } = sq;
  const hrNoFew = { ...hr, 'claim.documents': '{count, plural, one {# dokument} other {# dokumenata}}' };
  t.same(checkCatalogues({ ...CATALOGUES, 'sr-Latn': brokenSr, sq: sqMissing, hr: hrNoFew }).map((p) => `${p.locale} ${p.id} ${p.problem}`).sort(), [
    'hr claim.documents plural-forms', 'sq claims.title missing', 'sr-Latn app.signedInAs placeholders', 'sr-Latn claims.count compile',
  ]);
});
