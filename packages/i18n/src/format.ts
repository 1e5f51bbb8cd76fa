/** Dates and amounts through `Intl`, in a locale and (for instants) the scheme's time zone. */
import type { Money } from '@cfund/contracts';
import { MINOR_UNIT_DIGITS } from '@cfund/domain';
import { INTL_LOCALE, isLocale } from './locales.js';

/** The tag `Intl` gets for one of our locales (see `INTL_LOCALE`); any other tag as it is. */
export const intlLocale = (locale: string): string => (isLocale(locale) ? INTL_LOCALE[locale] : locale);

export type DateStyle = 'full' | 'long' | 'medium' | 'short';

// Building an Intl formatter costs far more than using one: each is made once per locale and options.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();
function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(intlLocale(locale), options)));
  return f;
}
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(intlLocale(locale), options)));
  return f;
}

/** An amount in its currency, with the currency's minor digits. */
export function formatMoney(locale: string, money: Money): string {
  const digits = MINOR_UNIT_DIGITS[money.currency] ?? 2;
  return numberFormat(locale, { style: 'currency', currency: money.currency, minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(money.amountMinor / 10 ** digits);
}

/** A local date (`YYYY-MM-DD`): the same calendar day in every zone; `numeric`: day, month and year in figures. */
export function formatLocalDate(locale: string, date: string, style: DateStyle | 'numeric' = 'medium'): string {
  const options: Intl.DateTimeFormatOptions = style === 'numeric' ? { day: 'numeric', month: 'numeric', year: 'numeric' } : { dateStyle: style };
  return dateFormat(locale, { ...options, timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** An instant as a date in `timeZone`. */
export function formatInstantDate(locale: string, iso: string, timeZone: string, style: DateStyle = 'medium'): string {
  return dateFormat(locale, { dateStyle: style, timeZone }).format(new Date(iso));
}

/** An instant as a date and a time in `timeZone`. */
export function formatDateTime(locale: string, iso: string, timeZone: string, style: DateStyle = 'medium'): string {
  return dateFormat(locale, { dateStyle: style, timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** An instant with its zone's name (dateStyle does not combine with timeZoneName: the fields one by one). */
export function formatDateTimeZoned(locale: string, iso: string, timeZone: string, month: 'short' | 'long' = 'short'): string {
  return dateFormat(locale, { year: 'numeric', month, day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' })
    .format(new Date(iso));
}
