/**
 * Every locale of the console has every message, each compiles as ICU MessageFormat and takes
 * the same arguments as the English one; every role, jurisdiction, status, form of
 * exploitation and head of damage the API can return has its words.
 */
import t from 'tap';
import { checkCatalogues } from '@cfund/i18n';
import { APPEAL_OUTCOMES, CLAIM_EVENTS, DOCUMENT_KINDS, EVIDENCE_KINDS, DAMAGE_HEADS, ENFORCEMENT_FAILURE_REASONS, FORMS_OF_EXPLOITATION, JURISDICTIONS, PAYEE_KINDS, ROLES, RULING_OUTCOMES } from '@cfund/contracts';
import { BankStatementsQuery, ClaimStatusSchema, PaymentRunsQuery } from '@cfund/projection-service';
import { en } from '../web/src/i18n/en.ts';
import { srLatn } from '../web/src/i18n/sr-Latn.ts';
import { CLAIM_STATUSES } from '../web/src/components/statuses.ts';
import { RUN_STATUSES, STATEMENT_STATES } from '../web/src/routes.ts';

const LOCALES: Record<string, Record<string, string>> = { en, 'sr-Latn': srLatn };

t.test('every locale has exactly the English keys, each message compiles with the same arguments', async (t) => {
  const keys = Object.keys(en).sort();
  for (const [locale, messages] of Object.entries(LOCALES)) t.same(Object.keys(messages).sort(), keys, `${locale}: the same keys as en`);
  // The one checker of catalogues (@cfund/i18n): compiles, same placeholders as en, every plural form the language needs.
  t.same(checkCatalogues({ en, 'sr-Latn': srLatn }), [], 'no problem in any locale');
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

t.test('the list filters by every status the API has, and by no other', async (t) => {
  t.same([...CLAIM_STATUSES].sort(), [...ClaimStatusSchema.options].sort());
});

t.test('the lists of payment runs and bank statements filter by every status and state the API has, and by no other', async (t) => {
  t.same([...RUN_STATUSES], PaymentRunsQuery.shape.status.unwrap().options);
  t.same([...STATEMENT_STATES], BankStatementsQuery.shape.state.unwrap().options);
});

t.test('plural forms follow each language: Serbian has "few"', async (t) => {
  const { IntlMessageFormat } = await import('intl-messageformat');
  const count = (locale: string, total: number) => new IntlMessageFormat(LOCALES[locale]!['claims.count']!, locale).format({ total });
  t.equal(count('en', 1), '1 claim');
  t.equal(count('en', 3), '3 claims');
  t.equal(count('sr-Latn', 1), '1 zahtev');
  t.equal(count('sr-Latn', 21), '21 zahtev');
  t.equal(count('sr-Latn', 3), '3 zahteva');
});

t.test('a message that does not compile, or lacks an argument, is caught', async (t) => {
  const broken = { ...srLatn, 'claims.count': '{total, plural, one {# zahtev}', 'app.signedInAs': 'Prijavljeni ste kao {ime}' };
  t.same(checkCatalogues({ en, 'sr-Latn': broken }).map((p) => `${p.id} ${p.problem}`).sort(), ['app.signedInAs placeholders', 'claims.count compile']);
});
