/**
 * Writes contracts/generated/events/*.json from the zod schemas (`pnpm --filter @cfund/contracts
 * generate`). The files are checked in; a test fails when they are stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventJsonSchemas } from './json-schema.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'events');
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
const schemas = eventJsonSchemas();
for (const [file, schema] of Object.entries(schemas)) fs.writeFileSync(path.join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
process.stdout.write(`wrote ${Object.keys(schemas).length} event schemas to ${path.relative(process.cwd(), dir)}\n`);
