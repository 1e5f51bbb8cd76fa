/**
 * The finance officers' payment screens in the console: a claim approved and scheduled in three
 * instalments with a payee (through the API); the finance officer selects instalments 1 and 2 among
 * the payments due (masked account shown), prepares a run, voids instalment 2 with a reason, and is
 * refused the release (four-eyes, in the API's words); a second finance officer releases it and
 * downloads the pain.001; the first uploads a camt.053 statement booking instalment 1 with one entry
 * that matches nothing, sees the counts, and resolves the unmatched entry with a note; then puts the
 * voided instalment into a new run and cancels it. Who prepared the run sees its release disabled,
 * with the four-eyes rule's reason (the domain's rule, worded in the user's language, before any call); a fund admin and an auditor read
 * the run with no action and no bank file. Another claim's approved advance is among the
 * payments due (masked account) and goes into a run of its own. The list of payment runs (newest
 * first, filtered by status, each opening its page) and of imported statements (settled once
 * resolved), for the finance officer and for an auditor. axe-core on every page at both widths,
 * screenshots `payments-*.png`.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { DEMO_USERS, type DemoUser } from '@cfund/contracts';
import { fileBody, fundYearNow, lifecycleSteps, type Tokens } from '@cfund/bench-kit';
import { checkAccessibility, framesDrawn, startConsoleInBrowser, uiLanguage } from './browser.ts';
import { call } from './system.ts';

// A second finance officer of Serbia: the demo has one, and a run is released by another.
const SECOND_FINANCE: DemoUser = { sub: 'finance-2', name: 'Second Finance Officer', roles: ['fund-finance'], jurisdictions: ['RS'] };
const FUND_IBAN = 'RS35260005601001611379'; // the embedded mode's demo fund account of Serbia

/** A camt.053.001.08 statement of the fund's account: one booked debit entry per line. */
function statement(id: string, lines: { e2e: string; amount: string; ref: string }[]): string {
  const entry = (l: { e2e: string; amount: string; ref: string }) => `<Ntry><Amt Ccy="RSD">${l.amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>`
    + `<Sts><Cd>BOOK</Cd></Sts><AcctSvcrRef>${l.ref}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${l.e2e}</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>`
    + `<GrpHdr><MsgId>MSG-${id}</MsgId><CreDtTm>${new Date().toISOString().slice(0, 19)}</CreDtTm></GrpHdr>`
    + `<Stmt><Id>STMT-${id}</Id><Acct><Id><IBAN>${FUND_IBAN}</IBAN></Id><Ccy>RSD</Ccy></Acct>${lines.map(entry).join('')}</Stmt></BkToCstmrStmt></Document>`;
}

t.test('finance officers prepare, release and reconcile a payment run', async (t) => {
  const run = await startConsoleInBrowser(t, { users: [...DEMO_USERS, SECOND_FINANCE] });
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, base, pageErrors } = run;
  const tk: Tokens = {
    lawyer: await system.token('lawyer-1', 'lawyer'), assessor: await system.token('assessor-1', 'fund-assessor'),
    approver1: await system.token('approver-1', 'fund-approver'), approver2: await system.token('approver-2', 'fund-approver'),
    finance: await system.token('finance-1', 'fund-finance'), admin: await system.token('admin-1', 'fund-admin'),
    auditor: await system.token('auditor-1', 'auditor'),
  };
  const year = fundYearNow();
  t.equal((await call(system.url.command, 'POST', `/funds/RS/${year}/budget`, tk.admin, { amount: { amountMinor: 10_000_000_000, currency: 'RSD' } })).status, 200, 'a budget');
  t.equal((await call(system.url.command, 'POST', `/funds/RS/${year + 1}/budget`, tk.admin, { amount: { amountMinor: 10_000_000_000, currency: 'RSD' } })).status, 200, 'next year\'s: the later instalments are committed there');
  const filed = await call(system.url.command, 'POST', '/claims', tk.lawyer, fileBody(1));
  const { claimId } = JSON.parse(filed.text) as { claimId: string };
  // To the payout schedule (three instalments of RSD 300,000.00, the first due two weeks ago), the payee named once assessed.
  const steps = lifecycleSteps();
  const toSchedule = steps.slice(0, steps.findIndex(([, path]) => path === 'payout-schedule') + 1);
  const afterAssessment = toSchedule.findIndex(([, path]) => path === 'assessment') + 1;
  toSchedule.splice(afterAssessment, 0, ['payee', 'payee', 'lawyer', { kind: 'victim', payee: { name: 'Ilvarethe Quonsbry', iban: 'RS35 9085 0010 3195 8472 62' } }]);
  for (const [name, path, who, body] of toSchedule) {
    const r = await call(system.url.command, 'POST', `/claims/${claimId}/${path}`, tk[who], body);
    if (r.status !== 200) t.fail(`${name}: ${r.status} ${r.text}`);
  }
  type Detail = { publicReference: string; fund: { instalments: { number: number; dueOn: string }[] } };
  let detail: Detail | undefined;
  for (let i = 0; !detail?.fund.instalments.length; i += 1) {
    const r = await call(system.url.projection, 'GET', `/claims/${claimId}`, tk.finance);
    if (r.status === 200) detail = JSON.parse(r.text) as Detail;
    if (i > 200) throw new Error(`the schedule never showed: ${r.status} ${r.text}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  const reference = detail.publicReference;
  const secondDue = detail.fund.instalments[1]!.dueOn;

  // Another claim, applied to the fund, its payee named and an advance of RSD 50,000.00 approved.
  const advanced = JSON.parse((await call(system.url.command, 'POST', '/claims', tk.lawyer, fileBody(2))).text) as { claimId: string };
  const toApplication = steps.slice(0, steps.findIndex(([, path]) => path === 'fund-application') + 1);
  for (const [name, path, who, body] of [
    ...toApplication,
    ['payee', 'payee', 'lawyer', { kind: 'victim', payee: { name: 'Tomaszlin Vrey', iban: 'RS35 9085 0010 3195 8472 62' } }],
    ['advance', 'advance-payments', 'approver1', { amount: { amountMinor: 5_000_000, currency: 'RSD' }, reason: 'Urgent medical costs.' }],
  ] as typeof toSchedule) {
    const r = await call(system.url.command, 'POST', `/claims/${advanced.claimId}/${path}`, tk[who], body);
    if (r.status !== 200) t.fail(`${name}: ${r.status} ${r.text}`);
  }
  let advancedReference: string | undefined;
  for (let i = 0; advancedReference === undefined; i += 1) {
    const r = await call(system.url.projection, 'GET', '/work-queue', tk.finance);
    const items = (JSON.parse(r.text) as { items: { task: string; claimId: string; publicReference: string }[] }).items;
    advancedReference = items.find((x) => x.task === 'pay-advance' && x.claimId === advanced.claimId)?.publicReference;
    if (i > 200) throw new Error(`the advance never showed among the payments due: ${r.text}`);
    await new Promise((done) => setTimeout(done, 50));
  }

  // Intl puts a no-break space between a currency and its amount.
  const text = async (l: { innerText(): Promise<string> }) => (await l.innerText()).replace(/\s/g, ' ');
  const both = async (page: Page, what: string, shot: string) => {
    await checkAccessibility(t, page, what);
    await run.shoot(page, shot);
    await page.setViewportSize({ width: 390, height: 844 });
    t.ok(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), `${what}: fits 390 px`);
    await checkAccessibility(t, page, `${what}, at a phone's width`);
    await page.setViewportSize({ width: 1280, height: 800 });
  };

  // Finance officer 1: the payments due, two selected, a run for the second one's due date.
  const first = await run.signIn('Demo Finance Officer', 'Work queue');
  await first.getByRole('link', { name: 'Payments', exact: true }).click();
  await first.getByRole('heading', { name: 'Payments due', exact: true }).waitFor();
  await first.getByRole('group', { name: '4 payments due' }).waitFor();
  const rowOf = (n: number) => first.locator('main table tbody tr').filter({ hasText: `Instalment ${n}` });
  t.match(await rowOf(1).innerText(), /RS35 \*+/, 'the masked account, never the whole');
  const advanceRow = first.locator('main table tbody tr').filter({ hasText: 'Advance 1' });
  t.match(await text(advanceRow), new RegExp(`${advancedReference}.*Advance 1.*Due since its approval.*RSD 50,000\\.00.*RS35 \\*+`), 'the approved advance beside the instalments');
  t.notMatch(await first.locator('main').innerText(), /3195 8472|Quonsbry/, 'no account number, no payee name');
  await first.getByRole('button', { name: 'Prepare the run' }).click();
  await first.getByText('Select at least one payment').waitFor();
  await framesDrawn(first);
  t.equal(await first.evaluate('document.activeElement?.id'), 'f-run-payments', 'the focus on what to correct; nothing sent');
  await both(first, 'payments due', 'payments-due');
  // From the keyboard: a tick with the space bar.
  await first.getByRole('checkbox', { name: `Pay ${reference}, Instalment 1` }).focus();
  await first.keyboard.press('Space');
  await first.getByRole('checkbox', { name: `Pay ${reference}, Instalment 2` }).check();
  await first.getByLabel('Execution date').fill(secondDue);
  await first.getByRole('button', { name: 'Prepare the run (2 payments)' }).click();
  await first.waitForURL(/\/payment-runs\/[0-9a-f-]{36}$/);
  const runId = first.url().split('/').pop()!;
  t.equal(await first.getByTestId('run-status').innerText(), 'Prepared, waiting for release');
  t.equal(await text(first.getByTestId('run-total')), 'RSD 600,000.00 in 2 payments');

  // Instalment 2 voided, with its reason; the release is not offered to who prepared it (four-eyes), and says why.
  await first.getByLabel('Payment', { exact: true }).selectOption({ label: `${reference}: Instalment 2` });
  await first.locator('#f-void-reason').fill('To be paid when due, in next month\'s run.');
  await first.getByRole('button', { name: 'Void the payment' }).click();
  await first.getByText('Voided: the payment can go into another run.').waitFor();
  await first.getByText(/^Voided by finance-1, .*: To be paid when due, in next month's run\.$/).waitFor();
  t.equal(await text(first.getByTestId('run-total')), 'RSD 300,000.00 in 1 payment', 'the total of what is left');
  const releaseButton = first.getByRole('button', { name: 'Release the run' });
  t.ok(await releaseButton.isDisabled(), 'the release is disabled for who prepared the run');
  t.equal(await first.getByTestId('release-barred').innerText(), 'You cannot release it: You prepared this payment run, so another finance officer must release it.',
    'the four-eyes rule\'s reason beside the button, its rule in the user\'s words (refusal.four-eyes.preparer-releases-run)');
  t.equal(await releaseButton.getAttribute('aria-describedby'), 'release-barred', 'the reason describes the button');
  t.ok(await first.getByRole('button', { name: 'Void the payment' }).isEnabled(), 'voiding and cancelling stay offered to them');
  t.equal(await first.getByTestId('run-status').innerText(), 'Prepared, waiting for release', 'still prepared');
  t.equal(await first.getByTestId('pain001').count(), 0, 'no bank file before the release');
  await both(first, 'a prepared payment run', 'payments-run-prepared');

  // A fund admin and an auditor read the prepared run: no release, cancel or void, no bank file.
  const readOnly = async (page: Page, who: string) => {
    await page.goto(`${base}/payment-runs/${runId}`);
    await page.getByTestId('run-read-only').waitFor();
    t.equal(await page.getByTestId('run-status').innerText(), 'Prepared, waiting for release', `${who}: the run`);
    t.equal(await text(page.getByTestId('run-total')), 'RSD 300,000.00 in 1 payment', `${who}: its total`);
    t.equal(await page.getByRole('button').filter({ hasText: /Release the run|Cancel the run|Void the payment/ }).count(), 0, `${who}: no action offered`);
    t.equal(await page.locator('main form, main textarea, main select').count(), 0, `${who}: no form`);
    t.equal(await page.getByTestId('run-read-only').innerText(), 'You may read this run; only a finance officer of its jurisdiction releases it, cancels it or voids a payment.');
  };
  const admin = await run.signIn('Demo Fund Admin', 'Work queue');
  await readOnly(admin, 'a fund admin');
  await both(admin, 'a payment run, read by a fund admin', 'payments-run-admin');
  const auditorOfRun = await run.signIn('Demo Auditor', 'Claims');
  await readOnly(auditorOfRun, 'an auditor');
  await both(auditorOfRun, 'a payment run, read by an auditor', 'payments-run-auditor');

  // Finance officer 2 releases it and downloads the bank file.
  const second = await run.signIn('Second Finance Officer', 'Work queue');
  await second.goto(`${base}/payment-runs/${runId}`);
  await second.getByRole('button', { name: 'Release the run' }).click();
  await second.getByText('Released: the bank file can be downloaded.').waitFor();
  t.equal(await second.getByTestId('run-status').innerText(), 'Released to the bank');
  const [download] = await Promise.all([second.waitForEvent('download'), second.getByTestId('pain001').click()]);
  const file = await readFile(await download.path(), 'utf8');
  t.match(file, /urn:iso:std:iso:20022:tech:xsd:pain\.001\.001\.09/, 'a pain.001.001.09 file');
  t.match(file, /<InstdAmt Ccy="RSD">300000\.00<\/InstdAmt>/, 'paying instalment 1');
  t.equal(file.match(/<CdtTrfTxInf>/g)?.length, 1, 'and not the voided one');
  await both(second, 'a released payment run', 'payments-run-released');
  await auditorOfRun.reload();
  await auditorOfRun.getByText('Released to the bank').first().waitFor();
  t.equal(await auditorOfRun.getByTestId('pain001').count(), 0, 'an auditor is not offered the bank file (the payees\' details)');

  // The statement: instalment 1 booked, and an entry that matches nothing.
  type RunView = { payments: { endToEndId: string; payment: { number: number }; voided?: unknown }[] };
  const view = JSON.parse((await call(system.url.projection, 'GET', `/payment-runs/${runId}`, tk.finance)).text) as RunView;
  const paid = view.payments.find((p) => !p.voided)!.endToEndId;
  const xml = statement('1', [{ e2e: paid, amount: '300000.00', ref: 'BK-1' }, { e2e: 'NOT-OURS-1', amount: '1250.00', ref: 'BK-2' }]);
  await first.getByRole('link', { name: 'Bank statements', exact: true }).click();
  await first.getByRole('heading', { name: 'Bank statements', exact: true }).waitFor();
  await first.getByRole('button', { name: 'Upload the statement' }).click();
  await first.getByText('Required').waitFor();
  await first.getByLabel('Statement file (camt.053, XML)').setInputFiles({ name: 'statement.xml', mimeType: 'application/xml', buffer: Buffer.from(xml) });
  await first.getByRole('button', { name: 'Upload the statement' }).click();
  await first.getByRole('heading', { name: 'Imported: 2 entries' }).waitFor();
  t.same(await first.getByRole('list', { name: 'Entries by outcome' }).locator('li').allInnerTexts(), ['Paid: 1', 'Returned: 0', 'Unmatched: 1', 'Not booked: 0']);
  await both(first, 'a statement imported', 'payments-statement-imported');
  await first.getByRole('link', { name: 'Open the statement' }).click();
  await first.getByRole('heading', { name: '1 unmatched entry to resolve' }).waitFor();
  const unmatched = await text(first.locator('main table tbody tr'));
  t.match(unmatched, /NOT-OURS-1/, 'the unmatched entry, with its end-to-end id');
  t.match(unmatched, /RSD 1,250\.00 out/, 'and its amount');
  await both(first, 'a statement to resolve', 'payments-statement');
  await first.getByRole('button', { name: 'Resolve entry 2' }).click();
  await first.getByText('Required').waitFor();
  await first.getByLabel('What it was and what was done').fill('A bank fee charged to the fund account; booked by accounting.');
  await first.getByRole('button', { name: 'Resolve entry 2' }).click();
  await first.getByText('Entry 2 resolved.').waitFor();
  await first.getByRole('heading', { name: 'No unmatched entry waits' }).waitFor();
  t.match(await first.locator('main table tbody tr').innerText(), /Resolved by finance-1, .*: A bank fee charged/);

  // The voided instalment 2 is due again: a new run for it, cancelled (its reason required first).
  await first.getByRole('link', { name: 'Payments', exact: true }).click();
  await first.getByRole('checkbox', { name: `Pay ${reference}, Instalment 2` }).check();
  await first.getByLabel('Execution date').fill(secondDue);
  await first.getByRole('button', { name: 'Prepare the run (1 payment)' }).click();
  await first.waitForURL((url) => /\/payment-runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(runId));
  await first.getByRole('button', { name: 'Cancel the run' }).click();
  await first.getByText('Required').waitFor();
  await framesDrawn(first);
  t.equal(await first.evaluate('document.activeElement?.id'), 'f-cancel-reason', 'the focus on the reason');
  await first.locator('#f-cancel-reason').fill('Prepared for the wrong execution date.');
  await first.getByRole('button', { name: 'Cancel the run' }).click();
  await first.getByText('Cancelled: its payments can go into another run.').waitFor();
  t.equal(await first.getByTestId('run-status').innerText(), 'Cancelled');

  // The claim reads instalment 1 paid by the bank.
  for (let i = 0; ; i += 1) {
    const d = JSON.parse((await call(system.url.projection, 'GET', `/claims/${claimId}`, tk.finance)).text) as { fund: { instalments: { status: string }[] } };
    if (d.fund.instalments[0]!.status === 'disbursed') break;
    if (i > 200) throw new Error('instalment 1 never read paid');
    await new Promise((done) => setTimeout(done, 50));
  }
  // In Serbian.
  await uiLanguage(first).selectOption('sr-Latn');
  await first.getByRole('heading', { name: 'Platni nalog', exact: true }).waitFor();
  t.equal(await first.getByTestId('run-status').innerText(), 'Otkazan');
  await checkAccessibility(t, first, 'a payment run, in Serbian');

  // The advance, in a run of its own.
  await first.locator('.app-tools select').selectOption('en');
  await first.getByRole('link', { name: 'Payments', exact: true }).click();
  await first.getByRole('checkbox', { name: `Pay ${advancedReference}, Advance 1` }).check();
  await first.getByRole('button', { name: 'Prepare the run (1 payment)' }).click();
  await first.waitForURL((url) => /\/payment-runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(runId));
  const advanceRunId = first.url().split('/').pop()!;
  t.equal(await text(first.getByTestId('run-total')), 'RSD 50,000.00 in 1 payment', 'the advance\'s run');
  await first.getByRole('link', { name: 'Payments', exact: true }).click();
  await first.getByRole('link', { name: 'In a payment run' }).first().waitFor();
  t.match(await text(first.locator('main table tbody tr').filter({ hasText: 'Advance 1' })), /In a payment run/, 'held by its run');

  // The payment runs, newest first: the advance's (prepared), the cancelled one, the released one.
  await first.getByRole('navigation').getByRole('link', { name: 'Payment runs', exact: true }).click();
  await first.getByRole('heading', { name: 'Payment runs', exact: true }).waitFor();
  await first.getByText('3 payment runs').waitFor();
  const runRows = first.getByTestId('payment-runs').locator('tbody tr');
  t.same((await runRows.allInnerTexts()).map((r) => r.split('\t')[2]), ['Prepared, waiting for release', 'Cancelled', 'Released to the bank'], 'newest first');
  t.match(await text(runRows.nth(2)), /2 payments \(1 voided\).*RSD 300,000\.00.*finance-1, finance-2/, 'what it pays, the voided one, who prepared and released it');
  await both(first, 'the payment runs', 'payments-runs');
  await first.getByLabel('Status', { exact: true }).selectOption({ label: 'Released to the bank' });
  await first.waitForURL(/\/payment-runs\?status=released$/);
  await first.getByText('1 payment run').waitFor();
  await runRows.first().getByRole('link').click();
  await first.waitForURL((url) => url.pathname === `/payment-runs/${runId}`);
  t.equal(await first.getByTestId('run-status').innerText(), 'Released to the bank', 'the list opens the run');

  // The statements imported: the one resolved is settled, and opens its page.
  await first.getByRole('navigation').getByRole('link', { name: 'Bank statements', exact: true }).click();
  await first.getByRole('heading', { name: 'Imported statements' }).waitFor();
  const statementRows = first.getByTestId('bank-statements').locator('tbody tr');
  t.match(await text(statementRows), /MSG-1.*Settled.*2 entries.*0.*finance-1/, 'the statement, settled once its entry was resolved');
  await both(first, 'the bank statements', 'payments-statements');
  await first.getByLabel('State', { exact: true }).selectOption({ label: 'Entries to resolve' });
  await first.getByText('No statement imported').waitFor();
  await first.getByLabel('State', { exact: true }).selectOption({ label: 'Settled' });
  await statementRows.first().getByRole('link').click();
  await first.getByRole('heading', { name: 'No unmatched entry waits' }).waitFor();

  // An auditor lists them too (never importing a statement).
  const auditor = await run.signIn('Demo Auditor', 'Claims');
  await auditor.getByRole('navigation').getByRole('link', { name: 'Payment runs', exact: true }).click();
  await auditor.getByText('3 payment runs').waitFor();
  t.ok(await auditor.getByRole('link', { name: /^Open the payment run prepared/ }).first().isVisible(), 'each run opens');
  await auditor.getByRole('navigation').getByRole('link', { name: 'Bank statements', exact: true }).click();
  await auditor.getByRole('heading', { name: 'Imported statements' }).waitFor();
  // The heading comes before the list has loaded: wait for its row, then count.
  const auditorRows = auditor.getByTestId('bank-statements').locator('tbody tr');
  await auditorRows.filter({ hasText: 'MSG-1' }).waitFor();
  t.equal(await auditor.getByRole('button', { name: 'Upload the statement' }).count(), 0, 'no upload for an auditor');
  t.equal(await auditorRows.count(), 1, 'the auditor sees the one statement');
  await uiLanguage(auditor).selectOption('sr-Latn');
  await auditor.getByRole('heading', { name: 'Uvezeni izvodi' }).waitFor();
  await checkAccessibility(t, auditor, 'the bank statements, in Serbian');
  t.ok(advanceRunId, 'the advance\'s run was prepared');

  t.notOk(run.consoleLogs.join('\n').includes('Quonsbry'), 'the payee\'s name in no log of the console');
  t.same(pageErrors, [], 'no script error, no CSP violation');
});
