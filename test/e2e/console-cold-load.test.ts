/**
 * What a cold page of the console waits for, in a real browser against the whole system:
 * - the auditor's claim page shows the timeline before the integrity verdict is even asked for
 *   (verifying reads the claim's whole stream): meanwhile "checking…" in a live region, then the
 *   verdict there; a verification that fails is said there too, the timeline staying;
 * - fund staff opening `/` get their work queue's chunk only (the served page names it, from the
 *   session it carries), never the claim list's.
 * axe-core on the page while checking and after a failed check; screenshots `cold-*.png`.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { fileBody } from '@cfund/bench-kit';
import { eventually } from '@cfund/test-support';
import { checkAccessibility, startConsoleInBrowser } from './browser.ts';
import { call } from './system.ts';

const CHECKING = 'Checking that the claim\'s events are intact…';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((done) => { open = done; });
  return { opened, open };
}

/** The path of every script the page fetches from the console's assets. */
function scriptsFetched(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/assets/') && path.endsWith('.js')) paths.push(path);
  });
  return paths;
}

t.test('a cold page: the timeline before the verdict, the work queue\'s chunk alone at /', async (t) => {
  const run = await startConsoleInBrowser(t);
  if ('skipped' in run) return t.plan(0, run.skipped);
  const { system, base, pageErrors } = run;
  const lawyer = await system.token('lawyer-1', 'lawyer', ['RS']);
  const auditorToken = await system.token('auditor-cold-e2e', 'auditor', []);
  const filed = await call(system.url.command, 'POST', '/claims', lawyer, fileBody(1));
  t.equal(filed.status, 201, filed.text);
  const { claimId } = JSON.parse(filed.text) as { claimId: string };
  await eventually('the projection holds the claim', async () => (await call(system.url.projection, 'GET', `/claims/${claimId}`, auditorToken)).status === 200);

  await t.test('the auditor reads the timeline while the verdict is being checked, then the verdict', async (t) => {
    const auditor = await run.signIn('Demo Auditor', 'Claims');
    const order: string[] = [];
    const history = gate();
    const verdict = gate();
    await auditor.route('**/api/queries/claims/*/history', async (route) => {
      order.push('history asked');
      await history.opened;
      order.push('history answered');
      await route.continue();
    });
    await auditor.route('**/api/queries/claims/*/integrity', async (route) => {
      order.push('verdict asked');
      await verdict.opened;
      await route.continue();
    });
    await auditor.goto(`${base}/claims/${claimId}`);
    await auditor.getByTestId('claim-status').waitFor();
    await eventually('the timeline asks for the history', async () => order.includes('history asked'));
    // Not a measure of time: a second in which the console before this change had long asked for the verdict beside the history.
    await auditor.waitForTimeout(1000);
    t.same(order, ['history asked'], 'no verdict asked for while the history is on its way');
    history.open();

    const events = auditor.getByTestId('timeline').locator('li');
    await events.first().waitFor();
    t.match(await events.first().textContent(), 'Claim filed', 'the timeline shows, in words');
    const status = auditor.getByTestId('integrity-status');
    t.equal(await status.getAttribute('role'), 'status', 'the verdict\'s place is a live region');
    t.equal((await status.textContent())?.trim(), CHECKING, 'which says the chain is being checked');
    t.equal(await auditor.getByTestId('integrity').count(), 0, 'no verdict yet');
    await eventually('the verdict is asked for once the history has arrived', async () => order.includes('verdict asked'));
    t.same(order, ['history asked', 'history answered', 'verdict asked'], 'history first, then the verdict');
    await checkAccessibility(t, auditor, 'claim page: the timeline while the verdict is checked');
    await run.shoot(auditor, 'cold-checking');

    verdict.open();
    t.equal(await status.getByTestId('integrity').locator('.verdict-title').textContent(), 'Integrity: intact', 'the verdict, in the same place');
    t.notMatch(await status.textContent(), CHECKING, '"checking" gone');
  });

  await t.test('a verification that fails is said in the verdict\'s place; the timeline stays', async (t) => {
    const auditor = await run.signIn('Demo Auditor', 'Claims');
    await auditor.route('**/api/queries/claims/*/integrity', (route) => route.fulfill({
      status: 503, contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The event store did not answer.' }),
    }));
    await auditor.goto(`${base}/claims/${claimId}`);
    const failed = auditor.getByTestId('integrity-status').getByTestId('integrity-error');
    t.equal(await failed.textContent(), 'The integrity could not be checked: The event store did not answer.');
    t.equal(await auditor.getByTestId('timeline').locator('li').count(), 1, 'the timeline still shows its event');
    t.equal(await auditor.getByRole('region', { name: 'Timeline' }).getByRole('alert').count(), 0, 'no error above the timeline: the history arrived');
    await checkAccessibility(t, auditor, 'claim page: the verdict could not be had');
    await run.shoot(auditor, 'cold-verdict-failed');
  });

  await t.test('fund staff at / load their work queue\'s chunk, not the claim list\'s', async (t) => {
    const signedIn = await run.signIn('Demo Assessor', 'Work queue');
    const cookies = await signedIn.context().cookies();
    // A new context: an empty cache, the same session.
    const page = await run.newPage();
    await page.context().addCookies(cookies);
    const scripts = scriptsFetched(page);
    const response = await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Work queue', exact: true }).waitFor();
    t.equal(new URL(page.url()).pathname, '/work', 'at the work queue');
    t.match(await response!.text(), /<link rel="modulepreload" crossorigin href="\/assets\/WorkQueuePage-[\w-]+\.js">/, 'the served page names the work queue\'s chunk');
    t.ok(scripts.some((p) => /\/WorkQueuePage-[\w-]+\.js$/.test(p)), 'which is fetched');
    t.same(scripts.filter((p) => /\/ClaimsPage-[\w-]+\.js$/.test(p)), [], 'the claim list\'s chunk is not');
  });

  t.same(pageErrors, [], 'no script error, no CSP violation');
});
