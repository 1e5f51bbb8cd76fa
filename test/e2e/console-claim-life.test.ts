/**
 * One claim's whole life clicked through in the console, each person signed in in a browser
 * context of their own: the lawyer files it and records the court track and the application;
 * the assessor assesses it and, being an approver too, is refused approving their own
 * assessment (four-eyes); two approvers approve it (the second after a 412: the first changed
 * the claim under them) and the decision is served; the finance officer schedules the payout
 * (a fund admin's spreading of its commitments by year is then refused: a schedule of today is
 * committed by due year already) and pays both instalments (the second early), closes the claim and records a recovery from the
 * offender; the auditor reads the
 * timeline and the integrity verdict, and sees the claim as of an instant between the decision's
 * service and the payout (served) while it reads closed. A lawyer of another jurisdiction cannot
 * open the claim.
 * axe-core on every page, screenshots in .tap/screenshots/console/.
 */
import t from 'tap';
import type { Locator, Page } from 'playwright-core';
import { DEMO_USERS, type DemoUser } from '@cfund/contracts';
import { checkAccessibility, startConsoleInBrowser, uiLanguage } from './browser.ts';
import { call } from './system.ts';

const VICTIM = 'Milica Lifecycle-Testović';
/** An assessor who is an approver as well: the one the four-eyes rule stops. */
const ASSESSOR: DemoUser = { sub: 'assessor-approver-1', name: 'Demo Assessor-Approver', roles: ['fund-assessor', 'fund-approver'], jurisdictions: ['RS'] };
const TIME_ZONE = 'Europe/Belgrade';

const localDate = (daysFromNow: number) => new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(Date.now() + daysFromNow * 86_400_000));

t.test('a claim from filing to closure, then the auditor\'s timeline', async (t) => {
  const run = await startConsoleInBrowser(t, { users: [...DEMO_USERS, ASSESSOR] });
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, base } = run;
  // The fund's budget for the year: the fund administrator's, not part of this slice of the console.
  const budget = await call(system.url.command, 'POST', `/funds/RS/${localDate(0).slice(0, 4)}/budget`, await system.token('admin-1', 'fund-admin'), {
    amount: { amountMinor: 10_000_000_000, currency: 'RSD' },
  });
  t.equal(budget.status, 200, 'the year\'s budget is allocated');
  // And the next year's: an instalment that falls due then is committed against it.
  const nextBudget = await call(system.url.command, 'POST', `/funds/RS/${Number(localDate(0).slice(0, 4)) + 1}/budget`, await system.token('admin-1', 'fund-admin'), {
    amount: { amountMinor: 10_000_000_000, currency: 'RSD' },
  });
  t.equal(nextBudget.status, 200, 'next year\'s budget is allocated');

  const commandCalls: string[] = [];
  // Signing in sends no command: the calls are watched from the landing page on.
  const signIn = async (name: string, landing: string): Promise<Page> => {
    const page = await run.signIn(name, landing);
    page.on('request', (r) => { if (r.url().includes('/api/commands/')) commandCalls.push(`${r.method()} ${new URL(r.url()).pathname}`); });
    return page;
  };
  const region = (page: Page, title: string): Locator => page.getByRole('region', { name: title, exact: true });
  /** Fills an action's fields by label, sends it, and waits until the claim shows its result. */
  const act = async (page: Page, title: string, submit: string, fields: Record<string, string> = {}) => {
    const form = region(page, title);
    for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
    await form.getByRole('button', { name: submit, exact: true }).click();
    await page.getByRole('status').getByText(`Done: ${title}.`, { exact: true }).waitFor();
  };
  const fitsPhone = async (page: Page, what: string) => {
    await page.setViewportSize({ width: 390, height: 844 });
    t.ok(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), `${what} fits 390 px`);
    await page.setViewportSize({ width: 1280, height: 800 });
  };
  const status = (page: Page) => page.getByTestId('claim-status').textContent();
  const openFromWorkQueue = async (page: Page, reference: string) => {
    await page.getByRole('link', { name: `Open claim ${reference}` }).first().click();
    await page.getByRole('heading', { name: `Claim ${reference}` }).waitFor();
  };

  // ---- the lawyer ------------------------------------------------------------------------
  const lawyer = await signIn('Demo Lawyer', 'My claims');
  await lawyer.getByRole('link', { name: 'File a claim' }).click();
  await lawyer.getByLabel('Date of the incident').fill(localDate(-400));
  await lawyer.getByLabel('Full name').fill(VICTIM);
  await lawyer.getByLabel('Non-pecuniary damage').fill('1500000');
  await lawyer.getByRole('button', { name: 'File the claim' }).click();
  const heading = lawyer.getByRole('heading', { name: /^Claim RS-\d{4}-/ });
  await heading.waitFor({ timeout: 15_000 });
  const reference = (await heading.textContent())!.replace(/^Claim /, '');
  const claimPath = new URL(lawyer.url()).pathname;
  t.equal(await status(lawyer), 'Filed');

  // A field the schema requires, left empty: shown on its field, nothing sent.
  const sent = commandCalls.length;
  await region(lawyer, 'Record criminal proceedings').getByLabel('Court', { exact: true }).fill('Higher Court in Belgrade');
  await region(lawyer, 'Record criminal proceedings').getByRole('button', { name: 'Record' }).click();
  const caseNumber = region(lawyer, 'Record criminal proceedings').getByLabel('Case number', { exact: true });
  await region(lawyer, 'Record criminal proceedings').getByText('Required').waitFor();
  t.equal(await caseNumber.getAttribute('aria-invalid'), 'true', 'the empty case number is marked invalid');
  t.equal(commandCalls.length, sent, 'nothing was sent');
  await checkAccessibility(t, lawyer, 'claim page: the lawyer\'s actions, with a field error');
  await run.shoot(lawyer, 'life-lawyer-actions');

  await act(lawyer, 'Record criminal proceedings', 'Record', { 'Case number': 'K-123/2025' });
  await act(lawyer, 'Record a court ruling', 'Record', {
    Court: 'Higher Court in Belgrade', 'Case number': 'K-123/2025', 'Decided on': localDate(-200), 'Non-pecuniary damage': '1200000',
  });
  await act(lawyer, 'Record that the ruling became final', 'Record', { 'Final on': localDate(-150) });
  // The finality starts the time to apply to the fund: a deadline ahead in "my claims".
  await lawyer.getByRole('link', { name: 'My claims' }).click();
  await lawyer.getByTestId('deadlines').getByText(/^Apply to the fund by /).waitFor();
  await lawyer.getByTestId('deadlines').getByRole('link', { name: `Open claim ${reference}` }).waitFor();
  await checkAccessibility(t, lawyer, 'my claims with a deadline ahead');
  await run.shoot(lawyer, 'life-deadlines');
  await lawyer.getByTestId('deadlines').getByRole('link', { name: `Open claim ${reference}` }).click();
  await lawyer.getByRole('heading', { name: `Claim ${reference}` }).waitFor();
  await act(lawyer, 'Record that enforcement failed', 'Record', { 'Amount still owed by the offender (RSD)': '1200000', 'Recorded on': localDate(-30) });
  await act(lawyer, 'Apply to the fund', 'Apply');
  t.equal(await status(lawyer), 'Applied to the fund');
  t.equal(await region(lawyer, 'Apply to the fund').count(), 0, 'the court track and the application are done');
  t.equal(await region(lawyer, 'Withdraw the claim').count(), 1, 'the lawyer may still withdraw it');

  // Who is paid: an IBAN checked in the browser with the API's own schema (check digits too), then in force at once.
  const payeeSent = commandCalls.length;
  await region(lawyer, 'Who is paid').getByLabel('Name of the account holder', { exact: true }).fill('Ilvarethe Quonsbry');
  await region(lawyer, 'Who is paid').getByLabel('IBAN', { exact: true }).fill('RS35 9085 0010 3195 8472 63');
  await region(lawyer, 'Who is paid').getByRole('button', { name: 'Save', exact: true }).click();
  await region(lawyer, 'Who is paid').getByText(/^not a valid IBAN/).waitFor();
  t.equal(commandCalls.length, payeeSent, 'a wrong check digit is caught before anything is sent');
  await act(lawyer, 'Who is paid', 'Save', { 'Name of the account holder': 'Ilvarethe Quonsbry', IBAN: 'RS35 9085 0010 3195 8472 62' });
  t.equal(await lawyer.getByTestId('claim-payee').textContent(), 'The victim, account RS35 **** 7262', 'the claim shows the account masked');

  // ---- the assessor (an approver as well) ------------------------------------------------
  const assessor = await signIn('Demo Assessor-Approver', 'Work queue');
  t.equal(await assessor.getByTestId('count-assess').textContent(), 'Assess: 1', 'the queue counts the claim to assess');
  await checkAccessibility(t, assessor, 'work queue');
  await run.shoot(assessor, 'life-work-queue');
  await fitsPhone(assessor, 'the work queue');
  await openFromWorkQueue(assessor, reference);
  // The award previewed as the decider computes it: first above the head's cap, then within it.
  const preview = assessor.getByTestId('award-preview');
  await region(assessor, 'Assess the claim').getByLabel('Non-pecuniary damage', { exact: true }).fill('1600000');
  await preview.getByText('Non-pecuniary damage: limited to RSD 1,500,000.00 (less RSD 100,000.00)').waitFor();
  t.match(await preview.locator('strong').textContent(), /^Net award, as it will be computed: RSD\s1,500,000\.00$/, 'the cap applied in the preview');
  await region(assessor, 'Assess the claim').getByLabel('Non-pecuniary damage', { exact: true }).fill('900000');
  await preview.getByText('Net award, as it will be computed: RSD 900,000.00').waitFor();
  await checkAccessibility(t, assessor, 'claim page: the assessment with its preview');
  await run.shoot(assessor, 'life-assessment-preview');
  await act(assessor, 'Assess the claim', 'Assess', { 'Non-pecuniary damage': '900000' });
  t.equal(await status(assessor), 'Assessed');
  await region(assessor, 'Approve the award').getByRole('button', { name: 'Approve', exact: true }).click();
  // The four-eyes rule it applies in the user's words (refusal.four-eyes.assessor-approves), not the API's English sentence.
  await assessor.getByText('Not done: You assessed this claim, so another approver must approve it.').waitFor();
  t.equal(await status(assessor), 'Assessed', 'the refusal changed nothing');
  await checkAccessibility(t, assessor, 'claim page: the four-eyes refusal');
  await run.shoot(assessor, 'life-four-eyes');

  // ---- two approvers: the second acts on a claim the first has just changed ---------------
  const approver1 = await signIn('Demo Approver One', 'Work queue');
  const approver2 = await signIn('Demo Approver Two', 'Work queue');
  t.equal(await approver2.getByTestId('count-first-approval').textContent(), 'First approval: 1');
  await openFromWorkQueue(approver2, reference);
  await openFromWorkQueue(approver1, reference);
  await act(approver1, 'Approve the award', 'Approve');
  await approver1.getByText('1 of 2', { exact: true }).waitFor();
  await region(approver2, 'Approve the award').getByRole('button', { name: 'Approve', exact: true }).click();
  await approver2.getByText('Someone else changed this claim since you opened it: nothing was done.').waitFor();
  await checkAccessibility(t, approver2, 'claim page: changed by someone else (412)');
  await run.shoot(approver2, 'life-stale');
  await approver2.getByRole('button', { name: 'Reload the claim' }).click();
  await approver2.getByText('1 of 2', { exact: true }).waitFor();
  await act(approver2, 'Approve the award', 'Approve');
  t.equal(await status(approver2), 'Approved');
  const servedAt = await approver2.evaluate(() => {
    const d = new Date(Date.now() - 3_600_000);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  });
  await act(approver2, 'Record that the decision was served', 'Record', { 'Served on (date and time)': servedAt });
  t.equal(await status(approver2), 'Decision served');
  // An instant after the service and before anything is scheduled (the as-of view takes seconds).
  await new Promise((done) => setTimeout(done, 1100));
  const servedNotPaid = Date.now();

  // ---- after the decision the lawyer changes the payee: it waits for a second person ------
  await lawyer.goto(new URL(claimPath, base).href);
  await lawyer.getByRole('heading', { name: `Claim ${reference}` }).waitFor();
  await region(lawyer, 'Who is paid').getByLabel('Paid to', { exact: true }).selectOption({ label: 'A guardian' });
  await act(lawyer, 'Who is paid', 'Save', { 'Name of the account holder': 'Tomaszlin Vrey', IBAN: 'ME25505000012345678951' });
  t.match(await lawyer.getByTestId('claim-payee-pending').textContent(), /^Change 2 awaits confirmation by a second person: A guardian, account ME25 \*\*\*\* 8951\./);
  t.equal(await lawyer.getByTestId('claim-payee').textContent(), 'The victim, account RS35 **** 7262', 'the payee in force is unchanged meanwhile');

  // ---- the finance officer ---------------------------------------------------------------
  const finance = await signIn('Demo Finance Officer', 'Work queue');
  await finance.getByText('Nothing waits for you.').waitFor();
  await finance.getByRole('link', { name: 'Claims', exact: true }).click();
  await openFromWorkQueue(finance, reference);
  await act(finance, 'Schedule the payout', 'Schedule', { 'Number of instalments': '2', 'First instalment due on': localDate(0), 'Months between instalments': '1' });
  t.equal(await status(finance), 'Payout scheduled');
  t.equal(await region(finance, 'Commit the later instalments in the years they fall due in').count(), 0, 'spreading commitments is a fund admin\'s');
  // ---- the fund admin: a schedule of today is committed by due year already -----------------
  const admin = await signIn('Demo Fund Admin', 'Work queue');
  await admin.goto(new URL(claimPath, base).href);
  // The spread is offered only when it can succeed (the domain's rule, canSpreadCommitments, on the claim view's
  // commitmentsSpreadByYear): this schedule is committed by due year already, so it is not offered at all.
  await region(admin, 'Hand the claim over to another lawyer').waitFor();
  t.equal(await region(admin, 'Commit the later instalments in the years they fall due in').count(), 0, 'no spread offered: already by due year');
  await checkAccessibility(t, admin, 'claim page: the fund admin, nothing to spread');
  await run.shoot(admin, 'life-spread-not-offered');
  await admin.setViewportSize({ width: 390, height: 844 });
  await checkAccessibility(t, admin, 'claim page at 390 px: the fund admin, nothing to spread');
  await fitsPhone(admin, 'nothing to spread');
  await finance.getByRole('link', { name: 'Work queue' }).click();
  await finance.getByRole('heading', { name: 'Work queue', exact: true }).waitFor();
  t.equal(await finance.getByTestId('count-disburse-instalment').textContent(), 'Pay an instalment: 2', 'both instalments wait');
  await openFromWorkQueue(finance, reference);
  // Nothing is paid while the change of payee waits; the finance officer (not who asked for it) confirms it.
  await region(finance, 'Pay instalment 1').getByLabel('Pay before the due date').check();
  await region(finance, 'Pay instalment 1').getByLabel('Payment reference', { exact: true }).fill('PAY-2026-000001');
  await region(finance, 'Pay instalment 1').getByRole('button', { name: 'Pay', exact: true }).click();
  await finance.getByText(/^Not done: A change of payee awaits confirmation by a second person/).waitFor();
  await act(finance, 'Confirm the change of payee', 'Confirm');
  t.equal(await finance.getByTestId('claim-payee').textContent(), 'A guardian, account ME25 **** 8951', 'the confirmed payee is in force');
  // Early, should the first due date have rolled past a weekend or holiday.
  await region(finance, 'Pay instalment 1').getByLabel('Pay before the due date').check();
  await act(finance, 'Pay instalment 1', 'Pay', { 'Payment reference': 'PAY-2026-000001' });
  await finance.getByText(/^Instalment 1: .* · paid$/).waitFor();
  t.notMatch(await finance.getByTestId('claim-paid').textContent(), /^RSD\s0\.00$/, 'something is paid');
  t.equal(await region(finance, 'Pay instalment 1').count(), 0, 'instalment 1 cannot be paid again');
  await checkAccessibility(t, finance, 'claim page: a paid instalment');
  await run.shoot(finance, 'life-paid');
  await fitsPhone(finance, 'a claim with its actions');
  // The second instalment, early (it falls due next month): paid in full, the claim is closed.
  await region(finance, 'Pay instalment 2').getByLabel('Pay before the due date').check();
  await act(finance, 'Pay instalment 2', 'Pay', { 'Payment reference': 'PAY-2026-000002' });
  t.equal(await status(finance), 'Paid');
  await act(finance, 'Close the claim', 'Close', { 'Why it is closed': 'Paid in full.' });
  t.equal(await status(finance), 'Closed');
  t.same(await region(finance, 'What you can do').getByRole('heading', { level: 3 }).allTextContents(), ['Record an amount recovered from the offender'],
    'on a closed claim, only a recovery from the offender (the scheme of RS recovers)');
  await act(finance, 'Record an amount recovered from the offender', 'Record', { 'Amount recovered (RSD)': '100000', 'Recorded on': localDate(0) });

  // ---- the auditor -----------------------------------------------------------------------
  const auditor = await signIn('Demo Auditor', 'Claims');
  await auditor.getByRole('link', { name: `Open claim ${reference}` }).click();
  const timeline = auditor.getByTestId('timeline');
  await timeline.waitFor();
  const words = await timeline.textContent();
  for (const event of ['Claim filed', 'Court ruling recorded', 'Applied to the fund', 'Claim assessed', 'Approval of the award given', 'Award approved', 'Decision served', 'Payout scheduled', 'Instalment paid', 'Claim closed', 'Recovery from the offender recorded']) {
    t.match(words, event, `the timeline says: ${event}`);
  }
  t.match(words, 'by lawyer-1', 'who acted');
  t.notMatch(words, /[{}"]|Claim[A-Z]|Payout[A-Z]/, 'in words, not JSON or event types');
  t.equal(await auditor.getByTestId('integrity').locator('.verdict-title').textContent(), 'Integrity: intact');
  t.equal(await auditor.getByRole('region', { name: 'What you can do' }).count(), 0, 'an auditor only reads');
  await checkAccessibility(t, auditor, 'claim page: the auditor\'s timeline');
  await run.shoot(auditor, 'life-timeline');
  // The claim as of that instant, typed in the browser's own clock.
  const local = await auditor.evaluate((ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19), servedNotPaid);
  await auditor.getByLabel('Or a moment (date and time, your clock)').fill(local);
  await auditor.getByRole('button', { name: 'Show the claim as of this moment' }).click();
  await auditor.getByTestId('as-of-status').getByText('Decision served', { exact: true }).waitFor();
  t.equal(await status(auditor), 'Closed', 'as of then: served; the claim itself: closed');
  await checkAccessibility(t, auditor, 'the auditor\'s as-of view at an instant');
  await run.shoot(auditor, 'life-as-of-instant');
  await uiLanguage(auditor).selectOption('sr-Latn');
  await auditor.getByText('Celovitost: neoštećen').waitFor();
  await auditor.getByText('Zahtev podnet').waitFor();
  await checkAccessibility(t, auditor, 'the auditor\'s timeline in Serbian');
  await run.shoot(auditor, 'life-timeline-sr');
  await fitsPhone(auditor, 'the timeline');

  // ---- a lawyer of another jurisdiction ----------------------------------------------------
  const otherLawyer = await signIn('Demo Lawyer \\(Bosnia and Herzegovina\\)', 'My claims');
  await otherLawyer.goto(`${base}${claimPath}`);
  await otherLawyer.getByText('There is no such claim, or it is not one you may see.').waitFor({ timeout: 15_000 });
  t.equal(await otherLawyer.getByText(reference).count(), 0, 'nothing of the claim shows');
  await checkAccessibility(t, otherLawyer, 'a claim the user may not see');
  await run.shoot(otherLawyer, 'life-other-jurisdiction');

  t.same(run.pageErrors, [], 'no script error and no CSP violation in any page');
  t.notOk(run.consoleLogs.join('\n').includes(VICTIM), 'the victim\'s name is in no log of the console');
  t.notOk((await system.logs()).includes(VICTIM), 'nor in the services\' logs');
});
