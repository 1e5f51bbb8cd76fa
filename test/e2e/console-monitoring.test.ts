/**
 * The monitor's console (an NGO, a national rapporteur) in a real browser against the whole
 * system: claims are filed through the command service (six in Serbia, two in Bosnia and
 * Herzegovina, so that the Bosnian figures are under the suppression threshold), and the demo
 * monitor signs in. It lands on the monitoring page, never on the inbox: the navigation offers no
 * inbox and no claims, the console never asks the notification service, and the inbox's path
 * shows no inbox. The published table shows each cell as the projection publishes it, a withheld
 * one as "withheld" (never 0); amounts in EUR with provisional rates said so; the funds' budget
 * use (a Serbian budget allocated through the command service) as published, in EUR with the
 * dinars beneath, in a table with its caption; the recoveries from offenders (one Serbian claim
 * taken to closure and a recovery recorded, all through the command service: under the threshold,
 * so its paid and recovered cells read "withheld", never 0); the decisions within the scheme's time
 * limit, each cell and share as published; the catalogue's definitions as text. axe-core finds no violation at all; screenshots `monitoring*.png` in
 * .tap/screenshots/console/.
 */
import t from 'tap';
import { day, fileBody, fundYearNow, lifecycleSteps, RSD, type Tokens } from '@cfund/bench-kit';
import { eventually } from '@cfund/test-support';
import { checkAccessibility, startConsoleInBrowser, uiLanguage } from './browser.ts';
import { call } from './system.ts';

const ALL = ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'] as const;
const NAMES: Record<(typeof ALL)[number], string> = {
  RS: 'Serbia', BA: 'Bosnia and Herzegovina', ME: 'Montenegro', AL: 'Albania', MK: 'North Macedonia', XK: 'Kosovo',
};
interface Tables {
  claims: { columns: string[]; rows: { jurisdiction: string; cells: (number | null)[]; total: number | null }[] };
  budget: AmountsTable | null;
  recoveries: AmountsTable | null;
  timeLimit: { columns: string[]; rows: { jurisdiction: string; cells: (number | null)[]; total: number | null; shareWithinLimit: number | null }[]; columnTotals: (number | null)[]; total: number | null; regionShareWithinLimit: number | null };
}
interface AmountsTable { columns: string[]; rows: { jurisdiction: string; currency: string | null; cells: (number | null)[]; original: (number | null)[] }[]; columnTotals: (number | null)[] }

t.test('a monitor lands on the published tables, withheld cells marked, and is never shown the inbox', async (t) => {
  const run = await startConsoleInBrowser(t);
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, base, pageErrors } = run;
  const { url } = system;

  // ---- real events: claims filed through the command service ---------------------------------
  const lawyerRS = await system.token('lawyer-rs-e2e', 'lawyer', ['RS']);
  const lawyerBA = await system.token('lawyer-ba-e2e', 'lawyer', ['BA']);
  const auditor = await system.token('auditor-e2e', 'auditor', []);
  const monitor = await system.token('monitor-e2e', 'monitor', [...ALL]);
  const admin = await system.token('admin-rs-e2e', 'fund-admin', ['RS']);
  const filedRS: string[] = [];
  for (let n = 1; n <= 6; n++) {
    const r = await call(url.command, 'POST', '/claims', lawyerRS, fileBody(n));
    t.equal(r.status, 201, r.text);
    filedRS.push((JSON.parse(r.text) as { claimId: string }).claimId);
  }
  for (let n = 7; n <= 8; n++) {
    const r = await call(url.command, 'POST', '/claims', lawyerBA, {
      ...fileBody(n), jurisdiction: 'BA', incidentOn: day(-200),
      damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 2_000_000, currency: 'BAM' } }],
    });
    t.equal(r.status, 201, r.text);
  }
  // A Serbian budget of RSD 100,000,000.00 for this fund year: the budget is public, never withheld.
  const budget = await call(url.command, 'POST', `/funds/RS/${fundYearNow()}/budget`, admin, { amount: { amountMinor: 10_000_000_000, currency: 'RSD' } });
  t.equal(budget.status, 200, budget.text);
  // The schedule's last instalment may fall due next year, whose fund commits it.
  const nextBudget = await call(url.command, 'POST', `/funds/RS/${fundYearNow() + 1}/budget`, admin, { amount: { amountMinor: 10_000_000_000, currency: 'RSD' } });
  t.equal(nextBudget.status, 200, nextBudget.text);
  // One Serbian claim paid in full and closed, then an amount recovered from its offender: one
  // victim behind the recoveries, fewer than the threshold.
  const tk: Tokens = {
    lawyer: lawyerRS, admin, auditor,
    assessor: await system.token('assessor-rs-e2e', 'fund-assessor', ['RS']),
    approver1: await system.token('approver-1-rs-e2e', 'fund-approver', ['RS']),
    approver2: await system.token('approver-2-rs-e2e', 'fund-approver', ['RS']),
    finance: await system.token('finance-rs-e2e', 'fund-finance', ['RS']),
  };
  for (const [name, path, who, body] of lifecycleSteps()) {
    const r = await call(url.command, 'POST', `/claims/${filedRS[0]}/${path}`, tk[who], body);
    t.equal(r.status, 200, `${name}: ${r.text}`);
  }
  const recovery = await call(url.command, 'POST', `/claims/${filedRS[0]}/recoveries`, tk.finance, { amount: RSD(5_000_000), recordedOn: day(0) });
  t.equal(recovery.status, 200, recovery.text);
  await eventually('the projection holds the eight claims', async () => {
    const r = await call(url.projection, 'GET', '/claims?limit=1', auditor);
    return r.status === 200 && (JSON.parse(r.text) as { total: number }).total === 8;
  }, 30_000);
  const year = fundYearNow();
  const published = await call(url.projection, 'GET', `/monitoring/tables?year=${year}`, monitor);
  t.equal(published.status, 200, published.text);
  let tables = JSON.parse(published.text) as Tables;
  await eventually('the budget is published', async () => {
    const r = await call(url.projection, 'GET', `/monitoring/tables?year=${year}`, monitor);
    tables = JSON.parse(r.text) as Tables;
    const recovered = tables.recoveries?.columns.indexOf('recovered') ?? -1;
    return (tables.budget?.rows.find((row) => row.jurisdiction === 'RS')?.original[0] ?? 0) > 0
      && tables.recoveries?.rows.find((row) => row.jurisdiction === 'RS')?.cells[recovered] === null;
  }, 30_000);
  const cellOf = (j: string, column: string) => tables.claims.rows.find((r) => r.jurisdiction === j)!.cells[tables.claims.columns.indexOf(column)];
  t.equal(cellOf('BA', 'undecided'), null, 'the projection withholds two Bosnian claims (under the threshold)');

  // ---- the monitor signs in ---------------------------------------------------------------
  const page = await run.newPage();
  const notificationCalls: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/notifications/')) notificationCalls.push(r.url()); });
  await page.goto(`${base}/sign-in`);
  await page.getByRole('button', { name: /^Sign in as Demo Monitor \(regional\) / }).click();
  await page.getByRole('heading', { name: 'Monitoring', level: 1 }).waitFor();
  t.equal(new URL(page.url()).pathname, '/monitoring', 'the landing page is the monitoring page');
  const nav = page.getByRole('navigation');
  t.same(await nav.getByRole('link').allTextContents(), ['Monitoring'], 'the navigation offers monitoring only: no inbox, no claims');

  await page.getByLabel('Year of filing').selectOption(String(year));
  await page.getByRole('heading', { name: `Claims filed in ${year}, by fund outcome` }).waitFor();
  const count = new Intl.NumberFormat('en');
  const shown: string[] = [];
  const expected: string[] = [];
  for (const row of tables.claims.rows) {
    for (const [i, column] of tables.claims.columns.entries()) {
      shown.push(`${row.jurisdiction} ${column}: ${await page.getByTestId(`claims-${row.jurisdiction}-${column}`).textContent()}`);
      const n = row.cells[i]!;
      expected.push(`${row.jurisdiction} ${column}: ${n === null ? 'withheld' : count.format(n)}`);
    }
    shown.push(`${row.jurisdiction} total: ${await page.getByTestId(`claims-${row.jurisdiction}-total`).textContent()}`);
    expected.push(`${row.jurisdiction} total: ${row.total === null ? 'withheld' : count.format(row.total)}`);
  }
  t.same(shown, expected, 'every cell as published: a withheld one marked "withheld", never a number');
  t.equal(await page.getByTestId('claims-BA-undecided').textContent(), 'withheld');
  t.equal(await page.getByRole('row', { name: new RegExp(`^${NAMES.BA}`) }).first().getByRole('rowheader').textContent(), NAMES.BA, 'rows named by jurisdiction');
  await page.getByText('A withheld figure is not zero.', { exact: false }).waitFor();
  t.equal(await page.locator('table[aria-describedby="withheld-note"]').count(), 5, 'every table points to the explanation');

  // Decisions within the scheme's time limit: every cell and share as published.
  await page.getByRole('heading', { name: `Fund decisions within the time limit, claims filed in ${year}` }).waitFor();
  t.same(await page.getByTestId('time-limit-table').locator('thead th').allTextContents(),
    ['Jurisdiction', 'Within the limit', 'Beyond the limit', 'No limit set', 'Decisions', 'Share within the limit'], 'the time-limit table\'s columns');
  const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
  const limitShown: string[] = [];
  const limitExpected: string[] = [];
  const countOrWithheld = (n: number | null) => (n === null ? 'withheld' : count.format(n));
  for (const row of tables.timeLimit.rows) {
    for (const [i, column] of tables.timeLimit.columns.entries()) {
      limitShown.push(`${row.jurisdiction} ${column}: ${await page.getByTestId(`time-limit-${row.jurisdiction}-${column}`).textContent()}`);
      limitExpected.push(`${row.jurisdiction} ${column}: ${countOrWithheld(row.cells[i]!)}`);
    }
    limitShown.push(`${row.jurisdiction} total: ${await page.getByTestId(`time-limit-${row.jurisdiction}-total`).textContent()}`);
    limitExpected.push(`${row.jurisdiction} total: ${countOrWithheld(row.total)}`);
    limitShown.push(`${row.jurisdiction} share: ${await page.getByTestId(`time-limit-${row.jurisdiction}-share`).textContent()}`);
    limitExpected.push(`${row.jurisdiction} share: ${row.shareWithinLimit === null ? '–' : percent.format(row.shareWithinLimit)}`);
  }
  limitShown.push(`region share: ${await page.getByTestId('time-limit-region-share').textContent()}`);
  limitExpected.push(`region share: ${tables.timeLimit.regionShareWithinLimit === null ? '–' : percent.format(tables.timeLimit.regionShareWithinLimit)}`);
  t.same(limitShown, limitExpected, 'every time-limit cell and share as published');
  const rsWithin = tables.timeLimit.rows.find((r) => r.jurisdiction === 'RS')!.cells[tables.timeLimit.columns.indexOf('within-limit')];
  t.equal(rsWithin, null, 'one Serbian decision, within the limit: under the threshold, so withheld');
  t.equal(await page.getByTestId('time-limit-RS-within-limit').textContent(), 'withheld', 'and shown withheld, not 1');

  // Amounts in EUR, the dinar's rate said to be provisional, the mark's fixed rate not.
  t.match(await page.getByTestId('amounts-RS-claimed').textContent(), /€|withheld/);
  t.match(await page.getByTestId('rate-RSD').textContent(), /^1 EUR = [\d.,]+ RSD, provisional$/);
  t.match(await page.getByTestId('rate-BAM').textContent(), /^1 EUR = 1\.95583 BAM$/);
  t.match(await page.getByRole('rowheader', { name: /^Serbia/ }).last().textContent(), /provisional rate/);

  // The funds' budget use: each cell as published, in EUR with the dinars beneath, under its caption.
  const euro = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' });
  const money = (minor: number, currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);
  await page.getByRole('heading', { name: `Use of the funds' budgets in ${year}, in EUR` }).waitFor();
  t.equal(await page.getByTestId('budget-table').locator('caption').textContent(),
    `Each fund's ${year} ledger against its budget: the calendar year of the ledger, not the claims filed in it. The budget is public and always shown.`, 'the table\'s caption');
  t.same(await page.getByTestId('budget-table').locator('thead th').allTextContents(),
    ['Jurisdiction', 'Budget allocated', 'Committed, not released', 'Paid out, not returned', 'Recovered from offenders'], 'the columns in the funds page\'s words');
  /** Each cell of an amounts table as shown, and as published (EUR, the original beneath; withheld said so). */
  const amountCells = async (id: string, table: AmountsTable) => {
    const shown: string[] = [];
    const expected: string[] = [];
    for (const row of table.rows) {
      for (const [i, column] of table.columns.entries()) {
        shown.push(`${row.jurisdiction} ${column}: ${(await page.getByTestId(`${id}-${row.jurisdiction}-${column}`).textContent())!.replace(/\s/g, ' ')}`);
        const cents = row.cells[i]!;
        const original = row.currency && row.currency !== 'EUR' && cents !== null && row.original[i] !== null ? money(row.original[i]!, row.currency) : '';
        expected.push(`${row.jurisdiction} ${column}: ${cents === null ? 'withheld' : (euro.format(cents / 100) + original).replace(/\s/g, ' ')}`);
      }
    }
    return { shown, expected };
  };
  const { shown: budgetShown, expected: budgetExpected } = await amountCells('budget', tables.budget!);
  t.same(budgetShown, budgetExpected, 'every budget cell as published: a withheld one marked "withheld"');
  t.match(await page.getByTestId('budget-RS-allocated').textContent(), /^€[\d,]+\.\d\dRSD\s100,000,000\.00$/, 'the Serbian budget in EUR, the dinars beneath');

  // The recoveries from offenders: every cell as published; the one Serbian claim's withheld, never 0.
  await page.getByRole('heading', { name: `Recoveries from offenders on the claims filed in ${year}, in EUR` }).waitFor();
  t.equal(await page.getByTestId('recoveries-table').locator('caption').textContent(),
    `What the funds paid on the claims filed in ${year}, and what they recovered from the offenders of the same claims (subrogation).`, 'the table\'s caption');
  t.same(await page.getByTestId('recoveries-table').locator('thead th').allTextContents(), ['Jurisdiction', 'Paid', 'Recovered from offenders'], 'its columns');
  const { shown: recoveriesShown, expected: recoveriesExpected } = await amountCells('recoveries', tables.recoveries!);
  for (const [i, column] of tables.recoveries!.columns.entries()) {
    recoveriesShown.push(`region ${column}: ${(await page.getByTestId(`recoveries-region-${column}`).textContent())!.replace(/\s/g, ' ')}`);
    const cents = tables.recoveries!.columnTotals[i]!;
    recoveriesExpected.push(`region ${column}: ${cents === null ? 'withheld' : euro.format(cents / 100).replace(/\s/g, ' ')}`);
  }
  t.same(recoveriesShown, recoveriesExpected, 'every recoveries cell as published');
  t.equal(await page.getByTestId('recoveries-RS-recovered').textContent(), 'withheld', 'one victim behind the Serbian recovery: withheld, not its amount and not 0');
  t.equal(await page.getByTestId('recoveries-RS-paid').textContent(), 'withheld');
  t.equal(await page.getByTestId('recoveries-table').getAttribute('aria-describedby'), 'withheld-note', 'the withheld cells point to the reason');

  await page.getByRole('term').filter({ hasText: /^Claims filed$/ }).waitFor();
  t.ok((await page.getByRole('definition').count()) >= 5, 'the catalogue\'s definitions as text');
  await checkAccessibility(t, page, 'monitoring', { anyImpact: true });
  await run.shoot(page, 'monitoring');

  // The inbox's path shows no inbox to a monitor; the console never asked for notifications.
  await page.goto(`${base}/inbox`);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  t.equal(await page.getByRole('heading', { name: 'Inbox' }).count(), 0, 'no inbox');
  await page.getByRole('link', { name: 'Back to the start' }).click();
  await page.getByRole('heading', { name: 'Monitoring', level: 1 }).waitFor();
  t.same(notificationCalls, [], 'the console never asked the notification service for a monitor');

  // Serbian (Latin): the same mark in the other language; a phone's width.
  await uiLanguage(page).selectOption('sr-Latn');
  await page.getByRole('heading', { name: 'Praćenje', level: 1 }).waitFor();
  t.equal(await page.getByTestId('claims-BA-undecided').textContent(), 'uskraćeno');
  await page.getByRole('heading', { name: `Korišćenje budžeta fondova u ${year}. godini, u evrima` }).waitFor();
  t.match(await page.getByTestId('budget-RS-allocated').textContent(), /^[\d.]+,\d\d\s€100\.000\.000,00\sRSD$/, 'the budget in Serbian number formats');
  await page.getByRole('heading', { name: `Naplata od učinilaca na zahtevima podnetim ${year}. godine, u evrima` }).waitFor();
  t.equal(await page.getByTestId('recoveries-RS-recovered').textContent(), 'uskraćeno', 'the recovery withheld in Serbian too');
  await page.getByRole('heading', { name: `Odluke fonda u roku, zahtevi podneti ${year}. godine` }).waitFor();
  t.same(await page.getByTestId('time-limit-table').locator('thead th').allTextContents(),
    ['Jurisdikcija', 'U roku', 'Posle roka', 'Rok nije propisan', 'Odluke', 'Udeo u roku'], 'the time-limit table in Serbian');
  await checkAccessibility(t, page, 'monitoring in Serbian', { anyImpact: true });
  await page.setViewportSize({ width: 390, height: 844 });
  t.ok(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'), 'fits 390 px');
  await run.shoot(page, 'monitoring-sr-phone');

  t.same(pageErrors, [], 'no script error and no CSP violation in the page');
});
