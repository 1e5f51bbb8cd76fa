/**
 * The published monitoring tables and the yearly dataset of a read model, computed once per state
 * of the read model (memo.ts): the one source of the authenticated monitoring routes and of the
 * anonymous open-data routes, so both publish the very same figures.
 */
import type { QueryContext } from '../routes/context.js';
import { CATALOGUE } from './catalogue.js';
import { memoized } from './memo.js';
import { publication, type Publication } from './publication.js';
import { monitoringTables, type MonitoringTables } from './tables.js';
import { VictimProfiles } from './victim-profiles.js';

export interface MonitoringSource {
  tablesOf(year: number): Promise<MonitoringTables>;
  publicationOf(year: number): Promise<Publication>;
}

export function monitoringSource(ctx: QueryContext): MonitoringSource {
  const profiles = new VictimProfiles(ctx);
  const tablesOf = (year: number) => memoized(ctx.runner.store, `tables:${year}`,
    () => monitoringTables(ctx.runner.store, year, ctx.suppressionThreshold, profiles));
  return { tablesOf, publicationOf: async (year) => publication(await tablesOf(year)) };
}

/** The catalogue as the monitoring and open-data routes answer it (mutable copies for the response schema). */
export const catalogueAnswer = (suppressionThreshold: number) => ({
  suppressionThreshold, indicators: CATALOGUE.map((i) => ({ ...i, events: [...i.events], disaggregations: [...i.disaggregations] })),
});
