/**
 * The console in a real browser for end-to-end tests: the whole system (system.ts), the console
 * in process in front of it, and headless chromium (playwright-core, Debian's chromium or
 * CHROMIUM_BIN). axe-core checks pages; screenshots go to .tap/screenshots/console/.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DemoUser } from '@cfund/contracts';
import { buildApp, EmbeddedSignIn } from '@cfund/console';
import { createLogger, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, jwtSecretPath, readJwtSecretFile } from '@cfund/service-kit';
import { buildConsoleWeb } from '@cfund/test-support';
import { startSystem, type RunningSystem } from './system.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = join(repoRoot, '.tap', 'screenshots', 'console');

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is: no serious or critical violation (`anyImpact`: no violation at all). */
/**
 * The console's own language switch in the header (a label around a select: its name is "Language"
 * and the chosen one). Not getByLabel('Language'), which also finds the victim's preferred language.
 */
export function uiLanguage(page: Page) {
  return page.getByRole('combobox', { name: /^Language/ });
}

/** Waits two frames: the console moves the focus to the first field to correct in the frame after the errors are drawn. */
export async function framesDrawn(page: Page): Promise<void> {
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())))');
}

export async function checkAccessibility(t: Test, page: Page, what: string, options: { anyImpact?: boolean } = {}): Promise<void> {
  await page.evaluate(axeSource); // through the debugging protocol: the page's CSP does not apply
  const result = await page.evaluate('axe.run(document, { resultTypes: ["violations"] })') as { violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] };
  const violations = result.violations.filter((v) => options.anyImpact || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  t.same(violations, [], `${what}: no ${options.anyImpact ? '' : 'serious or critical '}accessibility violation`);
}

export interface ConsoleInBrowser {
  system: RunningSystem;
  /** The console's URL. */
  base: string;
  browser: Browser;
  /** What the console logged, a line each. */
  consoleLogs: string[];
  /** A page in a context of its own (its own cookies: its own session), watched for script errors and CSP violations. */
  newPage(options?: { locale?: string }): Promise<Page>;
  /** Script errors and CSP violations of every page. */
  pageErrors: string[];
  shoot(page: Page, name: string): Promise<void>;
  /** A new page signed in with the demo user `name`'s one-click button, once its landing page's heading (`landing`) shows. */
  signIn(name: string, landing: string): Promise<Page>;
}

/** The system, the console and chromium; the reason they cannot run here (for a skipped test) otherwise. */
export async function startConsoleInBrowser(t: Test, options: { users?: readonly DemoUser[] } = {}): Promise<ConsoleInBrowser | { skipped: string }> {
  if (!existsSync(CHROMIUM)) return { skipped: `no chromium at ${CHROMIUM} (npm test installs it with apt-get when run as root on Debian; or set CHROMIUM_BIN)` };
  await buildConsoleWeb();
  const system = await startSystem(t, { logLevel: 'info' });
  if ('skipped' in system) return system;

  const consoleLogs: string[] = [];
  const app = await buildApp({
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => { consoleLogs.push(line); } } }),
    upstreams: { commands: system.url.command, queries: system.url.projection, notifications: system.url.notification },
    embeddedSignIn: new EmbeddedSignIn({
      jwtSecret: await readJwtSecretFile(jwtSecretPath(system.dataDir)), issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE, ttlSeconds: 3600,
      ...(options.users ? { users: options.users } : {}),
    }),
  });
  t.teardown(() => app.close());
  const base = await app.listen({ port: 0, host: '127.0.0.1' });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  t.teardown(() => browser.close());
  await mkdir(SCREENSHOTS, { recursive: true });
  const pageErrors: string[] = [];
  const newPage = async (options: { locale?: string } = {}) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: options.locale ?? 'en-GB' });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) pageErrors.push(m.text()); });
    return page;
  };
  return {
    system, base, browser, consoleLogs, pageErrors, newPage,
    async signIn(name, landing) {
      const page = await newPage();
      await page.goto(`${base}/sign-in`);
      await page.getByRole('button', { name: new RegExp(`^Sign in as ${name} [a-z]`) }).click();
      await page.getByRole('heading', { name: landing, exact: true }).waitFor();
      return page;
    },
    shoot: async (page, name) => { await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true }); },
  };
}
