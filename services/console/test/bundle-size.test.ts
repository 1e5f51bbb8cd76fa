/**
 * The console's initial JavaScript, gzipped, stays within its budget: the app is built (when its
 * sources changed) and what index.html loads is measured and printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { buildConsoleWeb } from '@cfund/test-support';
import { INITIAL_SCRIPT_BUDGET_BYTES, measureInitialScript } from '../src/index.ts';

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

  await writeFile(join(dir, 'index.html'), '<script src="https://cdn.example/app.js"></script>');
  await t.rejects(measureInitialScript(dir), /from elsewhere/, 'a script from another origin is no part of the app');
  await writeFile(join(dir, 'index.html'), '<div id="root"></div>');
  await t.rejects(measureInitialScript(dir), /names no script/);
});

t.test(`the built console's initial JavaScript is at most ${kB(INITIAL_SCRIPT_BUDGET_BYTES)} gzipped`, async (t) => {
  await buildConsoleWeb();
  const measured = await measureInitialScript(webDir);
  for (const f of measured.files) t.comment(`${f.path}: ${kB(f.bytes)}, ${kB(f.gzipBytes)} gzipped`);
  t.comment(`initial JavaScript: ${kB(measured.gzipBytes)} gzipped (${kB(measured.bytes)} raw), budget ${kB(INITIAL_SCRIPT_BUDGET_BYTES)}`);
  t.ok(measured.gzipBytes <= INITIAL_SCRIPT_BUDGET_BYTES, `${kB(measured.gzipBytes)} gzipped is within ${kB(INITIAL_SCRIPT_BUDGET_BYTES)}`);
});
