/** The fund's languages: negotiation, Intl formatting (Montenegrin's fallback), compiling and checking catalogues. */
import t from 'tap';
import {
  CompiledCatalogue, INTL_LOCALE, LOCALES, checkCatalogues, formatDateTimeZoned, formatInstantDate, formatLocalDate, formatMoney, intlLocale, isLocale, negotiateLocale,
} from '../src/index.ts';

t.test('negotiation: the first wish we can serve, with fallbacks; English last', async (t) => {
  t.equal(negotiateLocale(['sr-Cyrl', 'sq']), 'sr-Cyrl', 'the person\'s choice first');
  t.equal(negotiateLocale([undefined, null, 'sq']), 'sq', 'no choice: the next (the scheme\'s language)');
  t.equal(negotiateLocale([]), 'en', 'nothing: English');
  t.equal(negotiateLocale(['de-AT', 'not a tag!', 'fr']), 'en', 'languages we do not write, and malformed tags, are skipped');
  t.equal(negotiateLocale(['sr']), 'sr-Latn', 'Serbian without a script: Latin');
  t.equal(negotiateLocale(['sr-RS']), 'sr-Latn');
  t.equal(negotiateLocale(['sr-Cyrl-RS']), 'sr-Cyrl');
  t.equal(negotiateLocale(['sr-ME']), 'cnr', 'Serbian of Montenegro: Montenegrin');
  t.equal(negotiateLocale(['sq-XK']), 'sq');
  t.equal(negotiateLocale(['mk-MK']), 'mk');
  t.equal(negotiateLocale(['en-GB']), 'en');
  t.equal(negotiateLocale(['hr-BA']), 'hr');
  t.equal(negotiateLocale(['sr-Cyrl'], ['en', 'sr-Latn']), 'sr-Latn', 'a subset (the console\'s): Cyrillic falls back to Latin');
  t.equal(negotiateLocale(['cnr'], ['en', 'sr-Latn']), 'sr-Latn', 'Montenegrin falls back to Serbian Latin');
  t.equal(negotiateLocale(['sq', 'sr'], ['en', 'sr-Latn']), 'sr-Latn', 'a language the subset lacks is skipped');
  t.ok(LOCALES.every(isLocale) && !isLocale('sr') && !isLocale(42));
});

t.test('formatting through Intl: money, local dates, instants in the scheme\'s zone; cnr through sr-Latn-ME', async (t) => {
  t.equal(INTL_LOCALE.cnr, 'sr-Latn-ME');
  t.equal(intlLocale('cnr'), 'sr-Latn-ME');
  t.equal(intlLocale('de'), 'de', 'another tag as it is');
  t.equal(formatLocalDate('cnr', '2026-04-06', 'full'), 'ponedeljak, 6. april 2026.', 'Montenegrin dates: Latin, as Serbian of Montenegro');
  t.equal(formatLocalDate('mk', '2026-04-06', 'full'), 'понеделник, 6 април 2026 г.');
  t.equal(formatLocalDate('sq', '2026-04-06', 'full'), 'e hënë, 6 prill 2026');
  t.equal(formatLocalDate('sr-Cyrl', '2026-04-06', 'full'), 'понедељак, 6. април 2026.');
  t.equal(formatLocalDate('hr', '2026-04-06', 'long'), '6. travnja 2026.');
  t.equal(formatInstantDate('en', '2026-03-28T23:30:00Z', 'Europe/Belgrade', 'long'), 'March 29, 2026', 'an instant is a date in the scheme\'s zone');
  t.equal(formatInstantDate('en', '2026-03-28T23:30:00Z', 'UTC', 'long'), 'March 28, 2026');
  t.match(formatDateTimeZoned('sr-Latn', '2026-07-01T10:00:00Z', 'Europe/Belgrade'), /12:00/, 'summer time');
  t.match(formatMoney('sr-Latn', { amountMinor: 123_456_789, currency: 'RSD' }), /^1\.234\.567,89\sRSD$/);
  t.match(formatMoney('en', { amountMinor: 50, currency: 'EUR' }), /^€0\.50$/);
  t.match(formatMoney('sq', { amountMinor: 123_456_789, currency: 'ALL' }), /^1\s234\s567,89\sLekë$/);
});

t.test('catalogues: compiled once; the checker finds every kind of problem', async (t) => {
  const en = { hello: 'Hello {name}', days: '{n, plural, one {# day} other {# days}}', tag: 'See <b>this</b>' };
  const good = { hello: 'Zdravo {name}', days: '{n, plural, one {# dan} few {# dana} other {# dana}}', tag: 'Vidi <b>ovo</b>' };
  const c = new CompiledCatalogue('sr-Latn', good);
  t.equal(c.format('days', { n: 21 }), '21 dan');
  t.equal(c.format('days', { n: 22 }), '22 dana');
  t.equal(c.format('tag'), 'Vidi <b>ovo</b>', 'tags are text');
  t.throws(() => c.format('hello'), 'a missing value throws rather than printing a hole');
  t.throws(() => new CompiledCatalogue('en', { broken: 'Hello {name' }), /en message broken does not compile/);
  t.same(checkCatalogues({ en, 'sr-Latn': good }), []);
  const problems = checkCatalogues({
    en,
    'sr-Latn': { hello: 'Zdravo {ime}', days: '{n, plural, one {# dan} other {# dana}}', extra: 'x' },
    sq: { hello: 'Tungjatjeta {name', days: '{n, plural, one {# ditë} other {# ditë}}', tag: 'Shih' },
  }).map((p) => `${p.locale} ${p.id} ${p.problem}`);
  t.same(problems.sort(), [
    'sq hello compile', 'sr-Latn days plural-forms', 'sr-Latn extra unknown', 'sr-Latn hello placeholders', 'sr-Latn tag missing',
  ]);
  t.same(checkCatalogues({ sq: {} }).map((p) => p.problem), ['missing'], 'no English: the reference is missing');
});
