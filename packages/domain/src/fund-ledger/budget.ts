import { MAX_SUM_MINOR, type Currency, type Jurisdiction, type Money } from '@cfund/contracts';
import { DomainError } from '../errors.js';
import { schemes } from '../schemes/index.js';
import type { LedgerState } from './ledger.js';

/**
 * The currency a fund year is kept in: that of the jurisdiction's scheme version in force at the
 * start of the year (the first version for a year before any), which its awards are made in.
 */
export function fundYearCurrency(jurisdiction: Jurisdiction, year: number): Currency {
  const versions = schemes.versionsOf(jurisdiction);
  const inForce = versions.filter((v) => v.effectiveFrom <= `${year}-01-01`).at(-1) ?? versions[0];
  if (!inForce) throw new DomainError('no-scheme-in-force', `${jurisdiction} has no compensation scheme.`);
  return inForce.currency;
}

/**
 * What an allocation must respect beyond the ledger's own checks: a year without a budget yet takes
 * the scheme's currency (a first allocation in another one would make every award of the year a
 * `currency-mismatch`), and a year's budget stays at most MAX_SUM_MINOR.
 */
export function checkAllocation(s: LedgerState, jurisdiction: Jurisdiction, year: number, amount: Money): void {
  const currency = s.currency ?? fundYearCurrency(jurisdiction, year);
  if (amount.currency !== currency) {
    throw new DomainError('currency-mismatch', `The fund of ${jurisdiction} for ${year} is kept in ${currency}; ${amount.currency} was given.`, {
      details: { expected: currency, actual: amount.currency },
    });
  }
  if (s.allocated + amount.amountMinor > MAX_SUM_MINOR) {
    throw new DomainError('amount-out-of-range', `A fund year's budget is at most ${MAX_SUM_MINOR} minor units; ${s.allocated} are allocated.`, {
      details: { allocated: s.allocated, max: MAX_SUM_MINOR },
    });
  }
}
