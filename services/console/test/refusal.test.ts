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
  t.equal(refusalSentence(serbian, { status: 409, code: 'budget-exceeded', detail: 'x', details: { year: 2026, available: 0, needed: 5 } }),
    'Budžet fonda za 2026 ovo ne pokriva.', 'a year as written, not as a grouped number');
  t.equal(refusalSentence(albanian, { status: 403, code: 'four-eyes', detail: 'The person who assessed a claim cannot approve it.' }),
    'Këtë duhet ta bëjë një person tjetër: ju morët pjesë në hapin që kontrollohet.', 'an authorization refusal too');
});

t.test('given a refusal the catalogue cannot word, when it is shown, then it is the API\'s own sentence', async (t) => {
  t.equal(refusalSentence(serbian, { status: 409, code: 'a-code-from-the-future', detail: 'A new rule refused it.' }), 'A new rule refused it.', 'an unknown code');
  t.equal(refusalSentence(serbian, { status: 409, code: 'above-cap', detail: 'The award cannot exceed the cap.' }), 'The award cannot exceed the cap.', 'facts left out: no sentence with a hole');
  t.equal(refusalSentence(serbian, { status: 409, detail: 'No code.' }), 'No code.', 'no code at all');
  t.equal(refusalSentence(serbian, { status: 409, title: 'Conflict' }), 'Conflict', 'no sentence: the title');
});
