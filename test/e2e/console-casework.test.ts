/**
 * Casework in the console, each person in a browser context of their own, against the whole
 * system: a claim applied to the fund (through the API) waits for an assessor; the fund admin
 * sees it unassigned, assigns the assessor on the claim page, and reads the assessors' load; the
 * assessor asks the lawyers for information (an empty form first: shown, nothing sent), and the
 * claim is on hold; the lawyer reads the question (a recorded read), uploads a document (streamed
 * through the console), downloads it (recorded), answers with text and the document, adds a
 * co-counsel and hands the claim over to them; the assessor asks again and withdraws it; the fund
 * admin allocates a budget (a negative amount refused on its field first) and the funds table
 * fits a phone. In Serbian too; axe-core on every view, screenshots `casework-*.png`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import t from 'tap';
import type { Locator, Page } from 'playwright-core';
import { DEMO_USERS } from '@cfund/contracts';
import { fileBody, fundYearNow, lifecycleSteps, type Tokens } from '@cfund/bench-kit';
import { checkAccessibility, framesDrawn, startConsoleInBrowser, uiLanguage } from './browser.ts';
import { call } from './system.ts';

// Distinctive, so that a copy of it anywhere it should not be is found.
const FILE_NAME = 'Jovanka Čitljivić medical report.pdf';
const QUESTION = 'Please send the medical report on the treatment after the incident.';

t.test('casework: assignment, requests for information, documents, co-counsel and hand-over, budgets', async (t) => {
  const users = [...DEMO_USERS, { sub: 'lawyer-2', name: 'Second Lawyer', roles: ['lawyer' as const], jurisdictions: ['RS' as const] }];
  const run = await startConsoleInBrowser(t, { users });
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, signIn, pageErrors } = run;
  const tk: Partial<Tokens> = {
    lawyer: await system.token('lawyer-1', 'lawyer'), assessor: await system.token('assessor-1', 'fund-assessor'),
    admin: await system.token('admin-1', 'fund-admin'), auditor: await system.token('auditor-1', 'auditor'),
  };
  const filed = await call(system.url.command, 'POST', '/claims', tk.lawyer!, fileBody(1));
  t.equal(filed.status, 201, 'filed');
  const { claimId } = JSON.parse(filed.text) as { claimId: string };
  const toApplication = lifecycleSteps().slice(0, lifecycleSteps().findIndex(([, path]) => path === 'fund-application') + 1);
  for (const [name, path, who, body] of toApplication) {
    const r = await call(system.url.command, 'POST', `/claims/${claimId}/${path}`, tk[who]!, body);
    if (r.status !== 200) t.fail(`${name}: ${r.status} ${r.text}`);
  }

  const region = (page: Page, title: string): Locator => page.getByRole('region', { name: title, exact: true });
  const act = async (page: Page, title: string, submit: string, fields: Record<string, string> = {}) => {
    const form = region(page, title);
    for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
    await form.getByRole('button', { name: submit, exact: true }).click();
    await page.getByRole('status').getByText(`Done: ${title}.`, { exact: true }).waitFor();
  };
  const openClaim = async (page: Page) => {
    await page.goto(`${run.base}/claims/${claimId}`);
    await page.getByTestId('claim-status').waitFor();
  };
  const fitsPhone = async (page: Page, what: string) => {
    await page.setViewportSize({ width: 390, height: 844 });
    t.ok(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), `${what} fits 390 px`);
    // Nothing inside scrolls sideways either (a table in a scrolling box would pass the test above).
    t.same(await page.evaluate('[...document.querySelectorAll("main *")].filter((e) => e.scrollWidth > e.clientWidth + 1 && ["auto", "scroll"].includes(getComputedStyle(e).overflowX)).map((e) => e.tagName)'), [],
      `${what}: nothing scrolls sideways`);
    await run.shoot(page, `casework-${what.replace(/\W+/g, '-')}-phone`);
    await page.setViewportSize({ width: 1280, height: 800 });
  };

  // ---- the fund admin: the claim awaits an assessor; assigned on its page ---------------------
  const admin = await signIn('Demo Fund Admin', 'Work queue');
  await admin.getByRole('heading', { name: '1 claim awaits an assessor' }).waitFor();
  await admin.getByRole('heading', { name: 'Assessors\' load' }).waitFor();
  t.ok(await admin.getByText('No assessor holds an open claim.').isVisible(), 'nobody holds a claim yet');
  await checkAccessibility(t, admin, 'work queue with the assessors');
  await admin.getByTestId('unassigned').getByRole('link').click();
  await admin.getByTestId('claim-status').waitFor();
  await act(admin, 'Assign the assessor', 'Assign', { 'The assessor\'s user id': 'assessor-1' });
  t.equal(await admin.getByTestId('claim-assessor').textContent(), 'assessor-1', 'the assessor of record');
  await checkAccessibility(t, admin, 'claim page, fund admin');
  await admin.getByRole('link', { name: 'Work queue' }).click();
  await admin.getByTestId('assessor-load').waitFor();
  t.same((await admin.getByTestId('assessor-load').locator('tbody tr th, tbody tr td').allTextContents()), ['assessor-1', 'Serbia', '1'], 'the assessor\'s load');
  await admin.getByRole('heading', { name: 'No claim awaits an assessor' }).waitFor();
  await run.shoot(admin, 'casework-assessor-load');
  await fitsPhone(admin, 'assessors load');

  // ---- the assessor asks for information -----------------------------------------------------
  const assessor = await signIn('Demo Assessor', 'Work queue');
  await openClaim(assessor);
  const sent: string[] = [];
  assessor.on('request', (r) => { if (r.method() === 'POST') sent.push(r.url()); });
  const ask = region(assessor, 'Ask the lawyers for information');
  await ask.getByRole('button', { name: 'Ask', exact: true }).click();
  await ask.getByText('Required', { exact: true }).waitFor();
  t.same(sent, [], 'an empty request shows its errors and sends nothing');
  await framesDrawn(assessor);
  t.equal(await assessor.evaluate('document.activeElement.getAttribute("aria-invalid")'), 'true', 'the focus is on the first field to correct');
  await act(assessor, 'Ask the lawyers for information', 'Ask', { 'What is asked': QUESTION, 'Or due in this many working days': '5' });
  await assessor.getByTestId('claim-on-hold').waitFor();
  t.match(await assessor.getByTestId('information-request-1').textContent(), /Request 1, due on .*Open · asked by assessor-1/, 'the request, open');
  t.equal(await region(assessor, 'Assess the claim').count(), 0, 'no assessment while on hold');
  await checkAccessibility(t, assessor, 'claim on hold, assessor');
  await run.shoot(assessor, 'casework-request');

  // ---- the lawyer reads it, uploads a document, downloads it, answers ------------------------
  const lawyer = await signIn('Demo Lawyer', 'My claims');
  await openClaim(lawyer);
  await lawyer.getByTestId('claim-on-hold').waitFor();
  const requests = region(lawyer, 'Requests for information');
  await requests.getByText('each read is recorded').waitFor();
  t.equal(await lawyer.getByTestId('request-question-1').count(), 0, 'the question is not read before asked');
  await requests.getByRole('button', { name: 'Show request 1 (the read is recorded)' }).click();
  t.equal(await lawyer.getByTestId('request-question-1').textContent(), QUESTION, 'the question, decrypted on request');

  const documents = region(lawyer, 'Documents');
  t.match(await lawyer.getByTestId('document-1').textContent(), /^Letter · PDF · .+ · uploaded by assessor-1 on /, 'the request\'s letter, served with it');
  const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300 * 1024, 0x41), Buffer.from('\n%%EOF\n')]);
  const upload = region(lawyer, 'Upload a document');
  await upload.getByRole('button', { name: 'Upload', exact: true }).click();
  await upload.getByText('Required', { exact: true }).waitFor();
  await upload.getByLabel('Kind of document').selectOption('medical-report');
  // 300 KiB: more than the console takes into memory (BODY_LIMIT), so it streamed through.
  await upload.getByLabel('File', { exact: true }).setInputFiles({ name: FILE_NAME, mimeType: 'application/pdf', buffer: content });
  await upload.getByRole('button', { name: 'Upload', exact: true }).click();
  await lawyer.getByRole('status').getByText('Done: Upload a document.', { exact: true }).waitFor();
  t.match(await lawyer.getByTestId('document-2').textContent(), /^Medical report · PDF · 300 kB · uploaded by lawyer-1 on /, 'kind, type, size, who and when');
  t.notOk((await lawyer.content()).includes('Jovanka'), 'never its file name');
  await documents.getByText('each download is recorded').waitFor();
  const [download] = await Promise.all([
    lawyer.waitForEvent('download'),
    documents.getByRole('link', { name: 'Download document 2, Medical report (the download is recorded)' }).click(),
  ]);
  t.equal(download.suggestedFilename(), FILE_NAME, 'under its own name, from the answer\'s header (never in a URL)');
  t.equal(createHash('sha256').update(await readFile((await download.path())!)).digest('hex'), createHash('sha256').update(content).digest('hex'), 'the same bytes');
  const log = await call(system.url.projection, 'GET', `/claims/${claimId}/access-log`, tk.auditor!);
  const purposes = (JSON.parse(log.text) as { reads: { purpose: string; accessedBy: string }[] }).reads.map((r) => `${r.purpose} ${r.accessedBy}`);
  t.same(purposes.sort(), ['claim-document lawyer-1', 'information-request lawyer-1'], 'the question\'s read and the download, both recorded');

  const answer = region(lawyer, 'Answer request 1');
  await answer.getByLabel('Answer', { exact: true }).fill('The medical report is attached.');
  await answer.getByRole('checkbox', { name: /Document 2: Medical report/ }).check();
  await answer.getByRole('button', { name: 'Send the answer' }).click();
  await lawyer.getByRole('status').getByText('Done: Answer request 1.', { exact: true }).waitFor();
  t.equal(await lawyer.getByTestId('claim-on-hold').count(), 0, 'no longer on hold');
  t.match(await lawyer.getByTestId('information-request-1').textContent(), /Answered · asked by assessor-1 .* answered by lawyer-1 .*1 document with the answer/);
  await checkAccessibility(t, lawyer, 'claim page with a request and a document, lawyer');
  await run.shoot(lawyer, 'casework-lawyer');
  await fitsPhone(lawyer, 'claim page with requests and documents');

  // Co-counsel, then a hand-over to them.
  await act(lawyer, 'Add a co-counsel', 'Add', { 'The lawyer\'s user id': 'lawyer-2' });
  t.equal(await lawyer.getByTestId('claim-co-counsel').textContent(), 'lawyer-2');
  const second = await signIn('Second Lawyer', 'My claims');
  await openClaim(second);
  t.equal(await second.getByTestId('claim-lead').textContent(), 'lawyer-1', 'the co-counsel opens the claim');
  t.equal(await region(second, 'Hand the claim over to another lawyer').count(), 0, 'and is not offered the hand-over: the lead\'s');
  const handOver = region(lawyer, 'Hand the claim over to another lawyer');
  await handOver.getByLabel('The new lead lawyer\'s user id').fill('lawyer-2');
  await handOver.getByLabel('Reason for the hand-over').fill('Leaving the firm.');
  await handOver.getByRole('button', { name: 'Hand over', exact: true }).click();
  // The former lead no longer sees the claim: the page says so, as for any claim not theirs.
  await lawyer.getByText('There is no such claim, or it is not one you may see.').waitFor({ timeout: 15_000 });
  await second.reload();
  await second.getByTestId('claim-lead').waitFor();
  t.equal(await second.getByTestId('claim-lead').textContent(), 'lawyer-2', 'the new lead');

  // ---- the assessor asks again, then withdraws it; in Serbian ---------------------------------
  await openClaim(assessor);
  await act(assessor, 'Ask the lawyers for information', 'Ask', { 'What is asked': 'The payslips of 2024.', 'Or due in this many working days': '10' });
  await act(assessor, 'Withdraw request 2', 'Withdraw the request');
  t.match(await assessor.getByTestId('information-request-2').textContent(), /Withdrawn · asked by assessor-1 .* withdrawn on /);
  t.equal(await assessor.getByTestId('claim-on-hold').count(), 0);
  await uiLanguage(assessor).selectOption('sr-Latn');
  await assessor.getByRole('heading', { name: 'Zahtevi za informacijama' }).waitFor();
  t.match(await assessor.getByTestId('document-2').textContent(), /^Medicinski izveštaj · PDF · .+ · otpremio lawyer-1/);
  await checkAccessibility(t, assessor, 'claim page in Serbian, assessor');
  await run.shoot(assessor, 'casework-assessor-sr');

  // ---- the fund admin allocates a budget --------------------------------------------------------
  const year = fundYearNow();
  await admin.getByRole('link', { name: 'Fund budgets' }).click();
  const allocate = region(admin, `Allocate budget to ${year}`);
  await allocate.waitFor();
  sent.length = 0;
  admin.on('request', (r) => { if (r.method() === 'POST') sent.push(r.url()); });
  await allocate.getByLabel('Amount (RSD)').fill('-5');
  await allocate.getByRole('button', { name: 'Allocate' }).click();
  await allocate.getByText('Must be more than zero').waitFor();
  t.same(sent, [], 'a negative amount shows its error and sends nothing');
  await allocate.getByLabel('Amount (RSD)').fill('1000000');
  await allocate.getByRole('button', { name: 'Allocate' }).click();
  await allocate.getByText(`Budget of RSD 1,000,000.00 allocated to ${year}.`).waitFor();
  await admin.getByTestId(`fund-year-RS-${year}`).getByText('RSD 1,000,000.00').first().waitFor();
  t.equal((await admin.getByTestId(`fund-year-RS-${year}`).locator('td').first().textContent())?.replace(/\s/g, ' '), 'RSD 1,000,000.00', 'the ledger shows the budget');
  await checkAccessibility(t, admin, 'fund budgets with the allocation form');
  await run.shoot(admin, 'casework-funds');
  await fitsPhone(admin, 'fund budgets');
  await uiLanguage(admin).selectOption('sr-Latn');
  await admin.getByRole('heading', { name: `Dodelite budžet za ${year}` }).waitFor();
  await checkAccessibility(t, admin, 'fund budgets in Serbian');
  await fitsPhone(admin, 'fund budgets in Serbian');

  t.notOk(run.consoleLogs.join('\n').includes('Jovanka'), 'the file\'s name is in no log of the console');
  t.same(pageErrors, [], 'no script error, no CSP violation');
});
