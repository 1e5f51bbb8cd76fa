#!/usr/bin/env node
// Runs the compiled CLI; `pnpm build` (run by `npm start` and `npm test`) produces it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('embedded-eventstore: not built yet; run `pnpm build` at the repository root first');
  process.exit(1);
}
await import(cli.href);
