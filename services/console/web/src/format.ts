/** Amounts and dates through Intl, in the user's locale and the scheme's time zone. */
import { MINOR_UNIT_DIGITS, schemeAt } from '@cfund/domain';
import { formatInstantDate, formatMoney as formatAmount } from '@cfund/i18n';
import type { Currency, Jurisdiction } from '@cfund/contracts';

/** Amounts and dates are formatted by @cfund/i18n, the one home of formatting for the console and the notifications. */
export { formatLocalDate, formatDateTime, formatDateTimeZoned } from '@cfund/i18n';

export function formatMoney(locale: string, amountMinor: number, currency: string): string {
  return formatAmount(locale, { amountMinor, currency: currency as Currency });
}

/** The time zone of a jurisdiction's scheme now (dates of a claim are local dates there). */
export const schemeTimeZone = (jurisdiction: string): string => schemeAt(jurisdiction as Jurisdiction, new Date().toISOString()).timeZone;

/** The time zone of the user's first jurisdiction: for lists that are of no one claim. */
export const homeTimeZone = (jurisdictions: readonly string[]): string => schemeTimeZone(jurisdictions[0] ?? 'RS');

/** An instant, as a date in the scheme's time zone. */
export function formatInstant(locale: string, iso: string, timeZone: string): string {
  return formatInstantDate(locale, iso, timeZone);
}

/**
 * A decimal amount typed in major units ("1500", "1500.50", "-20") as minor units; undefined when
 * it is not a number. The sign is kept: the schema, not this, says an amount must be positive.
 */
export function toMinor(text: string, currency: Currency): number | undefined {
  const digits = MINOR_UNIT_DIGITS[currency];
  const m = /^\s*(-?)(\d+)(?:[.,](\d+))?\s*$/.exec(text);
  if (!m || (m[3] !== undefined && m[3].length > digits)) return undefined;
  const minor = Number(m[2]) * 10 ** digits + Number((m[3] ?? '').padEnd(digits, '0') || '0');
  return m[1] === '-' ? -minor : minor;
}
