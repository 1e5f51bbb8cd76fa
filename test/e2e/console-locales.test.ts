/**
 * The console in the region's languages, in a real browser (chromium) against the whole system:
 * a browser set to Albanian gets the console in Albanian from the start; the lawyer switches to
 * Serbian Cyrillic, Macedonian and Montenegrin and sees each screen in it, axe-core passing each time.
 * Only the chosen languages' catalogues are ever downloaded. The language chosen becomes the lawyer's
 * notification language.
 */
import t from 'tap';
import { checkAccessibility, startConsoleInBrowser } from './browser.ts';

/** A locale catalogue's chunk, by the name the bundler gives it (`sq-<hash>.js`). */
const CATALOGUE_CHUNK = /\/assets\/(en|sr-Latn|sr-Cyrl|bs|cnr|hr|sq|mk)-[\w-]{8}\.js$/;

/** The words of `text` written in Latin letters, but codes (a digit, or two capitals running: ID, IBAN). */
const latinWords = (text: string) => (text.match(/[\p{L}\p{N}]+(?:[.-][\p{L}\p{N}]+)*/gu) ?? [])
  .filter((w) => /[A-Za-z]/.test(w) && !/\p{N}|\p{Lu}\p{Lu}/u.test(w));

t.test('the console in Albanian, Serbian Cyrillic and Macedonian, each catalogue fetched when chosen', async (t) => {
  const run = await startConsoleInBrowser(t);
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { base, pageErrors } = run;
  // A browser whose language is Albanian (of Kosovo).
  const page = await run.newPage({ locale: 'sq-XK' });
  const catalogues: string[] = [];
  page.on('request', (r) => { const m = CATALOGUE_CHUNK.exec(new URL(r.url()).pathname); if (m) catalogues.push(m[1]!); });

  await page.goto(`${base}/sign-in`);
  await page.getByRole('heading', { name: 'Hyrja' }).waitFor();
  t.equal(await page.evaluate('document.documentElement.lang'), 'sq', 'the browser\'s language chooses Albanian');
  t.same(catalogues, ['sq'], 'only the Albanian catalogue was fetched, not even English');
  await checkAccessibility(t, page, 'sign-in in Albanian');
  await run.shoot(page, 'locale-sq-sign-in');

  await page.getByRole('button', { name: /^Hyni si Demo Lawyer avokat · Serbia$/ }).click();
  await page.getByRole('heading', { name: 'Kërkesat e mia' }).waitFor();
  await page.getByText('Ende nuk keni paraqitur asnjë kërkesë.').waitFor();
  t.equal(await page.getByRole('link', { name: 'Paraqit një kërkesë' }).count(), 1, 'the navigation in Albanian');
  await checkAccessibility(t, page, 'my claims in Albanian');
  await run.shoot(page, 'locale-sq-claims');

  // The browser's language is not a choice: the notification service has none for the lawyer yet.
  const settings = () => page.evaluate("fetch('/api/notifications/notification-settings').then((r) => r.json())") as Promise<{ locale: string | null }>;
  t.same(await settings(), { locale: null }, 'no notification language chosen before the lawyer chooses one');

  // Serbian Cyrillic: derived from Serbian Latin, so both chunks come.
  await page.getByLabel('Gjuha').selectOption('sr-Cyrl');
  await page.getByRole('heading', { name: 'Моји захтеви' }).waitFor();
  await page.getByText('Још нисте поднели ниједан захтев.').waitFor();
  t.equal(await page.evaluate('document.documentElement.lang'), 'sr-Cyrl');
  t.same(latinWords(await page.locator('main').innerText()), [], 'no Latin word on the page, codes (ID) aside');
  await checkAccessibility(t, page, 'my claims in Serbian Cyrillic');
  await run.shoot(page, 'locale-sr-cyrl-claims');

  await page.getByLabel('Језик').selectOption('mk');
  await page.getByRole('heading', { name: 'Мои барања' }).waitFor();
  t.equal(await page.evaluate('document.documentElement.lang'), 'mk');
  await checkAccessibility(t, page, 'my claims in Macedonian');

  // Montenegrin: its own tag on the page (a valid one for axe), plural rules and numbers of sr-Latn-ME.
  await page.getByLabel('Јазик').selectOption('cnr');
  await page.getByRole('heading', { name: 'Moji zahtjevi' }).waitFor();
  t.equal(await page.evaluate('document.documentElement.lang'), 'cnr');
  await checkAccessibility(t, page, 'my claims in Montenegrin');

  // The choice is kept: a reload opens in Montenegrin, whatever the browser's language.
  await page.reload();
  await page.getByRole('heading', { name: 'Moji zahtjevi' }).waitFor();
  // The language chosen in the console is the lawyer's: their notifications follow it.
  let chosen = await settings();
  for (let i = 0; i < 50 && chosen.locale !== 'cnr'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    chosen = await settings();
  }
  t.same(chosen, { locale: 'cnr' }, 'the notification service has the language last chosen in the console');
  t.same([...new Set(catalogues)].sort(), ['cnr', 'mk', 'sq', 'sr-Cyrl', 'sr-Latn'], 'the catalogues of the languages chosen, and no other');
  t.same(pageErrors, [], 'no script error and no CSP violation in the page');
});
