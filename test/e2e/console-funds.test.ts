/**
 * The fund's budgets and ledger in the console: a fund year's budget (this year's and last
 * year's allocated through the API) and one award committed and partly paid, and part of it
 * recovered from the offender (through the API),
 * read by the fund administrator year by year with the claim behind the figures, in English and
 * Serbian and at a phone's width; the finance officer is offered the page, a lawyer is not. The
 * year's commitments by the year of their award, and its budget use (amounts, shares, a meter with
 * its text) for the fund admin, the finance officer and the auditor, not the assessor. The
 * lawyer (a second claim filed) orders "my claims" oldest first: the API's `sort`, kept in the URL.
 * axe-core on every view, screenshots `funds-*.png`.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { fileBody, fundYearNow, lifecycleSteps, type Tokens } from '@cfund/bench-kit';
import { checkAccessibility, startConsoleInBrowser, uiLanguage } from './browser.ts';
import { call } from './system.ts';

t.test('the fund administrator reads the fund\'s budget and ledger by year', async (t) => {
  const run = await startConsoleInBrowser(t);
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, base, pageErrors } = run;
  const year = fundYearNow();
  const tk: Tokens = {
    lawyer: await system.token('lawyer-1', 'lawyer'), assessor: await system.token('assessor-1', 'fund-assessor'),
    approver1: await system.token('approver-1', 'fund-approver'), approver2: await system.token('approver-2', 'fund-approver'),
    finance: await system.token('finance-1', 'fund-finance'), admin: await system.token('admin-1', 'fund-admin'),
    auditor: await system.token('auditor-1', 'auditor'),
  };
  const rsd = (amountMinor: number) => ({ amount: { amountMinor, currency: 'RSD' } });
  t.equal((await call(system.url.command, 'POST', `/funds/RS/${year}/budget`, tk.admin, rsd(10_000_000_000))).status, 200, 'this year\'s budget');
  t.equal((await call(system.url.command, 'POST', `/funds/RS/${year - 1}/budget`, tk.admin, rsd(5_000_000_000))).status, 200, 'last year\'s budget');
  // Next year's: late in the year, instalments fall due then and are committed against it.
  t.equal((await call(system.url.command, 'POST', `/funds/RS/${year + 1}/budget`, tk.admin, rsd(5_000_000_000))).status, 200, 'next year\'s budget');
  // Filing to the first of three instalments paid: 900,000.00 committed, 300,000.00 paid.
  const filed = await call(system.url.command, 'POST', '/claims', tk.lawyer, fileBody(1));
  t.equal(filed.status, 201, 'filed');
  const { claimId } = JSON.parse(filed.text) as { claimId: string };
  const later = await call(system.url.command, 'POST', '/claims', tk.lawyer, fileBody(2));
  t.equal(later.status, 201, 'a second claim filed after it');
  const laterId = (JSON.parse(later.text) as { claimId: string }).claimId;
  const toFirstPayment = lifecycleSteps().slice(0, lifecycleSteps().findIndex(([, path]) => path === 'payouts/1/disbursement') + 1);
  for (const [name, path, who, body] of toFirstPayment) {
    const r = await call(system.url.command, 'POST', `/claims/${claimId}/${path}`, tk[who], body);
    if (r.status !== 200) t.fail(`${name}: ${r.status} ${r.text}`);
  }
  // 50,000.00 recovered from the offender today: credited to this year's ledger.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date());
  t.equal((await call(system.url.command, 'POST', `/claims/${claimId}/recoveries`, tk.finance, { ...rsd(5_000_000), recordedOn: today })).status, 200, 'a recovery');
  for (let i = 0; ; i += 1) {
    const r = await call(system.url.projection, 'GET', `/funds/RS/${year}`, tk.admin);
    if (r.status === 200 && (JSON.parse(r.text) as { recoveredMinor: number }).recoveredMinor > 0) break;
    if (i > 200) throw new Error(`the ledger never showed the payment: ${r.status} ${r.text}`);
    await new Promise((done) => setTimeout(done, 50));
  }

  // What of the award falls due next year (late in the year the schedule's last instalments do): committed there, released here.
  const detail = JSON.parse((await call(system.url.projection, 'GET', `/claims/${claimId}`, tk.admin)).text) as { fund: { instalments: { amount: { amountMinor: number }; dueOn: string }[] } };
  const dueNextYear = detail.fund.instalments.filter((i) => Number(i.dueOn.slice(0, 4)) > year).reduce((a, i) => a + i.amount.amountMinor, 0);
  const rsdText = (minor: number) => `RSD ${(minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

  const { signIn } = run;
  const cells = async (page: Page, rowYear: number) =>
    (await page.getByTestId(`fund-year-RS-${rowYear}`).locator('th, td').allTextContents()).map((s) => s.replace(/\s/g, ' '));

  const admin = await signIn('Demo Fund Admin', 'Work queue');
  await admin.getByRole('link', { name: 'Fund budgets' }).click();
  await admin.getByRole('heading', { name: 'Fund budgets', exact: true }).waitFor();
  await admin.getByTestId(`fund-year-RS-${year}`).waitFor();
  t.same(await cells(admin, year), [String(year), 'RSD 100,000,000.00', 'RSD 900,000.00', rsdText(dueNextYear), 'RSD 300,000.00', 'RSD 50,000.00', rsdText(60_000_000 - dueNextYear), rsdText(9_915_000_000 + dueNextYear)],
    'this year: budget, committed, released, disbursed, recovered, outstanding, available (budget and recoveries less what is tied)');
  t.same(await cells(admin, year - 1), [String(year - 1), 'RSD 50,000,000.00', 'RSD 0.00', 'RSD 0.00', 'RSD 0.00', 'RSD 0.00', 'RSD 0.00', 'RSD 50,000,000.00'], 'last year: its budget, nothing committed');
  t.same(await cells(admin, year - 2), [String(year - 2), 'No budget allocated and nothing committed'], 'the year before: nothing');
  await admin.getByRole('heading', { name: `1 award committed in ${year}` }).waitFor();
  const claimRow = (await admin.getByTestId('fund-claims-RS').locator('tbody td').allTextContents()).map((s) => s.replace(/\s/g, ' '));
  t.same(claimRow, [claimId.slice(0, 8), 'RSD 900,000.00', 'RSD 300,000.00', rsdText(60_000_000 - dueNextYear), 'RSD 50,000.00', '1'], 'the claim behind the figures, with what was recovered on it this year');

  // What this year's ledger holds by award year: the award of this year, less what falls due next year.
  const rows = async (page: Page, testId: string) => Promise.all((await page.getByTestId(testId).locator('tbody tr').all())
    .map(async (r) => (await r.locator('th, td').allTextContents()).map((s) => s.replace(/\s/g, ' '))));
  const tied = 90_000_000 - dueNextYear;
  t.same(await rows(admin, 'fund-award-years-RS'), [[String(year), '1', rsdText(tied), 'RSD 300,000.00']],
    'award year, claims, committed in this year\'s ledger, paid in it');
  t.equal(await admin.getByTestId('fund-award-years-RS').locator('caption').innerText(),
    `What the ${year} ledger of the fund of Serbia holds, by the year each award was approved in`);
  t.equal(await admin.getByTestId('fund-award-years-RS').locator('thead th[scope="col"]').count(), 4, 'column headers');
  t.equal(await admin.getByTestId('fund-award-years-RS').locator('tbody th[scope="row"]').count(), 1, 'the award year heads its row');
  // The budget's use: the figures of the monitoring's table, with their shares of the budget.
  const percent = (share: number) => new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 }).format(share);
  const budget = 10_000_000_000;
  t.same(await rows(admin, 'budget-use-RS'), [
    ['Budget allocated', 'RSD 100,000,000.00', '100%'],
    ['Committed, not released', rsdText(tied), percent(tied / budget)],
    ['Paid out, not returned', 'RSD 300,000.00', percent(30_000_000 / budget)],
    ['Recovered from offenders', 'RSD 50,000.00', percent(5_000_000 / budget)],
    ['Remaining for new awards', rsdText(budget + 5_000_000 - tied), percent((budget + 5_000_000 - tied) / budget)],
  ], 'allocated, committed not released, paid not returned, recovered, remaining: amounts and shares');
  const used = `${percent(tied / budget)} of the budget committed`;
  t.equal(await admin.getByTestId('budget-used-RS').innerText(), used, 'the committed share in words');
  const meter = admin.getByRole('meter', { name: used });
  t.equal(Number(await meter.getAttribute('value')), tied / budget, 'and as a meter named by them');
  t.equal(await admin.getByTestId('budget-use-RS').locator('caption').innerText(), `Use of the ${year} budget of the fund of Serbia`);
  await checkAccessibility(t, admin, 'fund budgets');
  await run.shoot(admin, 'funds-admin');

  // A year back: the URL holds the year (nothing personal), the rows move with it.
  await admin.getByRole('link', { name: 'Previous year' }).click();
  await admin.waitForURL(`${base}/funds?year=${year - 1}`);
  await admin.getByRole('heading', { name: `No awards committed in ${year - 1}` }).waitFor();
  t.same(await cells(admin, year - 1), [String(year - 1), 'RSD 50,000,000.00', 'RSD 0.00', 'RSD 0.00', 'RSD 0.00', 'RSD 0.00', 'RSD 0.00', 'RSD 50,000,000.00']);
  t.equal(await admin.getByTestId(`fund-year-RS-${year}`).count(), 0, 'the chosen year and the two before it');
  await checkAccessibility(t, admin, 'fund budgets, last year');

  // The claim opens from the ledger.
  await admin.getByRole('link', { name: 'Next year' }).click();
  await admin.getByRole('link', { name: `Open claim ${claimId}` }).click();
  await admin.waitForURL(`${base}/claims/${claimId}`);
  await admin.getByTestId('claim-status').waitFor();
  await admin.goBack();

  // In Serbian, and at a phone's width.
  await uiLanguage(admin).selectOption('sr-Latn');
  await admin.getByRole('heading', { name: 'Budžeti fonda', exact: true }).waitFor();
  await admin.getByRole('heading', { name: `1 naknada preuzeta u ${year}` }).waitFor();
  t.match((await cells(admin, year))[1], /^100\.000\.000,00 RSD$/, 'amounts through Intl in Serbian');
  await admin.getByRole('heading', { name: `Korišćenje budžeta u ${year}` }).waitFor();
  t.same((await rows(admin, 'budget-use-RS'))[0], ['Dodeljeni budžet', '100.000.000,00 RSD', '100%'], 'budget use in Serbian');
  await admin.getByRole('heading', { name: `Preuzeto u ${year}, po godini naknade` }).waitFor();
  await checkAccessibility(t, admin, 'fund budgets in Serbian');
  await admin.setViewportSize({ width: 390, height: 844 });
  t.ok(await admin.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), 'fits 390 px');
  await checkAccessibility(t, admin, 'fund budgets in Serbian, at a phone\'s width');
  await run.shoot(admin, 'funds-admin-phone');

  const finance = await signIn('Demo Finance Officer', 'Work queue');
  await finance.getByRole('link', { name: 'Fund budgets' }).click();
  await finance.getByTestId(`fund-year-RS-${year}`).waitFor();
  t.equal((await cells(finance, year))[4], 'RSD 300,000.00', 'the finance officer reads the same ledger');
  t.same((await rows(finance, 'budget-use-RS'))[2], ['Paid out, not returned', 'RSD 300,000.00', percent(30_000_000 / budget)], 'and its budget use');
  await finance.setViewportSize({ width: 390, height: 844 });
  t.ok(await finance.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), 'fits 390 px, in English');
  await checkAccessibility(t, finance, 'fund budgets of the finance officer, at a phone\'s width');
  const auditor = await signIn('Demo Auditor', 'Claims');
  await auditor.getByRole('link', { name: 'Fund budgets' }).click();
  await auditor.getByTestId('budget-use-RS').waitFor();
  t.equal(await auditor.getByTestId('budget-used-RS').innerText(), used, 'the auditor reads the budget use');
  await checkAccessibility(t, auditor, 'fund budgets of the auditor');
  const assessor = await signIn('Demo Assessor', 'Work queue');
  await assessor.getByRole('link', { name: 'Fund budgets' }).click();
  await assessor.getByTestId('fund-award-years-RS').waitFor();
  t.equal(await assessor.getByTestId('budget-use-RS').count(), 0, 'an assessor reads the ledger, not the budget use');
  const lawyer = await signIn('Demo Lawyer', 'My claims');
  t.equal(await lawyer.getByRole('link', { name: 'Fund budgets' }).count(), 0, 'a lawyer is not offered the fund\'s ledger');

  // "My claims" in either order (the references are the claims' own, read from their pages' links).
  const listed = async () => Promise.all((await lawyer.locator('main table tbody tr a').all()).map((a) => a.getAttribute('href')));
  await lawyer.locator('main table tbody tr a').first().waitFor();
  t.same(await listed(), [`/claims/${laterId}`, `/claims/${claimId}`], 'newest filings first');
  await lawyer.getByLabel('Order').selectOption('oldest');
  await lawyer.getByRole('button', { name: 'Show' }).click();
  await lawyer.waitForURL(`${base}/claims?sort=oldest`);
  await lawyer.locator(`main table tbody tr:first-child a[href="/claims/${claimId}"]`).waitFor();
  t.same(await listed(), [`/claims/${claimId}`, `/claims/${laterId}`], 'oldest filings first, asked of the API');
  await lawyer.reload();
  await lawyer.locator('main table tbody tr a').first().waitFor();
  t.same(await listed(), [`/claims/${claimId}`, `/claims/${laterId}`], 'the order survives a reload (it is in the URL)');
  t.equal(await lawyer.getByLabel('Order').inputValue(), 'oldest');
  await checkAccessibility(t, lawyer, 'my claims, oldest first');
  t.same(pageErrors, [], 'no script error, no CSP violation');
});
