/**
 * The JavaScript a browser must fetch before the console's first page can run: the scripts and
 * module preloads `index.html` names (chunks loaded later on demand are not counted), and their
 * size gzipped as a server would send them. The bundle-size test gates it; `pnpm bench:console`
 * prints it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The most initial JavaScript the console may send, gzipped (250 kB). */
export const INITIAL_SCRIPT_BUDGET_BYTES = 250_000;

export interface InitialScript {
  files: { path: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
}

const SCRIPT = /<script\b[^>]*\bsrc="([^"]+)"/g;
const PRELOAD = /<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"[^>]*\brel="modulepreload"/g;

/** The initial scripts of the app built in `webDir` (the directory holding its `index.html`). */
export async function measureInitialScript(webDir: string): Promise<InitialScript> {
  const html = await readFile(join(webDir, 'index.html'), 'utf8');
  const paths = new Set<string>();
  for (const m of html.matchAll(SCRIPT)) paths.add(m[1]!);
  for (const m of html.matchAll(PRELOAD)) paths.add((m[1] ?? m[2])!);
  if (paths.size === 0) throw new Error(`${webDir}/index.html names no script: is the app built?`);
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
