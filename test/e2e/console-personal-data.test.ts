/**
 * The victim's personal data, its reads and its erasure, clicked through in the console, each
 * person in a browser context of their own. The lawyer files a claim, shows the victim's data
 * (an explicit, recorded read; nothing personal in the URL or the title), sets the victim's preferred
 * language (read back as the one in force; its form then starts on it, and saving it unchanged, or
 * "unchanged" while the data is hidden, sends nothing) and clears it, attaches evidence (the
 * file's SHA-256, never the file), records a payment from the offender, withdraws the claim and
 * reopens it, and narrows "my claims" with the API's filters. The auditor sees the claim as of an earlier revision (withdrawn) and before it
 * existed, and finds the lawyer's read in the reads of personal data. The data-protection
 * officer finds it too, erases the victim's data (after a confirmation), and the inbox counts the
 * notice of it; the lawyer's claim then reads [erased]. axe-core on every new page, screenshots
 * `pd-*.png` in .tap/screenshots/console/.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import type { Locator, Page } from 'playwright-core';
import { checkAccessibility, startConsoleInBrowser, uiLanguage } from './browser.ts';

// Distinctive, so that any copy of it in a log, a URL or a title is found.
const VICTIM = 'Jovanka Čitljivić-Testerka';
const TIME_ZONE = 'Europe/Belgrade';
const localDate = (daysFromNow: number) => new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(Date.now() + daysFromNow * 86_400_000));

t.test('personal data: a recorded read, the reads log, the as-of view, erasure and the inbox', async (t) => {
  const run = await startConsoleInBrowser(t);
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, base } = run;

  const { signIn } = run;
  const region = (page: Page, title: string): Locator => page.getByRole('region', { name: title, exact: true });
  const act = async (page: Page, title: string, submit: string, fields: Record<string, string> = {}) => {
    const form = region(page, title);
    for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
    await form.getByRole('button', { name: submit, exact: true }).click();
    await page.getByRole('status').getByText(`Done: ${title}.`, { exact: true }).waitFor();
  };
  const status = (page: Page) => page.getByTestId('claim-status').textContent();
  const fitsPhone = async (page: Page, what: string) => {
    await page.setViewportSize({ width: 390, height: 844 });
    t.ok(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), `${what} fits 390 px`);
    await page.setViewportSize({ width: 1280, height: 800 });
  };
  const nothingPersonalIn = async (page: Page, what: string) => {
    t.notOk(page.url().includes(VICTIM) || decodeURIComponent(page.url()).includes(VICTIM), `${what}: not in the URL`);
    t.notOk((await page.title()).includes(VICTIM), `${what}: not in the title`);
    t.same(await page.evaluate("[Object.keys(localStorage).filter((k) => k !== 'cfund.locale'), Object.keys(sessionStorage)]"), [[], []], `${what}: nothing stored`);
  };

  // ---- the lawyer files a claim and reads the victim's data, on purpose ---------------------
  const lawyer = await signIn('Demo Lawyer', 'My claims');
  await lawyer.getByRole('link', { name: 'File a claim' }).click();
  await lawyer.getByLabel('Date of the incident').fill(localDate(-400));
  await lawyer.getByLabel('Full name').fill(VICTIM);
  await lawyer.getByLabel('Non-pecuniary damage').fill('1500000');
  await lawyer.getByRole('button', { name: 'File the claim' }).click();
  const heading = lawyer.getByRole('heading', { name: /^Claim RS-\d{4}-/ });
  await heading.waitFor({ timeout: 15_000 });
  const reference = (await heading.textContent())!.replace(/^Claim /, '');
  const claimId = new URL(lawyer.url()).pathname.split('/').pop()!;

  const panel = region(lawyer, 'The victim\'s personal data');
  await panel.getByText('Each read is recorded').waitFor();
  t.notOk((await lawyer.content()).includes(VICTIM), 'no personal data before the user asks');
  await checkAccessibility(t, lawyer, 'claim page: personal data not shown yet');
  await panel.getByRole('button', { name: 'Show personal data (the read is recorded)' }).click();
  await lawyer.getByTestId('personal-data').getByText(VICTIM).waitFor();
  await nothingPersonalIn(lawyer, 'the data shown');
  await checkAccessibility(t, lawyer, 'claim page: personal data shown');
  await run.shoot(lawyer, 'pd-shown');
  await panel.getByRole('button', { name: 'Hide personal data' }).click();
  t.notOk((await lawyer.content()).includes(VICTIM), 'hidden again');

  // ---- the victim's preferred language: set, read back as the one in force, cleared ---------
  // Personal data: only in the command's body, never in the URL or any storage of the browser.
  const languageSent: string[] = [];
  lawyer.on('request', (r) => { if (r.url().endsWith('/preferred-language')) languageSent.push(r.postData() ?? ''); });
  const language = region(lawyer, 'The victim\'s preferred language');
  const UNCHANGED = 'Unchanged: the language in force (show the personal data to see it)';
  t.same(await language.getByLabel('Preferred language').locator('option').allTextContents(),
    [UNCHANGED, 'None: the scheme\'s language', 'English', 'Srpski (latinica)', 'Српски (ћирилица)', 'Bosanski', 'Crnogorski', 'Hrvatski', 'Shqip', 'Македонски'],
    'unchanged (the data not shown), none, or each locale named in its own language');
  t.equal(await language.getByLabel('Preferred language').inputValue(), 'keep', 'not shown: it starts on "unchanged", not on none');
  t.equal(await language.getByRole('option', { name: 'Shqip' }).getAttribute('lang'), 'sq', 'marked as Albanian for screen readers');
  t.equal(await language.getByRole('option', { name: UNCHANGED }).getAttribute('lang'), null, 'not a language');
  await language.getByRole('button', { name: 'Save', exact: true }).click();
  await language.getByRole('status').getByText('Nothing changed, so nothing was saved.', { exact: true }).waitFor();
  await checkAccessibility(t, lawyer, 'claim page: the victim\'s language offered');
  await lawyer.setViewportSize({ width: 390, height: 844 });
  await checkAccessibility(t, lawyer, 'claim page at 390 px: the victim\'s language offered');
  await fitsPhone(lawyer, 'the victim\'s language offered');
  await language.getByLabel('Preferred language').selectOption('sq');
  await act(lawyer, 'The victim\'s preferred language', 'Save');
  await panel.getByRole('button', { name: 'Show personal data (the read is recorded)' }).click();
  const inForce = lawyer.getByTestId('preferred-language');
  await inForce.getByText('Shqip', { exact: true }).waitFor();
  t.equal(await inForce.getAttribute('lang'), 'sq', 'the language in force, in its own words');
  await nothingPersonalIn(lawyer, 'the language set');
  t.equal(new URL(lawyer.url()).pathname + new URL(lawyer.url()).search + new URL(lawyer.url()).hash, `/claims/${claimId}`, 'the URL is the claim\'s alone');
  // Shown, the language in force is where its form starts: saving it unchanged sends nothing (it used to send none).
  t.equal(await language.getByLabel('Preferred language').inputValue(), 'sq', 'the form starts on the language in force');
  t.notOk((await language.getByLabel('Preferred language').locator('option').allTextContents()).includes(UNCHANGED), 'known: no "unchanged" choice');
  await language.getByRole('button', { name: 'Save', exact: true }).click();
  await language.getByRole('status').getByText('Nothing changed, so nothing was saved.', { exact: true }).waitFor();
  t.equal(await inForce.textContent(), 'Shqip', 'still in force');
  await checkAccessibility(t, lawyer, 'claim page: the victim\'s language in force');
  await run.shoot(lawyer, 'pd-language');
  await lawyer.setViewportSize({ width: 390, height: 844 });
  await checkAccessibility(t, lawyer, 'claim page at 390 px: the victim\'s language in force');
  await fitsPhone(lawyer, 'the victim\'s language in force');
  await panel.getByRole('button', { name: 'Hide personal data' }).click();
  t.equal(await language.getByLabel('Preferred language').inputValue(), 'keep', 'hidden again: the form no longer shows the language');
  await region(lawyer, 'The victim\'s preferred language').getByLabel('Preferred language').selectOption({ label: 'None: the scheme\'s language' });
  // The status still says the first save is done: wait for the claim's next revision instead.
  const before = await lawyer.getByText(/^Revision \d+$/).textContent();
  await act(lawyer, 'The victim\'s preferred language', 'Save');
  await lawyer.getByText(`Revision ${Number(before!.replace('Revision ', '')) + 1}`, { exact: true }).waitFor();
  await panel.getByRole('button', { name: 'Show personal data (the read is recorded)' }).click();
  await lawyer.getByTestId('preferred-language').getByText('None: the scheme\'s language', { exact: true }).waitFor();
  t.same(languageSent.map((b) => JSON.parse(b)), [{ preferredLanguage: 'sq' }, { preferredLanguage: null }], 'a locale, then null for none: nothing for either unchanged save');
  await panel.getByRole('button', { name: 'Hide personal data' }).click();

  // ---- the lawyer's actions beyond the court track ----------------------------------------
  // Evidence: the file's SHA-256 is computed in the browser; only the digest is sent.
  const document = 'Medical report of the victim, page 1 of 1.';
  const sent: string[] = [];
  lawyer.on('request', (r) => { if (r.url().endsWith('/evidence')) sent.push(r.postData() ?? ''); });
  const evidence = region(lawyer, 'Attach evidence');
  await evidence.getByLabel('Kind of document').selectOption('medical-report');
  await evidence.getByLabel('Title of the document', { exact: true }).fill('Medical report');
  await evidence.getByLabel('Document id (in your files or the document store)').fill('DOC-2026-0001');
  await evidence.getByLabel('The document', { exact: true }).setInputFiles({ name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.from(document) });
  const digest = createHash('sha256').update(document).digest('hex');
  await evidence.getByTestId('digest').getByText(`SHA-256: ${digest}`).waitFor();
  await evidence.getByRole('button', { name: 'Attach', exact: true }).click();
  await lawyer.getByRole('status').getByText('Done: Attach evidence.', { exact: true }).waitFor();
  t.equal(await lawyer.getByTestId('claim-evidence').textContent(), '1 document');
  t.equal(sent.length, 1, 'one request');
  t.match(sent[0], digest, 'the digest is sent');
  t.notMatch(sent[0], 'Medical report of the victim', 'the file is not');
  await act(lawyer, 'Record a payment from the offender', 'Record', { 'Amount received (RSD)': '25000', 'Received on': localDate(-10) });
  t.match(await lawyer.getByTestId('claim-offender-paid').textContent(), /^RSD\s25,000\.00$/, 'the offender\'s payment counts');
  await act(lawyer, 'Withdraw the claim', 'Withdraw', { 'Why it is withdrawn': 'The victim asked to pause the claim.' });
  t.equal(await status(lawyer), 'Withdrawn');
  await checkAccessibility(t, lawyer, 'claim page: a withdrawn claim');
  await run.shoot(lawyer, 'pd-withdrawn');
  await act(lawyer, 'Reopen the claim', 'Reopen', { 'Why it is reopened': 'The victim wishes to go on.' });
  t.equal(await status(lawyer), 'Filed');

  // "My claims", narrowed by the API: by status, then by text.
  await lawyer.getByRole('link', { name: 'My claims' }).click();
  const search = lawyer.getByRole('search', { name: 'Filter the claims' });
  await search.getByLabel('Status').selectOption('closed');
  await search.getByRole('button', { name: 'Show' }).click();
  await lawyer.getByText('No claim matches.').waitFor();
  t.match(lawyer.url(), /\/claims\?status=closed$/, 'the status filter is in the URL');
  // A victim's name typed into the search: the API never searches personal data, and the name
  // reaches no URL of the browser nor any log (checked at the end).
  await search.getByLabel('Status').selectOption('filed');
  await search.getByLabel('Search').fill(VICTIM);
  const searched = lawyer.waitForResponse((r) => r.url().includes('/api/queries/claims?') && r.url().includes('text='));
  await search.getByRole('button', { name: 'Show' }).click();
  t.same(await (await searched).json(), { items: [], total: 0, limit: 20, offset: 0 }, 'the API finds nothing by a victim\'s name');
  await lawyer.getByText('No claim matches.').waitFor();
  await nothingPersonalIn(lawyer, 'a search for the victim\'s name');
  await search.getByLabel('Search').fill(reference);
  await search.getByRole('button', { name: 'Show' }).click();
  await lawyer.getByRole('link', { name: `Open claim ${reference}` }).waitFor();
  await lawyer.getByText('1 claim', { exact: true }).waitFor();
  t.notMatch(lawyer.url(), /RS-|text=/, 'the text searched for is not in the URL');
  await checkAccessibility(t, lawyer, 'my claims, filtered');
  await run.shoot(lawyer, 'pd-my-claims-filtered');

  // ---- the auditor: the claim as of an earlier revision, and the reads log -------------------
  const auditor = await signIn('Demo Auditor', 'Claims');
  await auditor.goto(`${base}/claims/${claimId}`);
  await auditor.getByTestId('timeline').waitFor({ timeout: 15_000 });
  const slider = auditor.getByLabel('Revision (move along the timeline)');
  await slider.focus();
  await auditor.keyboard.press('End');
  await auditor.keyboard.press('ArrowLeft');
  await auditor.getByText(/^Revision \d+: Claim withdrawn, /).waitFor();
  await auditor.getByTestId('as-of-status').getByText('Withdrawn', { exact: true }).waitFor();
  t.equal(await status(auditor), 'Filed', 'the claim itself is filed again');
  await checkAccessibility(t, auditor, 'claim page: the auditor\'s as-of view');
  await run.shoot(auditor, 'pd-as-of');
  await fitsPhone(auditor, 'the as-of view');
  await auditor.getByLabel('Or a moment (date and time, your clock)').fill('2001-01-01T10:00');
  await auditor.getByRole('button', { name: 'Show the claim as of this moment' }).click();
  await auditor.getByText('The claim did not exist yet at that moment.').waitFor();
  t.equal(await region(auditor, 'The victim\'s personal data').count(), 0, 'an auditor is not offered the victim\'s data');

  await auditor.getByRole('link', { name: 'Reads of personal data' }).click();
  await auditor.getByRole('heading', { name: 'Reads of personal data', exact: true }).waitFor();
  const reads = auditor.getByTestId('reads');
  await reads.getByRole('row').filter({ hasText: claimId }).filter({ hasText: 'lawyer-1' }).first().waitFor({ timeout: 15_000 });
  t.equal(await reads.getByRole('row').filter({ hasText: claimId }).filter({ hasText: 'lawyer-1' }).count(), 3, 'each of the lawyer\'s three reads is recorded');
  await checkAccessibility(t, auditor, 'reads of personal data');
  await run.shoot(auditor, 'pd-reads');
  await fitsPhone(auditor, 'the reads of personal data');
  await uiLanguage(auditor).selectOption('sr-Latn');
  await auditor.getByRole('heading', { name: 'Čitanja ličnih podataka', exact: true }).waitFor();
  await checkAccessibility(t, auditor, 'reads of personal data in Serbian');

  // ---- the data-protection officer: the read, then the erasure -----------------------------
  const dpo = await signIn('Demo Data-Protection Officer', 'Reads of personal data');
  const inboxLink = dpo.getByRole('navigation').getByRole('link', { name: /^Inbox/ });
  t.equal(await inboxLink.textContent(), 'Inbox', 'nothing unread yet');
  await dpo.getByRole('link', { name: `Erase the victim's personal data of claim ${claimId}` }).first().click();
  await dpo.getByRole('heading', { name: 'Erase a victim\'s personal data' }).waitFor();
  t.equal(await dpo.getByLabel('Claim id').inputValue(), claimId, 'the claim is filled in from the read');
  await dpo.getByRole('button', { name: 'Continue' }).click();
  await dpo.getByText('Required').waitFor();
  t.equal(await dpo.getByLabel('Why the data is erased').getAttribute('aria-invalid'), 'true', 'the reason is required');
  await dpo.getByLabel('Why the data is erased').fill('The victim asked for erasure.');
  await dpo.getByRole('button', { name: 'Continue' }).click();
  const confirm = dpo.getByRole('alertdialog', { name: 'Erase for good?' });
  await confirm.getByText('This cannot be undone').waitFor();
  await checkAccessibility(t, dpo, 'erasure: the confirmation');
  await run.shoot(dpo, 'pd-erasure-confirm');
  await fitsPhone(dpo, 'the confirmation of an erasure');
  await confirm.getByRole('button', { name: 'Erase the personal data' }).click();
  await dpo.getByText(`Erased: the victim's personal data of claim ${claimId} now reads [erased].`).waitFor({ timeout: 15_000 });
  await checkAccessibility(t, dpo, 'erasure: done');

  // The notice of the erasure reaches the inbox (through NATS): counted in the header.
  const deadline = Date.now() + 20_000;
  await inboxLink.click();
  while (await inboxLink.textContent() !== 'Inbox (1 unread)' && Date.now() < deadline) {
    await dpo.waitForTimeout(500);
    await inboxLink.click();
  }
  t.equal(await inboxLink.textContent(), 'Inbox (1 unread)', 'the header counts the unread notice');
  await dpo.getByTestId('inbox-count').getByText('1 notification, 1 unread').waitFor();
  await checkAccessibility(t, dpo, 'inbox');
  await run.shoot(dpo, 'pd-inbox');
  await fitsPhone(dpo, 'the inbox');
  await dpo.getByRole('button', { name: 'Mark as read' }).click();
  await dpo.getByTestId('inbox-count').getByText('1 notification, 0 unread').waitFor();
  await dpo.waitForFunction("[...document.querySelectorAll('nav a')].some((a) => a.textContent === 'Inbox')");
  t.pass('read: the header counts nothing unread');

  // ---- the lawyer's claim now reads [erased] -----------------------------------------------
  await lawyer.goto(`${base}/claims/${claimId}`);
  const erased = lawyer.getByTestId('personal-data');
  for (let i = 0; i < 20 && !(await erased.isVisible()); i++) {
    await lawyer.waitForTimeout(300);
    await lawyer.reload();
    await lawyer.getByTestId('claim-status').waitFor();
  }
  await erased.getByText('[erased]').waitFor();
  t.equal(await region(lawyer, 'The victim\'s personal data').getByRole('button', { name: /Show personal data/ }).count(), 0, 'nothing left to show');
  await checkAccessibility(t, lawyer, 'claim page: personal data erased');
  await run.shoot(lawyer, 'pd-erased');

  t.same(run.pageErrors, [], 'no script error and no CSP violation in any page');
  t.notOk(run.consoleLogs.join('\n').includes(VICTIM), 'the victim\'s name is in no log of the console');
  t.notOk((await system.logs()).includes(VICTIM), 'nor in the services\' logs');
});
