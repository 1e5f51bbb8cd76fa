#!/usr/bin/env node
// `pnpm run token`: runs the compiled token CLI at once. It compiles first (tsc -b, seconds) only
// when an output is missing or older than a source it is built from, which a few stat calls tell.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** What the CLI loads: each compiled file and the sources it comes from. */
const parts = [
  { dist: 'services/command/dist/token-cli.js', src: ['services/command/src/token-cli.ts'] },
  { dist: 'packages/service-kit/dist/token-kit.js', src: ['packages/service-kit/src'] },
  { dist: 'contracts/dist/primitives.js', src: ['contracts/src/primitives.ts'] },
];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

const newestSource = (path) => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestSource(join(path, entry)));
  return newest;
};

const outdated = parts.some(({ dist, src }) => {
  const built = mtime(join(root, dist));
  return built === undefined || src.some((s) => newestSource(join(root, s)) > built);
});
if (outdated) {
  process.stderr.write('token: compiling the command service first (tsc -b services/command)...\n');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'services/command')], { stdio: 'inherit' });
  // tsc leaves an output alone when a touched source compiles to the same text: mark them current.
  const now = new Date();
  for (const { dist } of parts) utimesSync(join(root, dist), now, now);
}
await import(pathToFileURL(join(root, 'services/command/dist/token-cli.js')).href);
