/** A fund year's ledger (`fund-<jurisdiction>-<year>`), as the domain's ledger fold leaves it. */
import { addMinor, available, beyondBounds, boundedMinor, outstanding, type LedgerState } from '@cfund/domain';
import type { ReadModelStore } from '../read-model/store.js';

export function fundYear(store: ReadModelStore, jurisdiction: string, year: number) {
  const row = store.db.prepare('SELECT revision, state FROM fund_years WHERE jurisdiction = ? AND year = ?').get(jurisdiction, year) as
    { revision: number; state: string } | undefined;
  if (!row) return undefined;
  const s = JSON.parse(row.state) as LedgerState;
  // Sums through the domain's addMinor (and figures folded before the bounds held within the exact
  // range): a stored event may hold amounts today's commands refuse, and must not break the answer.
  let committed = 0; let released = 0; let disbursed = 0;
  const claims = Object.entries(s.claims).sort(([a], [b]) => (a < b ? -1 : 1)).map(([claimId, f]) => {
    const c = { committed: boundedMinor(f.committed), released: boundedMinor(f.released), disbursed: boundedMinor(f.disbursed) };
    committed = addMinor(committed, c.committed); released = addMinor(released, c.released); disbursed = addMinor(disbursed, c.disbursed);
    return {
      claimId, committedMinor: c.committed, releasedMinor: c.released, disbursedMinor: c.disbursed,
      outstandingMinor: outstanding(c), instalmentsPaid: f.instalments, advancesPaid: f.advances ?? [],
    };
  });
  const figures = {
    allocatedMinor: boundedMinor(s.allocated), committedMinor: committed, releasedMinor: released, disbursedMinor: disbursed, recoveredMinor: boundedMinor(s.recovered),
    /** What new awards may still commit: budget and recoveries less commitments not released. */
    availableMinor: boundedMinor(available(s)),
    /** Committed, not released and not yet paid. */
    outstandingMinor: outstanding({ committed, released, disbursed }),
  };
  const perClaim = claims.flatMap((c) => [c.committedMinor, c.releasedMinor, c.disbursedMinor, c.outstandingMinor]);
  return {
    jurisdiction, year, revision: row.revision, currency: s.currency ?? null, ...figures,
    /** A figure passed MAX_SUM_MINOR: stored amounts beyond today's bounds (held at 2^53 - 1 at most). */
    amountsBeyondBounds: [...Object.values(figures), ...perClaim].some(beyondBounds),
    claims,
  };
}
