/**
 * `pnpm bench:monitoring`: the monitoring endpoints over CLAIMS claims (100,000 by default, about
 * a million events: six jurisdictions, two filing years, the generated population of the tests
 * with EVIDENCE documents attached to each claim, every victim's data encrypted with its own data
 * key). The data keys are kept in a key store in memory (the same interface as the file key
 * store, whose fsync per new key would take most of an hour to create 100,000): decryption cost
 * is the protector's, not the disk's.
 *
 * The read model is SEEDED DIRECTLY: the generated events are applied by the projector itself
 * (batched, as a rebuild applies them) into a new read-model file, not written to an event store
 * and read back (what `pnpm bench:projection` measures). Then the projection's application
 * answers over real HTTP (one request at a time, a monitor's token): for each endpoint the first
 * answer after the read model changed (computed: every claim of the year read and decoded, every
 * victim's data decrypted) and REQUESTS more (kept until the read model changes, monitoring/memo.ts),
 * with p50, p95 and max. Target: p95 under 200 ms.
 *
 * Then the yearly regional report, HTML and PDF: over HTTP as above, and its generation alone
 * (renderReport over the year's publication, REPORT_RENDERS times each).
 *
 * Then the first answer after ONE new event (what every monitoring request pays while events
 * arrive): AFTER_EVENT rounds of a document attached to a claim of the year by the projector on the
 * served read model, then the year's tables over HTTP; then as many rounds with the indicators.
 *
 * BENCH_SCALE (default 1) scales the claims; BENCH_REQUESTS (default 50) the requests per endpoint;
 * BENCH_EVIDENCE (default 5) the documents per claim; BENCH_AFTER_EVENT (default 10) the rounds of one new event;
 * BENCH_CPU_PROFILE, a file name: a CPU profile of those rounds only (open it in Chrome's DevTools).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { JURISDICTIONS, claimStream } from '@cfund/contracts';
import { PersonalDataProtector, type KeyStore, type WrappedDataKey } from '@cfund/eventstore';
import { HttpClient, fmt, quantile, report, sortedCopy, withProgress } from '@cfund/bench-kit';
import { createLogger, loadOrCreateChainKeys, signToken } from '@cfund/service-kit';
import { buildApp } from '../app.js';
import type { Publication } from '../monitoring/publication.js';
import { renderReport } from '../monitoring/report/index.js';
import { Projector } from '../read-model/projector.js';
import { ReadModelStore, readModelPath } from '../read-model/store.js';
import { generateClaims, sealVictims } from './claim-population.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const CLAIMS = Math.max(1200, Math.round(100_000 * scale));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? '50');
const YEARS = [2025, 2026];
/** Documents attached to each claim: about ten events a claim in all, as the million. */
const EVIDENCE = Number(process.env.BENCH_EVIDENCE ?? '5');
/** Renders of the report per format, timed without HTTP or the memo. */
const REPORT_RENDERS = 10;
/** Rounds of one new event then the year's tables. */
const AFTER_EVENT = Number(process.env.BENCH_AFTER_EVENT ?? '10');

/** Data keys in memory (the bench's only: a real deployment keeps them in the file key store). */
class MemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, WrappedDataKey | 'erased'>();
  private check: string | undefined;
  async get(victimRef: string) { return this.keys.get(victimRef); }
  async putIfAbsent(victimRef: string, key: WrappedDataKey) {
    const had = this.keys.get(victimRef);
    if (had !== undefined) return had;
    this.keys.set(victimRef, key);
    return key;
  }
  async erase(victimRef: string) { this.keys.set(victimRef, 'erased'); }
  async getMasterKeyCheck() { return this.check; }
  async setMasterKeyCheck(check: string) { this.check ??= check; }
}

const seconds = (since: number) => `${fmt((performance.now() - since) / 1000, 1)} s`;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cfund-monitoring-bench-'));
  try {
    report('host', `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
    let t0 = performance.now();
    const population = generateClaims({ seed: 2026, jurisdictions: JURISDICTIONS, years: YEARS, claimsPerCell: Math.ceil(CLAIMS / 12), evidence: EVIDENCE, validate: false });
    const events = population.reduce((n, c) => n + c.events.length, 0);
    report('claims / events generated', `${fmt(population.length)} / ${fmt(events)} in ${seconds(t0)}`);

    t0 = performance.now();
    const keyStore = new MemoryKeyStore();
    const masterKey = randomBytes(32);
    const protector = await PersonalDataProtector.open({ keyStore, masterKey });
    await withProgress('victims encrypted', { total: population.length, unit: 'victims' }, (progress) =>
      sealVictims(population, async (victimRef, victim) => {
        const sealed = await protector.encryptPersonalData(victimRef, victim);
        progress.advance(1);
        return sealed;
      }));
    report('victims encrypted (a data key each, key store in memory)', seconds(t0));

    t0 = performance.now();
    const file = readModelPath(dataDir);
    const build = new ReadModelStore(file, { build: true });
    const projector = new Projector(build);
    build.db.exec('BEGIN');
    projector.beginBatch();
    let position = 0;
    await withProgress('read model seeded', { total: population.length, unit: 'claims' }, async (progress) => {
      for (const [i, claim] of population.entries()) {
        claim.events.forEach((e, revision) => {
          position += 1;
          projector.apply({
            eventId: randomUUID(), streamId: claimStream(claim.claimId), revision, type: e.type, data: e.data, metadata: { occurredAt: e.at },
            created: e.at, commitPosition: String(position * 1000), preparePosition: String(position * 1000),
          });
        });
        progress.advance(1);
        // The projector is synchronous: let the progress line be printed now and then.
        if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    projector.endBatch();
    build.completeBuild();
    report('read model seeded directly by the projector', seconds(t0));

    const store = new ReadModelStore(file);
    const { signer: chainSigner, keyring: chainKeyring } = await loadOrCreateChainKeys(dataDir);
    const jwtSecret = randomBytes(32);
    // Never connected: the monitoring endpoints read the read model only.
    const client = EventStoreDBClient.connectionString`esdb://127.0.0.1:1?tls=false`;
    const app = await buildApp({ client, store, keyStore, masterKey, chainSigner, chainKeyring, jwtSecret, logger: createLogger({ level: 'silent' }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const token = await signToken(jwtSecret, { sub: 'bench-monitor', roles: ['monitor'], jurisdictions: [...JURISDICTIONS] });
    const http = new HttpClient(1);

    const endpoints: [string, string, Record<string, string>][] = [
      ['catalogue', '/monitoring/catalogue', {}],
      ...YEARS.map((y): [string, string, Record<string, string>] => [`tables ${y}`, `/monitoring/tables?year=${y}`, {}]),
      [`publication ${YEARS[0]} (JSON)`, `/monitoring/publication?year=${YEARS[0]}`, {}],
      [`publication ${YEARS[0]} (CSV)`, `/monitoring/publication?year=${YEARS[0]}`, { accept: 'text/csv' }],
      [`publication ${YEARS[0]} dictionary (CSV)`, `/monitoring/publication/dictionary?year=${YEARS[0]}`, {}],
      [`indicators ${YEARS[0]}-${YEARS[1]} (primary suppression only)`, `/monitoring/indicators?from=${YEARS[0]}&to=${YEARS[1]}`, {}],
      [`report ${YEARS[0]} (HTML)`, `/monitoring/report?year=${YEARS[0]}`, {}],
      [`report ${YEARS[0]} (PDF)`, `/monitoring/report?year=${YEARS[0]}&format=pdf`, {}],
    ];
    // Collected first when run with `node --expose-gc`: then the heap holds what is kept, not garbage.
    const heapUsed = () => { (globalThis as { gc?: () => void }).gc?.(); return process.memoryUsage().heapUsed; };
    const heapBefore = heapUsed();
    report('requests per endpoint, after the first', String(REQUESTS));
    for (const [name, url, headers] of endpoints) {
      const timed = async () => {
        const start = performance.now();
        const answer = await http.request(port, 'GET', url, token, undefined, headers);
        if (answer.status !== 200) throw new Error(`${url}: ${answer.status} ${answer.text.slice(0, 300)}`);
        return performance.now() - start;
      };
      const first = await timed();
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) times.push(await timed());
      const sorted = sortedCopy(times);
      report(`${name}`, `first ${fmt(first)} ms; then p50 ${fmt(quantile(sorted, 0.5), 1)} ms, p95 ${fmt(quantile(sorted, 0.95), 1)} ms, max ${fmt(sorted.at(-1)!, 1)} ms`);
    }
    // One new event, then the year's tables (or the indicators): the answer kept is stale, and is computed again.
    const live = new Projector(store);
    const revisions = new Map(population.map((c) => [c.claimId, c.events.length - 1]));
    const ofYear = population.filter((c) => c.events[0]!.at.startsWith(String(YEARS[0])));
    const afterEvent: [string, string][] = [
      [`tables ${YEARS[0]}`, `/monitoring/tables?year=${YEARS[0]}`],
      [`indicators ${YEARS[0]}-${YEARS[1]}`, `/monitoring/indicators?from=${YEARS[0]}&to=${YEARS[1]}`],
    ];
    const profile = process.env.BENCH_CPU_PROFILE ? new Session() : undefined;
    if (profile) { profile.connect(); await profile.post('Profiler.enable'); await profile.post('Profiler.start'); }
    let round = 0;
    for (const [name, url] of afterEvent) {
      const times: number[] = [];
      for (let i = 0; i < AFTER_EVENT; i++, round++) {
        const claim = ofYear[(round * 7919) % ofYear.length]!;
        const revision = revisions.get(claim.claimId)! + 1;
        revisions.set(claim.claimId, revision);
        position += 1;
        const at = new Date(Date.UTC(YEARS[1]!, 11, 1) + round * 60_000).toISOString();
        live.apply({
          eventId: randomUUID(), streamId: claimStream(claim.claimId), revision, type: 'EvidenceAttached',
          data: { schemaVersion: 1, claimId: claim.claimId, documentId: `DOC-BENCH-${round}`, kind: 'other', sha256: 'b'.repeat(64), title: 'A document' },
          metadata: { occurredAt: at }, created: at, commitPosition: String(position * 1000), preparePosition: String(position * 1000),
        });
        const start = performance.now();
        const answer = await http.request(port, 'GET', url, token);
        if (answer.status !== 200) throw new Error(`${url} after an event: ${answer.status} ${answer.text.slice(0, 300)}`);
        times.push(performance.now() - start);
      }
      if (AFTER_EVENT > 0) {
        const sorted = sortedCopy(times);
        report(`${name}, first answer after one new event`, `p50 ${fmt(quantile(sorted, 0.5), 1)} ms, p95 ${fmt(quantile(sorted, 0.95), 1)} ms, max ${fmt(sorted.at(-1)!, 1)} ms of ${AFTER_EVENT}`);
      }
    }
    if (profile) {
      const { profile: taken } = await profile.post('Profiler.stop');
      await writeFile(process.env.BENCH_CPU_PROFILE!, JSON.stringify(taken));
      profile.disconnect();
    }
    // What the answers kept and the claims kept decoded hold (rough without --expose-gc).
    report('heap used before the first request / after the rounds', `${fmt(heapBefore / 2 ** 20)} / ${fmt(heapUsed() / 2 ** 20)} MiB`);
    // The report's generation alone, from the year's publication (its tables already computed): what a first request pays once they are kept.
    const published = JSON.parse((await http.request(port, 'GET', `/monitoring/publication?year=${YEARS[0]}`, token)).text) as Publication;
    for (const format of ['html', 'pdf'] as const) {
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < REPORT_RENDERS; i++) {
        const start = performance.now();
        size = (await renderReport(published, format, 'en')).length;
        times.push(performance.now() - start);
      }
      const sorted = sortedCopy(times);
      report(`report ${YEARS[0]} generated (${format}, ${fmt(size)} bytes)`, `p50 ${fmt(quantile(sorted, 0.5), 1)} ms, max ${fmt(sorted.at(-1)!, 1)} ms of ${REPORT_RENDERS}`);
    }
    await app.close();
    store.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
