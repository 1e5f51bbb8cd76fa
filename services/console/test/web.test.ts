/**
 * The app's HTML as the console serves it: the page's own module and its imports named as module
 * preloads (from the build's manifest), and for a signed-in user the session GET /api/session
 * answers, in a JSON data block, so that the page's queries need not wait for it. A page that
 * carries a session is stored by no cache; a signed-out page carries none.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { PAGE_MODULES } from '../src/routes.ts';
import { signIn, startConsole } from './helpers.ts';

const CLAIM = '/claims/0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e';
const INDEX = '<!doctype html><html><head><title>Compensation fund</title>'
  + '<script type="module" crossorigin src="/assets/index.js"></script></head><body><div id="root"></div></body></html>';

async function builtApp(t: Test, manifest: boolean): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cfund-web-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, 'index.html'), INDEX);
  if (manifest) {
    await mkdir(join(root, '.vite'));
    await writeFile(join(root, '.vite', 'manifest.json'), JSON.stringify({
      'src/main.tsx': { file: 'assets/index.js', isEntry: true },
      '_Field.js': { file: 'assets/Field-1.js' },
      [PAGE_MODULES.claim]: { file: 'assets/ClaimPage-1.js', isDynamicEntry: true, imports: ['_Field.js'] },
      [PAGE_MODULES.claims]: { file: 'assets/ClaimsPage-1.js', isDynamicEntry: true },
      [PAGE_MODULES.work]: { file: 'assets/WorkQueuePage-1.js', isDynamicEntry: true },
      [PAGE_MODULES.reads]: { file: 'assets/PersonalDataReadsPage-1.js', isDynamicEntry: true },
    }));
  }
  return root;
}

const preloads = (html: string) => [...html.matchAll(/<link rel="modulepreload" crossorigin href="([^"]+)">/g)].map((m) => m[1]);
const sessionIn = (html: string): unknown => {
  const m = /<script type="application\/json" id="cfund-session">(.*?)<\/script>/s.exec(html);
  return m ? JSON.parse(m[1]!) : undefined;
};

t.test('a page names its own module and what it imports as module preloads', async (t) => {
  const app = await startConsole(t, { webRoot: await builtApp(t, true) });
  const claim = await app.inject({ method: 'GET', url: CLAIM });
  t.equal(claim.statusCode, 200);
  t.match(claim.headers['content-type'], /^text\/html/);
  t.same(preloads(claim.body), ['/assets/ClaimPage-1.js', '/assets/Field-1.js'], 'the claim page and its import');
  t.ok(claim.body.indexOf('modulepreload') < claim.body.indexOf('</head>'), 'in the head');
  t.same(preloads((await app.inject({ method: 'GET', url: '/claims?status=filed' })).body), ['/assets/ClaimsPage-1.js'], 'the claim list');
  t.same(preloads((await app.inject({ method: 'GET', url: '/sign-in' })).body), [], 'sign-in is in the app\'s script: nothing to preload');
  t.same(preloads((await app.inject({ method: 'GET', url: '/nowhere' })).body), [], 'nor "page not found"');
});

t.test('at /, a signed-in person\'s page names the chunk of their own first page, not the claim list\'s', async (t) => {
  const app = await startConsole(t, { webRoot: await builtApp(t, true) });
  const at = async (sub: string) => preloads((await app.inject({ method: 'GET', url: '/', headers: { cookie: (await signIn(app, sub)).cookie } })).body);
  t.same(await at('assessor-1'), ['/assets/WorkQueuePage-1.js'], 'fund staff: their work queue');
  t.same(await at('finance-1'), ['/assets/WorkQueuePage-1.js'], 'the finance officer too');
  t.same(await at('dpo-1'), ['/assets/PersonalDataReadsPage-1.js'], 'the data-protection officer: the reads of personal data');
  t.same(await at('lawyer-1'), ['/assets/ClaimsPage-1.js'], 'a lawyer: their claims');
  t.same(preloads((await app.inject({ method: 'GET', url: '/' })).body), ['/assets/ClaimsPage-1.js'], 'signed out: as before (the app goes to sign-in)');
  t.same(preloads((await app.inject({ method: 'GET', url: '/claims', headers: { cookie: (await signIn(app, 'assessor-1')).cookie } })).body), ['/assets/ClaimsPage-1.js'], 'a path asked for is served as asked');
});

t.test('without a manifest (a build before it) the page is served as built', async (t) => {
  const app = await startConsole(t, { webRoot: await builtApp(t, false) });
  const claim = await app.inject({ method: 'GET', url: CLAIM });
  t.equal(claim.statusCode, 200);
  t.equal(claim.body, INDEX);
});

t.test('a signed-in user\'s page carries their session, as GET /api/session answers it, and no cache keeps it', async (t) => {
  const app = await startConsole(t, { webRoot: await builtApp(t, true) });
  const signedOut = await app.inject({ method: 'GET', url: '/claims' });
  t.equal(sessionIn(signedOut.body), undefined, 'signed out: no session in the page');
  t.equal(signedOut.headers['cache-control'], 'no-cache', 'revalidated');

  const lawyer = await signIn(app, 'lawyer-1');
  const page = await app.inject({ method: 'GET', url: '/claims', headers: { cookie: lawyer.cookie } });
  const asked = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: lawyer.cookie } });
  t.equal(asked.statusCode, 200);
  t.same(sessionIn(page.body), asked.json(), 'the same view: principal, CSRF token, expiry, sign-in method');
  t.equal((sessionIn(page.body) as { csrfToken: string }).csrfToken, lawyer.csrfToken);
  t.equal(page.headers['cache-control'], 'no-store', 'a page with a session is stored nowhere');
  t.notMatch(page.body, /accessToken|eyJ/, 'no token in the page');
  t.match(page.headers['content-security-policy'], /script-src 'self'/, 'the CSP unchanged: a data block is never run');

  // A cookie that names no session: the page says nothing of one (the app then asks, and is told 401).
  const stale = await app.inject({ method: 'GET', url: '/claims', headers: { cookie: 'cfund-session=forged' } });
  t.equal(stale.statusCode, 200);
  t.equal(sessionIn(stale.body), undefined);
});
