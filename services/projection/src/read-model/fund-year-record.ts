/**
 * The fund-year read model as a projection definition, pure: an event of a ledger stream
 * (`fund-<jurisdiction>-<year>`) changes the year's row (budget, recoveries, currency) and at most
 * the row of the one claim it names (committed, released, paid out, which payments, recovered and
 * which recoveries). The
 * bookkeeping is the ledger decider's own fold (`evolveLedger`), run over a ledger holding only
 * what the event touches; the decider's state is never stored, so a change of its shape needs no
 * read-model migration.
 */
import type { Currency, FundEvent } from '@cfund/contracts';
import { evolveLedger, type ClaimFunds, type LedgerState } from '@cfund/domain';

/** A `fund_years` row, without its stream id. */
export interface FundYearRow {
  jurisdiction: string;
  year: number;
  /** The ledger stream's last revision applied. */
  revision: number;
  currency: string | null;
  allocated_minor: number;
  recovered_minor: number;
}

/** A `fund_year_claims` row, without its stream id: a claim's money in the year's ledger. */
export interface FundClaimRow {
  claim_id: string;
  committed_minor: number;
  released_minor: number;
  /** Paid out and not returned. */
  disbursed_minor: number;
  /** JSON arrays of the instalment and advance numbers paid out and not returned. */
  instalments: string;
  advances: string;
  /** Recovered from the offender on the claim and credited in the year; JSON array of the recoveries' numbers. */
  recovered_minor: number;
  recoveries: string;
}

export const initialFundYear = (jurisdiction: string, year: number): FundYearRow => ({
  jurisdiction, year, revision: -1, currency: null, allocated_minor: 0, recovered_minor: 0,
});

/** A claim's row as the ledger's entry (what the domain's `available`, `outstanding` and `fundingDifferences` read). */
export const claimFundsOf = (row: FundClaimRow): ClaimFunds => ({
  committed: row.committed_minor, released: row.released_minor, disbursed: row.disbursed_minor,
  instalments: JSON.parse(row.instalments) as number[], advances: JSON.parse(row.advances) as number[],
  recovered: row.recovered_minor, recoveries: JSON.parse(row.recoveries) as number[],
});

const fundClaimRow = (claimId: string, f: ClaimFunds): FundClaimRow => ({
  claim_id: claimId, committed_minor: f.committed, released_minor: f.released, disbursed_minor: f.disbursed,
  instalments: JSON.stringify(f.instalments), advances: JSON.stringify(f.advances),
  recovered_minor: f.recovered, recoveries: JSON.stringify(f.recoveries),
});

export interface FundYearChange {
  year: FundYearRow;
  /** The claim's row after the event, when the event changed it. */
  claim?: FundClaimRow;
}

/**
 * The rows after one event of the year's ledger, its `revision`; `claim` is the row of the claim
 * the event names (undefined when the year has none yet or the event names no claim).
 */
export function applyFundEvent(year: FundYearRow, claim: FundClaimRow | undefined, event: FundEvent, revision: number): FundYearChange {
  const claimId = 'claimId' in event.data ? event.data.claimId : undefined;
  const ledger: LedgerState = {
    jurisdiction: event.data.jurisdiction, year: event.data.year, allocated: year.allocated_minor, recovered: year.recovered_minor,
    claims: claimId !== undefined && claim ? { [claimId]: claimFundsOf(claim) } : {},
    ...(year.currency !== null ? { currency: year.currency as Currency } : {}),
  };
  const after = evolveLedger(ledger, event);
  const funds = claimId === undefined ? undefined : after.claims[claimId];
  return {
    year: {
      jurisdiction: event.data.jurisdiction, year: event.data.year, revision,
      currency: after.currency ?? null, allocated_minor: after.allocated, recovered_minor: after.recovered,
    },
    ...(funds ? { claim: fundClaimRow(claimId!, funds) } : {}),
  };
}
