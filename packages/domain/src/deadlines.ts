/**
 * Deadlines as local calendar dates in a scheme's time zone.
 *
 * - A deadline is a date, not an instant: it ends at local midnight at the end of that day,
 *   whatever the UTC offset of that day (DST changes included).
 * - Periods are added on dates (months first, then days; 31 Jan + 1 month = 28/29 Feb), then the
 *   result is rolled forward to the next working day of the scheme version's calendar (not
 *   Saturday, Sunday or a public holiday).
 * - An instant (always UTC in events) is turned into the local date of the scheme's zone before
 *   anything else (Intl's zone data, directly or through luxon): 23:30 UTC on 1 March is 00:30 on 2 March in Belgrade.
 */
import { DateTime } from 'luxon';
import { calendarOf, isWorkingDayNumber, type CalendarSource } from './calendars.js';
import { DomainError } from './errors.js';
import { addMonths, dateOfDay, dayNumber } from './local-dates.js';
import type { Period } from './schemes/schema.js';
import type { LocalDate, Scheme } from './schemes/scheme.js';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** An ISO 8601 instant with an explicit offset or `Z` (a local time without zone is ambiguous). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function parseInstant(instant: string): DateTime {
  const d = INSTANT.test(instant) ? DateTime.fromISO(instant, { setZone: true }) : DateTime.invalid('format');
  if (!d.isValid) {
    throw new DomainError('invalid-date', `"${instant}" is not an instant (ISO 8601 with Z or an offset).`, { details: { instant } });
  }
  return d;
}

/**
 * Recent answers of `localDateOf`: one command asks for the local date of its own instant several
 * times (the scheme in force, future dates, the fund year), and a time-zone conversion is among
 * the costliest steps of a decision. Bounded; errors are not kept.
 */
const recentLocalDates = new Map<string, LocalDate>();
const RECENT_LOCAL_DATES = 256;

/** An instant as the service writes it (`Date#toISOString`, years 1000-9999): the form the fast path takes. */
const CANONICAL_INSTANT = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Per zone, the formatter that writes a date as `YYYY-MM-DD` (en-CA), or null when Intl does not know the zone. */
const localDateFormats = new Map<string, Intl.DateTimeFormat | null>();

/**
 * The local date of a canonical instant through `Intl` directly, about ten times cheaper than
 * luxon's parse and zone conversion (which use the same `Intl` zone data). Undefined when the
 * instant is not canonical or not a real date (`Date` would roll 30 February over where luxon
 * refuses it: the instant must write back unchanged) or the zone is not one of `Intl`'s: luxon
 * answers those, with its own rules and errors.
 */
function canonicalLocalDate(instant: string, zone: string): LocalDate | undefined {
  if (!CANONICAL_INSTANT.test(instant)) return undefined;
  const at = new Date(instant);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== instant) return undefined;
  let format = localDateFormats.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      format = null;
    }
    localDateFormats.set(zone, format);
  }
  if (format === null) return undefined;
  const date = format.format(at);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? (date as LocalDate) : undefined;
}

/** The local calendar date of `instant` in `zone` (an IANA zone). */
export function localDateOf(instant: string, zone: string): LocalDate {
  const key = `${zone} ${instant}`;
  const known = recentLocalDates.get(key);
  if (known !== undefined) return known;
  let date = canonicalLocalDate(instant, zone);
  if (date === undefined) {
    const local = parseInstant(instant).setZone(zone);
    if (!local.isValid) throw new DomainError('invalid-date', `"${zone}" is not a time zone.`, { details: { zone } });
    date = local.toISODate() as LocalDate;
  }
  if (recentLocalDates.size >= RECENT_LOCAL_DATES) recentLocalDates.delete(recentLocalDates.keys().next().value!);
  recentLocalDates.set(key, date);
  return date;
}

/** `date` plus a calendar period (months first, then days). No rolling. */
export function addPeriod(date: LocalDate, period: Period): LocalDate {
  const months = period.months ?? 0;
  const days = period.days ?? 0;
  if (!Number.isInteger(months) || !Number.isInteger(days) || months < 0 || days < 0) {
    throw new DomainError('invalid-date', 'A period is a whole, non-negative number of months and days.', { details: { period } });
  }
  return dateOfDay(addMonths(date, months) + days);
}

/** `date` itself when a working day of the calendar (or the scheme's), otherwise the next working day. */
export function rollForward(date: LocalDate, source: CalendarSource): LocalDate {
  const calendar = calendarOf(source);
  const first = dayNumber(date);
  // A year cannot hold more than 366 consecutive non-working days; the bound only guards bad data.
  for (let day = first; day < first + 366; day++) if (isWorkingDayNumber(day, calendar)) return dateOfDay(day);
  throw new DomainError('invalid-date', `No working day within a year after ${date}.`);
}

/** The working day `days` working days after `date` (1: the next working day), in the calendar (or the scheme's). */
export function addWorkingDays(date: LocalDate, days: number, source: CalendarSource): LocalDate {
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw new DomainError('invalid-date', 'A number of working days is a whole number from 1 to 366.', { details: { days } });
  }
  const calendar = calendarOf(source);
  let day = dayNumber(date);
  for (let left = days; left > 0;) if (isWorkingDayNumber(++day, calendar)) left--;
  return dateOfDay(day);
}

/** The dates an application deadline can count from; absent when the event has not happened. */
export interface DeadlineAnchors {
  incidentOn?: LocalDate | null;
  rulingFinalOn?: LocalDate | null;
  enforcementFailedOn?: LocalDate | null;
}

/**
 * The last day (local date) to apply to the fund: the scheme's anchor date plus its period,
 * rolled forward to a working day. `null` when the anchor has not happened yet (the ruling is not
 * final, enforcement has not failed): the clock has not started.
 */
export function applicationDeadline(scheme: Pick<Scheme, 'applicationDeadline' | 'calendar'>, anchors: DeadlineAnchors): LocalDate | null {
  const { anchor, period } = scheme.applicationDeadline;
  const from = anchor === 'incident' ? anchors.incidentOn
    : anchor === 'ruling-final' ? anchors.rulingFinalOn
      : anchors.enforcementFailedOn;
  if (from === undefined || from === null) return null;
  return rollForward(addPeriod(from, period), scheme);
}

/**
 * The last day (local date) to appeal a decision served at `notifiedAt` (an instant): the local
 * date of service in the scheme's zone plus `appealDays`, rolled forward to a working day.
 */
export function appealDeadline(scheme: Pick<Scheme, 'appealDays' | 'timeZone' | 'calendar'>, notifiedAt: string): LocalDate {
  return rollForward(addPeriod(localDateOf(notifiedAt, scheme.timeZone), { days: scheme.appealDays }), scheme);
}

/**
 * Whether `instant` is after the deadline day: the deadline day itself is in time until local
 * midnight at its end in `zone`.
 */
export function isLate(deadline: LocalDate, instant: string, zone: string): boolean {
  dayNumber(deadline);
  return localDateOf(instant, zone) > deadline;
}

/** The first instant (UTC, ISO 8601) that is late for `deadline`: local midnight at the end of the day. */
export function deadlineEnd(deadline: LocalDate, zone: string): string {
  const end = DateTime.fromISO(deadline, { zone }).plus({ days: 1 }).startOf('day');
  if (!end.isValid || !LOCAL_DATE.test(deadline)) {
    throw new DomainError('invalid-date', `"${deadline}" in "${zone}" is not a valid local date.`, { details: { deadline, zone } });
  }
  return end.toUTC().toISO({ suppressMilliseconds: false }) as string;
}
