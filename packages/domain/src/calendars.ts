/**
 * Calendars: which days are public holidays for a scheme version, from the maintained
 * `date-holidays` data (every year, moving feasts included: Orthodox and Catholic Easter, Eid),
 * chosen by country and, where holidays differ inside a country, region (Bosnia and Herzegovina:
 * `BIH` Federation, `SRP` Republika Srpska, `BRC` Brčko District). A scheme version can add a
 * one-off day (declared by the government) or remove one, as data checked when the scheme files
 * load.
 *
 * Only holidays of type `public` count. `date-holidays` also returns `bank` (banks close, courts
 * and state bodies do not), `optional` (a day off for the faithful of one religion or those who
 * choose it, offices stay open: Macedonian Orthodox Good Friday, Serbian Eid) and `observance`
 * (no day off). A filing or an appeal can be made on such a day, so it does not move a deadline;
 * a scheme that must treat one as closed adds it.
 */
import Holidays from 'date-holidays';
import type { Calendar, Holiday } from './calendar-schema.js';
export { CalendarSchema, HolidaySchema, type Calendar, type CalendarInput, type Holiday } from './calendar-schema.js';
import { dateOfDay, dayNumber, weekdayOf } from './local-dates.js';
import { DomainError } from './errors.js';

type YearHolidays = ReadonlyMap<string, string>;

let library: Holidays | undefined;
/** The holiday data, loaded on first need. */
function holidayData(): Holidays {
  library ??= new Holidays();
  return library;
}

/** A problem the holiday data finds in a calendar: the field (relative to the calendar) and why. */
export interface CalendarIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** What the holiday data finds wrong in `c`: an unknown country or region, an added day that already is a holiday, a removed one that is none. */
export function calendarIssues(c: Calendar): CalendarIssue[] {
  const countries = holidayData().getCountries('en') as Record<string, string>;
  if (!(c.country in countries)) return [{ path: ['country'], message: `"${c.country}" is not a country the holiday data knows` }];
  const regions = (holidayData().getStates(c.country, 'en') ?? {}) as Record<string, string>;
  if (c.region !== undefined && !(c.region in regions)) {
    const known = Object.keys(regions).join(', ') || 'none';
    return [{ path: ['region'], message: `"${c.region}" is not a region of ${c.country} (known: ${known})` }];
  }
  const issues: CalendarIssue[] = [];
  const where = `${c.country}${c.region ? `/${c.region}` : ''}`;
  c.added?.forEach((day, i) => {
    const known = libraryHolidays(c.country, c.region, Number(day.date.slice(0, 4))).get(day.date);
    if (known !== undefined) issues.push({ path: ['added', i, 'date'], message: `${day.date} is already a public holiday of ${where} (${known})` });
  });
  c.removed?.forEach((day, i) => {
    if (!libraryHolidays(c.country, c.region, Number(day.date.slice(0, 4))).has(day.date)) {
      issues.push({ path: ['removed', i, 'date'], message: `${day.date} is not a public holiday of ${where}: nothing to remove` });
    }
  });
  return issues;
}

const byPlace = new Map<string, { data: Holidays; years: Map<number, YearHolidays> }>();

/** The library's public holidays of a place in a year, date -> name, computed once. */
function libraryHolidays(country: string, region: string | undefined, year: number): YearHolidays {
  const key = `${country}/${region ?? ''}`;
  let place = byPlace.get(key);
  if (!place) {
    place = { data: region === undefined ? new Holidays(country) : new Holidays(country, region), years: new Map() };
    byPlace.set(key, place);
  }
  let days = place.years.get(year);
  if (!days) {
    const map = new Map<string, string>();
    for (const h of place.data.getHolidays(year, 'en')) {
      // `date` is the local civil date the holiday starts on ("2026-03-20 00:00:00 -0600" for Eid,
      // whose religious day begins the evening before); a multi-day feast that is off for more
      // than one day is listed once per day off.
      if (h.type === 'public' && !map.has(h.date.slice(0, 10))) map.set(h.date.slice(0, 10), h.name);
    }
    days = map;
    place.years.set(year, days);
  }
  return days;
}

const byCalendar = new WeakMap<Calendar, Map<number, YearHolidays>>();

function holidaysOf(calendar: Calendar, year: number): YearHolidays {
  let years = byCalendar.get(calendar);
  if (!years) {
    const issues = calendarIssues(calendar);
    if (issues.length > 0) {
      const text = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new DomainError('invalid-scheme', `The calendar ${calendar.country}${calendar.region ? `/${calendar.region}` : ''} is invalid: ${text}`, { details: { issues: text } });
    }
    years = new Map();
    byCalendar.set(calendar, years);
  }
  let days = years.get(year);
  if (!days) {
    const map = new Map(libraryHolidays(calendar.country, calendar.region, year));
    for (const r of calendar.removed ?? []) map.delete(r.date);
    for (const a of calendar.added ?? []) if (a.date.startsWith(`${year}-`)) map.set(a.date, a.name);
    days = map;
    years.set(year, days);
  }
  return days;
}

/** The public holidays of `calendar` in `year`, added days included, removed ones not, by date. */
export function publicHolidays(calendar: Calendar, year: number): Holiday[] {
  return [...holidaysOf(calendar, year)].map(([date, name]) => ({ date, name })).sort((a, b) => a.date.localeCompare(b.date));
}

/** The public holiday on `date` (a local date), if any. */
export function holidayOn(calendar: Calendar, date: string): Holiday | undefined {
  dayNumber(date);
  const name = holidaysOf(calendar, Number(date.slice(0, 4))).get(date);
  return name === undefined ? undefined : { date, name };
}

/** A calendar, or anything that carries one (a scheme). */
export type CalendarSource = Calendar | { readonly calendar: Calendar };

export function calendarOf(source: CalendarSource): Calendar {
  return 'calendar' in source ? source.calendar : source; // a scheme has a `country` too, so test for its calendar
}

/** The day number `day` is a working day: not a Saturday, Sunday or public holiday. */
export function isWorkingDayNumber(day: number, calendar: Calendar): boolean {
  return weekdayOf(day) <= 5 && !holidaysOf(calendar, new Date(day * 86_400_000).getUTCFullYear()).has(dateOfDay(day));
}

/** Not a Saturday, Sunday or public holiday of the calendar. */
export function isWorkingDay(date: string, source: CalendarSource): boolean {
  return isWorkingDayNumber(dayNumber(date), calendarOf(source));
}
