/**
 * The console's initial JavaScript, gzipped, stays within its budget: the app is built (when its
 * sources changed) and what its first page needs is measured and printed: what index.html loads,
 * and the page's own chunks and its messages, found in the build's manifest.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { buildConsoleWeb } from '@cfund/test-support';
import { FIRST_PAGE_MODULES, INITIAL_SCRIPT_BUDGET_BYTES, measureInitialScript } from '../src/index.ts';
import { readWebManifest, scriptsOf } from '../src/build/web-manifest.ts';
import { PAGE_MODULES } from '../src/routes.ts';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'web');
const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

t.test('the initial scripts are those index.html loads, measured gzipped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-bundle-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'assets'));
  const entry = Buffer.from('console.log("entry");'.repeat(200));
  const vendor = randomBytes(INITIAL_SCRIPT_BUDGET_BYTES + 1000); // incompressible: over the budget
  await writeFile(join(dir, 'assets', 'entry.js'), entry);
  await writeFile(join(dir, 'assets', 'vendor.js'), vendor);
  await writeFile(join(dir, 'assets', 'lazy.js'), randomBytes(50_000));
  await writeFile(join(dir, 'index.html'), '<script type="module" crossorigin src="/assets/entry.js"></script>\n'
    + '<link rel="modulepreload" crossorigin href="/assets/vendor.js">\n<link rel="stylesheet" href="/assets/index.css">');

  const measured = await measureInitialScript(dir);
  t.same(measured.files.map((f) => f.path).sort(), ['/assets/entry.js', '/assets/vendor.js'], 'the script and its preload; not a chunk loaded later, not CSS');
  t.equal(measured.bytes, entry.length + vendor.length);
  t.equal(measured.gzipBytes, gzipSync(entry, { level: 9 }).length + gzipSync(vendor, { level: 9 }).length);
  t.ok(measured.gzipBytes > INITIAL_SCRIPT_BUDGET_BYTES, 'an app this size would fail the budget');

  // A page's module, its imports in turn (and not twice), from the manifest: counted when asked for.
  await mkdir(join(dir, '.vite'));
  await writeFile(join(dir, 'assets', 'page.js'), entry);
  await writeFile(join(dir, 'assets', 'shared.js'), vendor.subarray(0, 2000));
  await writeFile(join(dir, '.vite', 'manifest.json'), JSON.stringify({
    'src/main.tsx': { file: 'assets/entry.js', isEntry: true, imports: ['_vendor.js'] },
    '_vendor.js': { file: 'assets/vendor.js' },
    '_shared.js': { file: 'assets/shared.js', imports: ['_vendor.js'] },
    'src/pages/Page.tsx': { file: 'assets/page.js', isDynamicEntry: true, imports: ['_shared.js', '_vendor.js'] },
  }));
  const withPage = await measureInitialScript(dir, ['src/pages/Page.tsx']);
  t.same(withPage.files.map((f) => f.path).sort(), ['/assets/entry.js', '/assets/page.js', '/assets/shared.js', '/assets/vendor.js'], 'the page, what it imports, each once');
  t.equal(withPage.gzipBytes, measured.gzipBytes + gzipSync(entry, { level: 9 }).length + gzipSync(vendor.subarray(0, 2000), { level: 9 }).length);
  await t.rejects(measureInitialScript(dir, ['src/pages/Gone.tsx']), /no module src\/pages\/Gone\.tsx/, 'a page the build lacks is an error, not 0 bytes');

  await writeFile(join(dir, 'index.html'), '<script src="https://cdn.example/app.js"></script>');
  await t.rejects(measureInitialScript(dir), /from elsewhere/, 'a script from another origin is no part of the app');
  await writeFile(join(dir, 'index.html'), '<div id="root"></div>');
  await t.rejects(measureInitialScript(dir), /names no script/);
});

t.test(`the built console's initial JavaScript is at most ${kB(INITIAL_SCRIPT_BUDGET_BYTES)} gzipped`, async (t) => {
  await buildConsoleWeb();
  const measured = await measureInitialScript(webDir, FIRST_PAGE_MODULES);
  t.ok(measured.files.some((f) => /\/ClaimsPage-[\w-]+\.js$/.test(f.path)), 'the first page\'s own chunk is counted');
  t.ok(measured.files.some((f) => /\/en-[\w-]+\.js$/.test(f.path)), 'and its messages');
  for (const f of measured.files) t.comment(`${f.path}: ${kB(f.bytes)}, ${kB(f.gzipBytes)} gzipped`);
  t.comment(`initial JavaScript: ${kB(measured.gzipBytes)} gzipped (${kB(measured.bytes)} raw), budget ${kB(INITIAL_SCRIPT_BUDGET_BYTES)}`);
  t.ok(measured.gzipBytes <= INITIAL_SCRIPT_BUDGET_BYTES, `${kB(measured.gzipBytes)} gzipped is within ${kB(INITIAL_SCRIPT_BUDGET_BYTES)}`);
});

/** zod's own names, which a minifier keeps (they are strings): a file holding zod holds them. */
const ZOD = /\$ZodType|ZodError/;
const holdsZod = async (path: string) => ZOD.test(await readFile(join(webDir, path), 'utf8'));

t.test('zod comes with the forms, not with the first page, the claim page or the work queue', async (t) => {
  await buildConsoleWeb();
  const first = await measureInitialScript(webDir, FIRST_PAGE_MODULES);
  for (const f of first.files) t.notOk(await holdsZod(f.path), `${f.path} (the first page) holds no zod`);
  const manifest = await readWebManifest(webDir);
  for (const page of ['claim', 'work'] as const) {
    for (const path of scriptsOf(manifest, PAGE_MODULES[page])) t.notOk(await holdsZod(path), `${path} (${page}) holds no zod`);
  }
  // The forms validate with the API's schemas: zod is in their chunks (and this check can see it).
  for (const form of ['src/actions/ActionForm.tsx', PAGE_MODULES['file-claim']]) {
    const withZod = [];
    for (const path of scriptsOf(manifest, form)) if (await holdsZod(path)) withZod.push(path);
    t.ok(withZod.length > 0, `${form} loads zod with it`);
  }
});

/** luxon's own names, which a minifier keeps (strings and a method called by name): a file holding luxon holds them. */
const LUXON = /Invalid DateTime|isValidZone/;
const holdsLuxon = async (path: string) => LUXON.test(await readFile(join(webDir, path), 'utf8'));

t.test('luxon comes with none of the first pages: the claim list, a claim page, the auditor\'s timeline, the work queue', async (t) => {
  // The check can see luxon: its own build, as the domain resolves it, holds those names.
  const luxonEntry = createRequire(createRequire(import.meta.url).resolve('@cfund/domain')).resolve('luxon');
  t.ok(LUXON.test(await readFile(luxonEntry, 'utf8')), `luxon's build (${luxonEntry}) is recognised`);
  await buildConsoleWeb();
  const first = await measureInitialScript(webDir, FIRST_PAGE_MODULES);
  for (const f of first.files) t.notOk(await holdsLuxon(f.path), `${f.path} (the first page) holds no luxon`);
  const manifest = await readWebManifest(webDir);
  for (const module of [PAGE_MODULES.claim, 'src/pages/ClaimTimeline.tsx', PAGE_MODULES.work]) {
    for (const path of scriptsOf(manifest, module)) t.notOk(await holdsLuxon(path), `${path} (${module}) holds no luxon`);
  }
});
