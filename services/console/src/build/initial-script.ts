/**
 * The JavaScript a browser must fetch before the console's first page can show: the scripts and
 * module preloads `index.html` names, and the modules the page loads on demand before it shows
 * (its own, with what it imports, and its language's messages: FIRST_PAGE_MODULES); other pages'
 * chunks are not counted. Sized gzipped as a server would send them. The bundle-size test gates
 * it; `pnpm bench:console` prints it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PAGE_MODULES } from '../routes.js';
import { readWebManifest, scriptsOf } from './web-manifest.js';

/**
 * The most initial JavaScript the console may send, gzipped: 100 kB. The issue allows 250 kB; the
 * budget is held near what the first page needs (88 kB once zod and luxon left it) so that what is
 * added to it is noticed.
 */
export const INITIAL_SCRIPT_BUDGET_BYTES = 100_000;

export interface InitialScript {
  files: { path: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
}

/** The first page measured: a lawyer's claims (the landing page of the bench's lawyer), in English. */
export const FIRST_PAGE_MODULES: readonly string[] = [PAGE_MODULES.claims, 'src/i18n/en.ts'];

const SCRIPT = /<script\b[^>]*\bsrc="([^"]+)"/g;
const PRELOAD = /<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"[^>]*\brel="modulepreload"/g;

/**
 * The initial scripts of the app built in `webDir` (the directory holding its `index.html`), and
 * those of `modules` (manifest keys) with their imports.
 */
export async function measureInitialScript(webDir: string, modules: readonly string[] = []): Promise<InitialScript> {
  const html = await readFile(join(webDir, 'index.html'), 'utf8');
  const paths = new Set<string>();
  for (const m of html.matchAll(SCRIPT)) paths.add(m[1]!);
  for (const m of html.matchAll(PRELOAD)) paths.add((m[1] ?? m[2])!);
  if (paths.size === 0) throw new Error(`${webDir}/index.html names no script: is the app built?`);
  if (modules.length > 0) {
    const manifest = await readWebManifest(webDir);
    for (const module of modules) for (const path of scriptsOf(manifest, module)) paths.add(path);
  }
  const files = await Promise.all([...paths].map(async (path) => {
    // Only the app's own files: an absolute URL to elsewhere would be refused by the CSP anyway.
    if (!path.startsWith('/') || path.startsWith('//')) throw new Error(`index.html loads a script from elsewhere: ${path}`);
    const content = await readFile(join(webDir, path));
    return { path, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  }));
  return {
    files,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
  };
}
