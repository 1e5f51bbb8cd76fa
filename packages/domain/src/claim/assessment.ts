import type { AmountsByHead, Currency, EventData, Money } from '@cfund/contracts';
import { DomainError } from '../errors.js';
import { formatMoney } from '../money.js';
import type { Scheme } from '../schemes/index.js';

type Deductions = EventData<'ClaimAssessed'>['deductions'];
type CapApplied = EventData<'ClaimAssessed'>['capsApplied'][number];

export interface AwardComputation {
  deductions: Deductions;
  capsApplied: CapApplied[];
  recommendedNet: Money;
}

export function requireCurrency(amounts: readonly Money[], currency: Currency): void {
  const wrong = amounts.find((m) => m.currency !== currency);
  if (wrong) {
    throw new DomainError('currency-mismatch', `Every amount of this claim is in ${currency}; ${wrong.currency} was given.`, {
      details: { expected: currency, given: wrong.currency },
    });
  }
}

/**
 * The net award: each head limited by its cap, less every deduction (what the offender already
 * paid is always deducted, at least as much as recorded), never below zero, and limited by the
 * scheme's total cap. Offences the victim was compelled to commit while trafficked reduce nothing:
 * there is no such deduction.
 */
export function computeAward(
  scheme: Pick<Scheme, 'caps' | 'currency'>,
  assessed: AmountsByHead,
  declaredDeductions: Deductions,
  offenderPaidMinor: number,
): AwardComputation {
  const currency = scheme.currency;
  const capsApplied: CapApplied[] = [];
  let gross = 0;
  for (const { head, amount } of assessed) {
    const cap = scheme.caps.perHead[head];
    if (cap && amount.amountMinor > cap.amountMinor) {
      capsApplied.push({ head, cap, reducedBy: { amountMinor: amount.amountMinor - cap.amountMinor, currency } });
      gross += cap.amountMinor;
    } else {
      gross += amount.amountMinor;
    }
  }
  const declaredFromOffender = declaredDeductions.filter((d) => d.source === 'offender').reduce((a, d) => a + d.amount.amountMinor, 0);
  const deductions: Deductions = [...declaredDeductions];
  if (offenderPaidMinor > declaredFromOffender) {
    deductions.push({ source: 'offender', amount: { amountMinor: offenderPaidMinor - declaredFromOffender, currency } });
  }
  const deducted = deductions.reduce((a, d) => a + d.amount.amountMinor, 0);
  let net = Math.max(0, gross - deducted);
  const total = scheme.caps.total;
  if (net > total.amountMinor) {
    capsApplied.push({ head: 'total', cap: total, reducedBy: { amountMinor: net - total.amountMinor, currency } });
    net = total.amountMinor;
  }
  return { deductions, capsApplied, recommendedNet: { amountMinor: net, currency } };
}

/**
 * The fund does not award more than was asked for: each head assessed at most at what the claim
 * asked under that head, or at what a court awarded under it when that is more (a court can award
 * a head the claim did not list). A head neither claimed nor awarded by a court is not assessed.
 */
export function requireWithinClaimed(
  assessed: AmountsByHead,
  claimed: AmountsByHead,
  rulings: readonly EventData<'CourtRulingRecorded'>[],
): void {
  const limit = new Map<string, number>();
  const raise = (head: string, amountMinor: number): void => { limit.set(head, Math.max(limit.get(head) ?? 0, amountMinor)); };
  for (const { head, amount } of claimed) raise(head, amount.amountMinor);
  for (const r of rulings) for (const { head, amount } of r.amounts) raise(head, amount.amountMinor);
  for (const { head, amount } of assessed) {
    const max = limit.get(head);
    if (max === undefined) {
      throw new DomainError('head-not-claimed', `Nothing was claimed or awarded by a court under "${head}": it cannot be assessed.`, { details: { head } });
    }
    if (amount.amountMinor > max) {
      const claimed: Money = { amountMinor: max, currency: amount.currency };
      throw new DomainError('above-claimed', `Under "${head}" at most ${formatMoney(claimed)} was claimed or awarded by a court; ${formatMoney(amount)} was assessed.`, {
        details: { head, claimed, assessed: amount },
      });
    }
  }
}
