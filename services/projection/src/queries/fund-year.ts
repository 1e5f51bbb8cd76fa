/** A fund year's ledger (`fund-<jurisdiction>-<year>`), as the domain's ledger fold leaves it. */
import { available, type LedgerState } from '@cfund/domain';
import type { ReadModelStore } from '../read-model/store.js';

export function fundYear(store: ReadModelStore, jurisdiction: string, year: number) {
  const row = store.db.prepare('SELECT revision, state FROM fund_years WHERE jurisdiction = ? AND year = ?').get(jurisdiction, year) as
    { revision: number; state: string } | undefined;
  if (!row) return undefined;
  const s = JSON.parse(row.state) as LedgerState;
  let committed = 0; let released = 0; let disbursed = 0;
  const claims = Object.entries(s.claims).sort(([a], [b]) => (a < b ? -1 : 1)).map(([claimId, f]) => {
    committed += f.committed; released += f.released; disbursed += f.disbursed;
    return { claimId, committedMinor: f.committed, releasedMinor: f.released, disbursedMinor: f.disbursed, outstandingMinor: f.committed - f.released - f.disbursed, instalmentsPaid: f.instalments };
  });
  return {
    jurisdiction, year, revision: row.revision, currency: s.currency ?? null,
    allocatedMinor: s.allocated, committedMinor: committed, releasedMinor: released, disbursedMinor: disbursed, recoveredMinor: s.recovered,
    /** What new awards may still commit: budget and recoveries less commitments not released. */
    availableMinor: available(s),
    /** Committed, not released and not yet paid. */
    outstandingMinor: committed - released - disbursed,
    claims,
  };
}
