/**
 * The build's manifest of the web app (vite's `.vite/manifest.json`): which file each source
 * module became and which chunks it imports. From it the console knows what a page's module
 * needs, to name it to the browser as module preloads, and the bundle-size test what the first
 * page needs before it can show.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  /** Chunks (manifest keys) this one imports statically: loaded with it. */
  imports?: string[];
}
export type WebManifest = Readonly<Record<string, ManifestChunk>>;

export const MANIFEST_PATH = join('.vite', 'manifest.json');

export async function readWebManifest(webDir: string): Promise<WebManifest> {
  return JSON.parse(await readFile(join(webDir, MANIFEST_PATH), 'utf8')) as WebManifest;
}

/**
 * The script files (`/assets/…`) the browser must fetch to run `module`, a manifest key (a
 * source path relative to web/): its chunk and every chunk it imports statically, in turn.
 * Throws for a module the build does not know (a page renamed without its route).
 */
export function scriptsOf(manifest: WebManifest, module: string): string[] {
  if (!manifest[module]) throw new Error(`the web app's build has no module ${module}`);
  const files: string[] = [];
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    if (!chunk) throw new Error(`the web app's manifest names a chunk it lacks: ${key}`);
    files.push(`/${chunk.file}`);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(module);
  return files;
}
