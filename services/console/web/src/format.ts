/** Amounts and dates through Intl, in the user's locale and the scheme's time zone. */
import { MINOR_UNIT_DIGITS, schemeAt } from '@cfund/domain';
import type { Currency, Jurisdiction } from '@cfund/contracts';

export function formatMoney(locale: string, amountMinor: number, currency: string): string {
  const digits = MINOR_UNIT_DIGITS[currency as Currency] ?? 2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(amountMinor / 10 ** digits);
}

/** The time zone of a jurisdiction's scheme now (dates of a claim are local dates there). */
export const schemeTimeZone = (jurisdiction: string): string => schemeAt(jurisdiction as Jurisdiction, new Date().toISOString()).timeZone;

/** The time zone of the user's first jurisdiction: for lists that are of no one claim. */
export const homeTimeZone = (jurisdictions: readonly string[]): string => schemeTimeZone(jurisdictions[0] ?? 'RS');

/** An instant, as a date in the scheme's time zone. */
export function formatInstant(locale: string, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(new Date(iso));
}

/** A local date (YYYY-MM-DD): the same day everywhere. */
export function formatLocalDate(locale: string, date: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
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

/** An instant, as a date and a time in the given time zone. */
export function formatDateTime(locale: string, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** An instant with its zone's name: for lists that span jurisdictions. */
export function formatDateTimeZoned(locale: string, iso: string, timeZone: string): string {
  // dateStyle and timeStyle do not combine with timeZoneName: the fields one by one.
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' })
    .format(new Date(iso));
}
