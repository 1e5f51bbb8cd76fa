/**
 * The console in a real browser (playwright-core driving Debian's chromium, headless) against the
 * whole system: the three services as processes (system.ts) and the console in front of them.
 * The lawyer signs in, files a claim (a negative amount first: the field error shows and nothing
 * is sent; then a date of birth in the future: the service's refusal shows beside the button),
 * finds it in "my claims" and opens it. axe-core checks every page (no serious or
 * critical violation); screenshots go to .tap/screenshots/console/.
 */
import t from 'tap';
import { checkAccessibility, framesDrawn, startConsoleInBrowser, uiLanguage } from './browser.ts';

// Distinctive, so that any copy of it in a log is found.
const VICTIM = 'Zorana Kvrgić-Testnović';

t.test('a lawyer files a claim in the console and finds it', async (t) => {
  const run = await startConsoleInBrowser(t);
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, base, consoleLogs, pageErrors } = run;
  const page = await run.newPage();
  const commandCalls: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/commands/')) commandCalls.push(`${r.method()} ${r.url()}`); });
  const shoot = (name: string) => run.shoot(page, name);

  // Signed out: the console sends us to sign in.
  await page.goto(base);
  await page.waitForURL(/\/sign-in$/);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByRole('button', { name: /Sign in as Demo Lawyer\b/ }).first().waitFor();
  await checkAccessibility(t, page, 'sign-in');
  await shoot('sign-in');

  await page.getByRole('button', { name: /^Sign in as Demo Lawyer lawyer · Serbia$/ }).click();
  await page.getByRole('heading', { name: 'My claims' }).waitFor();
  await page.getByText('You have filed no claims yet.').waitFor();
  t.equal(await page.evaluate('document.cookie'), '', 'the session cookie is not visible to scripts');
  t.same(await page.evaluate("[Object.keys(localStorage).filter((k) => k !== 'cfund.locale'), Object.keys(sessionStorage)]"), [[], []], 'nothing stored in the browser');
  await checkAccessibility(t, page, 'my claims (empty)');
  await shoot('my-claims-empty');

  // The form, with a negative amount: the schema refuses it here, nothing is sent.
  await page.getByRole('link', { name: 'File a claim' }).click();
  await page.getByRole('heading', { name: 'File a claim' }).waitFor();
  await page.getByLabel('Date of the incident').fill('2025-01-10');
  await page.getByLabel('Full name').fill(VICTIM);
  await page.getByLabel('Non-pecuniary damage').fill('-500');
  await page.getByRole('button', { name: 'File the claim' }).click();
  const amount = page.getByLabel('Non-pecuniary damage');
  await page.getByText('Must be more than zero').waitFor();
  t.equal(await amount.getAttribute('aria-invalid'), 'true', 'the amount is marked invalid');
  await framesDrawn(page);
  t.equal(await page.evaluate('document.activeElement?.getAttribute("name")'), 'head.non-pecuniary', 'the focus is on the field to correct');
  t.same(commandCalls, [], 'nothing was sent');
  await checkAccessibility(t, page, 'file a claim (with a field error)');
  await shoot('file-claim-error');

  // A rule of the domain (not of the schema): its sentence shows beside the button.
  await amount.fill('1500.50');
  await page.getByLabel('Date of birth (optional)').fill('2190-01-01');
  await page.getByRole('button', { name: 'File the claim' }).click();
  await page.getByText('Not filed: The date of birth cannot be after the filing date.').waitFor();
  t.same(commandCalls.map((c) => c.replace(base, '')), ['POST /api/commands/claims'], 'sent, and refused by the service');
  await checkAccessibility(t, page, 'file a claim (refused)');
  await shoot('file-claim-refused');

  // The same refusal in Albanian: the domain's rule in the user's words, not the API's English inside an Albanian frame.
  await uiLanguage(page).selectOption('sq');
  await page.getByRole('button', { name: 'Paraqit kërkesën' }).click();
  await page.getByText('Nuk u paraqit: Data e lindjes nuk mund të jetë pas datës së paraqitjes.', { exact: true }).waitFor();
  t.notOk((await page.content()).includes('The date of birth cannot be after'), 'no English left in the refusal');
  await checkAccessibility(t, page, 'file a claim (refused, in Albanian)');
  await page.setViewportSize({ width: 390, height: 844 });
  await checkAccessibility(t, page, 'file a claim (refused, in Albanian, on a phone)');
  await shoot('file-claim-refused-sq');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('combobox', { name: /^Gjuha/ }).selectOption('en');
  await page.getByRole('button', { name: 'File the claim' }).waitFor();

  // Corrected, from the keyboard: the claim is filed and its page opens.
  await page.getByLabel('Date of birth (optional)').fill('1990-02-03');
  await amount.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/claims\/[0-9a-f-]{36}$/);
  const heading = page.getByRole('heading', { name: /^Claim RS-\d{4}-/ });
  await heading.waitFor({ timeout: 15_000 });
  const reference = (await heading.textContent())!.replace(/^Claim /, '');
  t.equal(await page.getByTestId('claim-status').textContent(), 'Filed');
  t.match(await page.getByTestId('claim-claimed').textContent(), /^RSD\s1,500\.50$/, 'the amount through Intl in en-GB');
  t.equal(commandCalls.length, 3, 'the command refused twice, and the filing');
  t.notOk((await page.content()).includes(VICTIM), 'no personal data on the claim page');
  await checkAccessibility(t, page, 'claim page');
  await shoot('claim');

  // In "my claims", then opened from there.
  await page.getByRole('link', { name: 'My claims' }).click();
  const row = page.getByRole('link', { name: `Open claim ${reference}` });
  await row.waitFor();
  await page.getByText('1 claim', { exact: true }).waitFor();
  await checkAccessibility(t, page, 'my claims');
  await shoot('my-claims');
  await row.click();
  await page.getByRole('heading', { name: `Claim ${reference}` }).waitFor();

  // Serbian (Latin): the same page in the other language, amounts in its format.
  await uiLanguage(page).selectOption('sr-Latn');
  await page.getByRole('heading', { name: `Zahtev ${reference}` }).waitFor();
  t.equal(await page.getByTestId('claim-status').textContent(), 'Podnet');
  t.match(await page.getByTestId('claim-claimed').textContent(), /1\.500,50/);
  t.equal(await page.evaluate('document.documentElement.lang'), 'sr-Latn');
  await checkAccessibility(t, page, 'claim page in Serbian');
  await shoot('claim-sr');

  // A phone's width: no horizontal scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  t.ok(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), 'fits 390 px');
  await shoot('claim-phone');

  t.same(pageErrors, [], 'no script error and no CSP violation in the page');
  t.notOk(consoleLogs.join('\n').includes(VICTIM), 'the victim\'s name is in no log of the console');
  t.notMatch(consoleLogs.join('\n'), /eyJ[\w-]+\.eyJ/, 'nor any token');
  t.notOk((await system.logs()).includes(VICTIM), 'nor in the services\' logs');
});
