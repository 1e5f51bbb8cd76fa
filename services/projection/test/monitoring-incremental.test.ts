/**
 * Monitoring after a change: a year's tables computed again decode only the claims whose row
 * changed since (queries/monitoring.ts, CohortCache), count them by their change to the kept
 * aggregates (monitoring/aggregates.ts), and are the tables a fresh computation over the same read
 * model gives (every claim decoded again, a new connection). The indicators likewise
 * (monitoring/indicators.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { JURISDICTIONS } from '@cfund/contracts';
import { FileKeyStore } from '@cfund/eventstore';
import { generateClaims } from '../src/bench/claim-population.ts';
import { monitoringIndicators } from '../src/monitoring/indicators.ts';
import { monitoringTables } from '../src/monitoring/tables.ts';
import { VictimProfiles } from '../src/monitoring/victim-profiles.ts';
import { cohortCacheOf } from '../src/queries/monitoring.ts';
import { Projector } from '../src/read-model/projector.ts';
import { ReadModelStore, readModelPath } from '../src/read-model/store.ts';

const YEAR = 2025;
// No cell withheld: the change must show in the totals.
const THRESHOLD = 1;

t.test('a year\'s tables after one new event: one claim decoded, the same tables as a fresh computation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-monitoring-incremental-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const population = generateClaims({ seed: 16, jurisdictions: JURISDICTIONS, years: [YEAR], claimsPerCell: 12 });
  const file = readModelPath(dir);
  const store = new ReadModelStore(file);
  t.teardown(() => store.close());
  const projector = new Projector(store);
  let position = 0;
  const apply = (claimId: string, revision: number, type: string, data: Record<string, unknown>, at: string) => {
    position += 1;
    projector.apply({
      eventId: randomUUID(), streamId: `claim-${claimId}`, revision, type, data, metadata: { occurredAt: at }, created: at,
      commitPosition: String(position), preparePosition: String(position),
    });
  };
  for (const claim of population) claim.events.forEach((e, revision) => apply(claim.claimId, revision, e.type, e.data as Record<string, unknown>, e.at));
  const keys = { keyStore: await FileKeyStore.open(join(dir, 'keys')), masterKey: randomBytes(32) };
  const profiles = new VictimProfiles(keys);
  const cache = cohortCacheOf(store);
  const filed = population.length;

  // Given the year's tables computed once: every claim decoded.
  const before = await monitoringTables(store, YEAR, THRESHOLD, profiles);
  t.equal(cache.decoded, filed, 'the first computation decodes every claim');
  t.same(await monitoringTables(store, YEAR, THRESHOLD, profiles), before, 'again without a change: the same tables');
  t.equal(cache.decoded, filed, 'and nothing decoded again');
  // And the indicators computed once (every year's claims counted).
  const indicatorsBefore = await monitoringIndicators(store, {}, THRESHOLD);
  t.equal(indicatorsBefore.reduce((n, r) => n + r.indicators.claimsFiled!, 0), filed, 'the indicators count every claim');

  // When one claim that stands undecided is withdrawn.
  const undecided = population.find((c) => !c.events.some((e) => ['AwardApproved', 'AwardRejected', 'ClaimWithdrawn'].includes(e.type)))!;
  const at = new Date(Date.UTC(YEAR + 1, 5, 1)).toISOString();
  apply(undecided.claimId, undecided.events.length, 'ClaimWithdrawn', { schemaVersion: 1, claimId: undecided.claimId, reason: 'The victim withdrew.', withdrawnAt: at }, at);
  const after = await monitoringTables(store, YEAR, THRESHOLD, profiles);

  // Then only that claim is decoded again, the change is counted, and the tables are a fresh computation's.
  t.equal(cache.decoded, filed + 1, 'only the changed claim is decoded again');
  const withdrawn = after.claims.columns.indexOf('withdrawn');
  const undecidedColumn = after.claims.columns.indexOf('undecided');
  t.not(after.claims.columnTotals[withdrawn], before.claims.columnTotals[withdrawn], 'the withdrawal is counted');
  t.not(after.claims.columnTotals[undecidedColumn], before.claims.columnTotals[undecidedColumn], 'and the claim is no longer undecided');
  const fresh = new ReadModelStore(file);
  t.teardown(() => fresh.close());
  t.same(after, await monitoringTables(fresh, YEAR, THRESHOLD, new VictimProfiles(keys)),
    'the tables of a fresh computation over the same read model');
  t.equal(cohortCacheOf(fresh).decoded, filed, 'which decoded every claim');
  const indicatorsAfter = await monitoringIndicators(store, {}, THRESHOLD);
  const withdrawnOf = (rows: typeof indicatorsAfter) => rows.reduce((n, r) => n + r.indicators.claimsWithdrawn!, 0);
  t.equal(withdrawnOf(indicatorsAfter), withdrawnOf(indicatorsBefore) + 1, 'the indicators count the withdrawal');
  t.same(indicatorsAfter, await monitoringIndicators(fresh, {}, THRESHOLD), 'and are a fresh computation\'s');
  t.same(await monitoringIndicators(store, { jurisdiction: undecided.jurisdiction, from: YEAR, to: YEAR }, THRESHOLD),
    await monitoringIndicators(fresh, { jurisdiction: undecided.jurisdiction, from: YEAR, to: YEAR }, THRESHOLD), 'filtered alike');

  // When a claim of the year is filed after the tables were kept: a claim no year's aggregates held.
  const [late] = generateClaims({ seed: 17, jurisdictions: [JURISDICTIONS[0]], years: [YEAR], claimsPerCell: 1 });
  t.notOk(population.some((c) => c.claimId === late!.claimId), 'a claim not filed before');
  late!.events.forEach((e, revision) => apply(late!.claimId, revision, e.type, e.data as Record<string, unknown>, e.at));
  const withLate = await monitoringTables(store, YEAR, THRESHOLD, profiles);

  // Then it is counted, and the tables are still a fresh computation's.
  t.equal(withLate.claims.total, after.claims.total! + 1, 'the claim filed since is counted');
  const again = new ReadModelStore(file);
  t.teardown(() => again.close());
  t.same(withLate, await monitoringTables(again, YEAR, THRESHOLD, new VictimProfiles(keys)),
    'the tables of a fresh computation over the same read model');
  const indicatorsWithLate = await monitoringIndicators(store, {}, THRESHOLD);
  t.equal(indicatorsWithLate.reduce((n, r) => n + r.indicators.claimsFiled!, 0), filed + 1, 'the indicators count the claim filed since');
  t.same(indicatorsWithLate, await monitoringIndicators(again, {}, THRESHOLD), 'and are a fresh computation\'s');

  // A rebuild in place wipes the rows first: nothing decoded before is kept (nor its memory).
  store.wipe();
  t.not(cohortCacheOf(store), cache, 'a rebuild in place starts the kept claims over');
});
