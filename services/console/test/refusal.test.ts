/**
 * A refusal in the user's language (web/src/i18n/refusal.ts): the domain's code worded by the
 * catalogue, its facts (amounts, dates) through Intl; the API's own sentence for an unknown code or
 * for facts the API left out.
 */
import t from 'tap';
import { createIntl } from 'react-intl';
import { refusalSentence } from '../web/src/i18n/refusal.ts';
import { srLatn } from '../web/src/i18n/sr-Latn.ts';
import { messages as sq } from '../web/src/i18n/sq.ts';
import { en } from '../web/src/i18n/en.ts';
import { formattingLocale } from '../web/src/i18n/locales.ts';

const serbian = createIntl({ locale: formattingLocale('sr-Latn'), messages: srLatn });
const albanian = createIntl({ locale: formattingLocale('sq'), messages: sq });

t.test('given a refusal with a known code, when it is shown, then it is in the user\'s language with its facts through Intl', async (t) => {
  const cap = { amountMinor: 150_000_00, currency: 'RSD' };
  const said = refusalSentence(serbian, { status: 409, code: 'above-cap', detail: 'The award cannot exceed the scheme\'s cap of 15000000 RSD (minor units).', details: { cap } });
  t.match(said, /^Naknada ne može biti veća od gornje granice šeme od 150\.000,00\sRSD\.$/, 'the cap as an amount in Serbian');
  const late = refusalSentence(albanian, { status: 409, code: 'late-filing', detail: 'The deadline to apply was 2026-01-05; …', details: { deadline: '2026-01-05' } });
  t.match(late, /^Afati për aplikim ishte .*2026.*; një aplikim i vonuar/, 'the deadline as a date in Albanian');
  t.notMatch(late, /2026-01-05/, 'not the ISO date');
  t.match(refusalSentence(serbian, { status: 409, code: 'budget-exceeded', detail: 'x', details: { year: 2026, available: { amountMinor: 0, currency: 'EUR' }, needed: { amountMinor: 500_000, currency: 'EUR' } } }),
    /^Budžet fonda za 2026 ovo ne pokriva: preostalo je 0,00\s€, potrebno je 5\.000,00\s€\.$/, 'a year as written, not as a grouped number; the amounts in euro');
  t.equal(refusalSentence(albanian, { status: 403, code: 'four-eyes', detail: 'The person who assessed a claim cannot approve it.' }),
    'Këtë duhet ta bëjë një person tjetër: ju morët pjesë në hapin që kontrollohet.', 'an authorization refusal without its rule: the family\'s sentence');
});

t.test('given a four-eyes refusal naming its rule, when it is shown, then it says which step the user took part in and who acts instead', async (t) => {
  const english = createIntl({ locale: 'en', messages: en });
  const fourEyes = (rule: string, facts: Record<string, unknown> = {}) => ({ status: 403, code: 'four-eyes', detail: 'The API\'s sentence.', details: { rule, ...facts } });
  t.equal(refusalSentence(english, fourEyes('assessor-approves')), 'You assessed this claim, so another approver must approve it.');
  t.equal(refusalSentence(english, fourEyes('preparer-releases-run')), 'You prepared this payment run, so another finance officer must release it.');
  t.equal(refusalSentence(english, fourEyes('approver-pays-advance', { advance: 2 })), 'You approved advance 2, so another finance officer must pay it out.', 'the advance named');
  t.equal(refusalSentence(serbian, fourEyes('requester-confirms-payee', { change: 3 })), 'Vi ste zatražili promenu primaoca 3, pa je mora potvrditi druga osoba.', 'the change named, in Serbian');
  t.equal(refusalSentence(albanian, { status: 403, code: 'already-approved', detail: 'x', details: { rule: 'approves-appeal-twice' } }),
    'E keni miratuar tashmë këtë vendim për ankesën, prandaj miratimi i dytë duhet të vijë nga një miratues tjetër.', 'the other code of the family');
  t.equal(refusalSentence(english, fourEyes('a-rule-from-the-future')), 'A second person must do this: you took part in the step it checks.', 'a rule not known here: the family\'s sentence');
  t.equal(refusalSentence(english, fourEyes('approver-pays-advance')), 'The API\'s sentence.', 'the advance left out: no sentence with a hole');
});

t.test('given a refusal naming amounts, when it is shown, then each amount is in the user\'s locale with its currency', async (t) => {
  const english = createIntl({ locale: 'en', messages: en });
  const rsd = (amountMinor: number) => ({ amountMinor, currency: 'RSD' });
  t.match(refusalSentence(english, { status: 409, code: 'below-paid', detail: 'x', details: { paid: rsd(300_000_00) } }), /^The award is less than the RSD\s300,000\.00 already paid\.$/);
  t.match(refusalSentence(english, { status: 409, code: 'recovery-exceeds-paid', detail: 'x', details: { paid: rsd(566_666_67) } }), /^The fund cannot recover more than the RSD\s566,666\.67 it has paid\.$/);
  t.match(refusalSentence(serbian, { status: 409, code: 'disbursement-exceeds-commitment', detail: 'x', details: { outstanding: rsd(0) } }),
    /^Isplata mora biti pokrivena sredstvima rezervisanim za naknadu: rezervisano je 0,00\sRSD\.$/);
  t.match(refusalSentence(albanian, { status: 409, code: 'above-claimed', detail: 'x', details: { head: 'medical-costs', claimed: rsd(200_000_00), assessed: rsd(200_000_01) } }),
    /^Shuma e vlerësuar, 200[.\s]000,01\sRSD, është më e madhe se 200[.\s]000,00\sRSD /);
});

t.test('given a refusal the catalogue cannot word, when it is shown, then it is the API\'s own sentence', async (t) => {
  t.equal(refusalSentence(serbian, { status: 409, code: 'a-code-from-the-future', detail: 'A new rule refused it.' }), 'A new rule refused it.', 'an unknown code');
  t.equal(refusalSentence(serbian, { status: 409, code: 'above-cap', detail: 'The award cannot exceed the cap.' }), 'The award cannot exceed the cap.', 'facts left out: no sentence with a hole');
  t.equal(refusalSentence(serbian, { status: 409, detail: 'No code.' }), 'No code.', 'no code at all');
  t.equal(refusalSentence(serbian, { status: 409, title: 'Conflict' }), 'Conflict', 'no sentence: the title');
});
