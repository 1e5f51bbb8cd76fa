/** A fund year's ledger (`fund-<jurisdiction>-<year>`), from its rows (read-model/fund-year-record.ts). */
import { addMinor, available, beyondBounds, boundedMinor, outstanding, type ClaimFunds } from '@cfund/domain';
import { claimFundsOf, type FundClaimRow, type FundYearRow } from '../read-model/fund-year-record.js';
import type { ReadModelStore } from '../read-model/store.js';

/** The year's row and its claims' money by claim id (in claim id order), or undefined when the year has no ledger. */
export function fundYearLedger(store: ReadModelStore, jurisdiction: string, year: number): { year: FundYearRow; claims: Map<string, ClaimFunds> } | undefined {
  const row = store.db.prepare('SELECT stream_id, jurisdiction, year, revision, currency, allocated_minor, recovered_minor FROM fund_years WHERE jurisdiction = ? AND year = ?')
    .get(jurisdiction, year) as (FundYearRow & { stream_id: string }) | undefined;
  if (!row) return undefined;
  const rows = store.db.prepare(`SELECT claim_id, committed_minor, released_minor, disbursed_minor, instalments, advances, recovered_minor, recoveries
    FROM fund_year_claims WHERE stream_id = ? ORDER BY claim_id`).all(row.stream_id) as FundClaimRow[];
  return { year: row, claims: new Map(rows.map((r) => [r.claim_id, claimFundsOf(r)])) };
}

export function fundYear(store: ReadModelStore, jurisdiction: string, year: number) {
  const ledger = fundYearLedger(store, jurisdiction, year);
  if (!ledger) return undefined;
  const y = ledger.year;
  // Sums through the domain's addMinor (and figures folded before the bounds held within the exact
  // range): a stored event may hold amounts today's commands refuse, and must not break the answer.
  let committed = 0; let released = 0; let disbursed = 0;
  const claims = [...ledger.claims].map(([claimId, f]) => {
    const c = { committed: boundedMinor(f.committed), released: boundedMinor(f.released), disbursed: boundedMinor(f.disbursed) };
    committed = addMinor(committed, c.committed); released = addMinor(released, c.released); disbursed = addMinor(disbursed, c.disbursed);
    return {
      claimId, committedMinor: c.committed, releasedMinor: c.released, disbursedMinor: c.disbursed,
      outstandingMinor: outstanding(c), instalmentsPaid: f.instalments, advancesPaid: f.advances,
      recoveredMinor: boundedMinor(f.recovered), recoveriesCredited: f.recoveries,
    };
  });
  const figures = {
    allocatedMinor: boundedMinor(y.allocated_minor), committedMinor: committed, releasedMinor: released, disbursedMinor: disbursed,
    recoveredMinor: boundedMinor(y.recovered_minor),
    /** What new awards may still commit: budget and recoveries less commitments not released. */
    availableMinor: boundedMinor(available({ allocated: y.allocated_minor, recovered: y.recovered_minor, claims: Object.fromEntries(ledger.claims) })),
    /** Committed, not released and not yet paid. */
    outstandingMinor: outstanding({ committed, released, disbursed }),
  };
  const perClaim = claims.flatMap((c) => [c.committedMinor, c.releasedMinor, c.disbursedMinor, c.outstandingMinor]);
  // What the year holds of awards, by the year each award was decided in: instalments of awards of
  // earlier years fall due in this one, and are committed against its budget.
  const byAwardYear = store.db.prepare(`SELECT award_year, count(*) AS claims, sum(tied_minor) AS tied, sum(paid_minor) AS paid FROM claim_fund_years
      WHERE jurisdiction = ? AND year = ? AND award_year IS NOT NULL AND tied_minor > 0 GROUP BY award_year ORDER BY award_year`)
    .all(jurisdiction, year) as { award_year: number; claims: number; tied: number; paid: number }[];
  const commitmentsByAwardYear = byAwardYear.map((r) => ({
    awardYear: r.award_year, claims: r.claims, tiedMinor: boundedMinor(r.tied), paidMinor: boundedMinor(r.paid),
  }));
  return {
    jurisdiction, year, revision: y.revision, currency: y.currency, ...figures, commitmentsByAwardYear,
    /** A figure passed MAX_SUM_MINOR: stored amounts beyond today's bounds (held at 2^53 - 1 at most). */
    amountsBeyondBounds: [...Object.values(figures), ...perClaim].some(beyondBounds),
    claims,
  };
}
