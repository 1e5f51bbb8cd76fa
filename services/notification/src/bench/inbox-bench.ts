/**
 * `pnpm bench:inbox`: what rendering a role's notifications for each reader costs
 * `GET /notifications`. One process, one SQLite file, the app's routes through Fastify's inject
 * (no event store is asked: the inbox is read from SQLite only). The inbox holds ROWS
 * notifications to the RS assessors, half kept with what renders them again (this version's
 * rows), half rendered text only (an older version's rows, served as stored). A reader who chose
 * Serbian Latin pages through each half, a page of PAGE at a time, alternating the two so that both
 * see the same machine; the ratio of their times is the figure (the absolute times depend on load).
 *
 * BENCH_SCALE (default 1) scales the requests per half (400); BENCH_ROWS (2000); BENCH_PAGE (20, the console's).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { ChainSigner } from '@cfund/eventstore';
import { fmt, quantile, report, sortedCopy } from '@cfund/bench-kit';
import { createLogger, signToken } from '@cfund/service-kit';
import { buildApp } from '../app.js';
import { NotificationStore, type InboxEntry } from '../store/store.js';
import { Templates } from '../templates/render.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const REQUESTS = Math.max(20, Math.round(400 * scale));
const ROWS = Number(process.env.BENCH_ROWS ?? '2000');
const PAGE = Number(process.env.BENCH_PAGE ?? '20');

/** ROWS/2 rows of each kind for `role:fund-assessor:<jurisdiction>`, rendered in the scheme's Cyrillic as the notifier writes them. */
function rows(jurisdiction: string, rerenderable: boolean): InboxEntry[] {
  const templates = Templates.default();
  return Array.from({ length: ROWS / 2 }, (_, i) => {
    const publicReference = `${jurisdiction}-2026-${String(i).padStart(6, '0')}`;
    const params = { claimId: randomUUID(), publicReference, deadline: { date: '2026-06-30' }, late: { code: 'in-time' } };
    const rendered = templates.render('application-submitted', params, { locale: 'sr-Cyrl', timeZone: 'Europe/Belgrade' });
    return {
      id: randomUUID(), recipient: `role:fund-assessor:${jurisdiction}`, topic: 'application-submitted', claimId: params.claimId, publicReference,
      ...rendered, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), sourceId: randomUUID(),
      rendering: rerenderable ? { params, timeZone: 'Europe/Belgrade', language: 'sr-Cyrl' } : null,
    };
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'cfund-inbox-bench-'));
  const client = EventStoreDBClient.connectionString`esdb://127.0.0.1:1?tls=false`; // never asked
  const store = NotificationStore.open(join(dir, 'notification.db'), { masterKey: randomBytes(32) });
  const jwtSecret = randomBytes(32);
  const app = await buildApp({ client, chainSigner: ChainSigner.generate(), store, jwtSecret, logger: createLogger({ level: 'warn' }) });
  try {
    // Two jurisdictions, so that each reader's inbox holds one kind only.
    store.transaction(() => { store.addInbox(rows('RS', true)); store.addInbox(rows('BA', false)); });
    store.setPreferredLocale('reader', 'sr-Latn', new Date().toISOString());
    const token = async (j: 'RS' | 'BA') => signToken(jwtSecret, { sub: 'reader', roles: ['fund-assessor'], jurisdictions: [j] });
    const readers = { rendered: await token('RS'), stored: await token('BA') };
    const pages = Math.floor(ROWS / 2 / PAGE);
    const get = async (t: string, i: number) => {
      const started = performance.now();
      const r = await app.inject({ method: 'GET', url: `/notifications?limit=${PAGE}&offset=${(i % pages) * PAGE}`, headers: { authorization: `Bearer ${t}` } });
      if (r.statusCode !== 200) throw new Error(`GET /notifications: ${r.statusCode} ${r.body}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) { await get(readers.rendered, i); await get(readers.stored, i); } // warm up
    const first = (await app.inject({ method: 'GET', url: '/notifications?limit=1', headers: { authorization: `Bearer ${readers.rendered}` } })).json<{ items: { subject: string }[] }>();
    if (!/^Nova prijava fondu/.test(first.items[0]!.subject)) throw new Error(`not rendered in the reader's language: ${first.items[0]!.subject}`);
    const times = { rendered: [] as number[], stored: [] as number[] };
    for (let i = 0; i < REQUESTS; i++) {
      times.rendered.push(await get(readers.rendered, i));
      times.stored.push(await get(readers.stored, i));
    }
    process.stdout.write(`inbox benchmark (${os.cpus().length} cores, node ${process.version}, scale ${scale}: ${REQUESTS} requests per kind, ${ROWS} rows, pages of ${PAGE})\n`);
    const median = (k: 'rendered' | 'stored') => quantile(sortedCopy(times[k]), 0.5);
    for (const kind of ['rendered', 'stored'] as const) {
      report(`GET /notifications, ${kind === 'rendered' ? 'rendered for the reader' : 'served as stored'} (p50 / p99 ms)`,
        `${fmt(median(kind), 2)} / ${fmt(quantile(sortedCopy(times[kind]), 0.99), 2)}`);
    }
    report('rendered / stored, median', fmt(median('rendered') / median('stored'), 2));
    report('rendering per row (difference of medians / page, ms)', fmt((median('rendered') - median('stored')) / PAGE, 3));
  } finally {
    await app.close();
    store.close();
    await client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
