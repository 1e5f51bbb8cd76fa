/**
 * Deadlines as local calendar dates in a scheme's time zone (luxon).
 *
 * - A deadline is a date, not an instant: it ends at local midnight at the end of that day,
 *   whatever the UTC offset of that day (DST changes included).
 * - Periods are added on dates (months first, then days; 31 Jan + 1 month = 28/29 Feb), then the
 *   result is rolled forward to the next working day (not Saturday, Sunday or a public holiday of
 *   the scheme).
 * - An instant (always UTC in events) is turned into the local date of the scheme's zone before
 *   anything else: 23:30 UTC on 1 March is 00:30 on 2 March in Belgrade.
 */
import { DateTime } from 'luxon';
import { DomainError } from './errors.js';
import type { LocalDate, Period, Scheme } from './schemes/schema.js';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** An ISO 8601 instant with an explicit offset or `Z` (a local time without zone is ambiguous). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function parseLocalDate(date: LocalDate): DateTime {
  const d = LOCAL_DATE.test(date) ? DateTime.fromISO(date, { zone: 'utc' }) : DateTime.invalid('format');
  if (!d.isValid) throw new DomainError('invalid-date', `"${date}" is not a calendar date (YYYY-MM-DD).`, { details: { date } });
  return d;
}

function parseInstant(instant: string): DateTime {
  const d = INSTANT.test(instant) ? DateTime.fromISO(instant, { setZone: true }) : DateTime.invalid('format');
  if (!d.isValid) {
    throw new DomainError('invalid-date', `"${instant}" is not an instant (ISO 8601 with Z or an offset).`, { details: { instant } });
  }
  return d;
}

function toDate(d: DateTime): LocalDate {
  return d.toISODate() as LocalDate;
}

/** The local calendar date of `instant` in `zone` (an IANA zone). */
export function localDateOf(instant: string, zone: string): LocalDate {
  const local = parseInstant(instant).setZone(zone);
  if (!local.isValid) throw new DomainError('invalid-date', `"${zone}" is not a time zone.`, { details: { zone } });
  return toDate(local);
}

/** `date` plus a calendar period (months first, then days). No rolling. */
export function addPeriod(date: LocalDate, period: Period): LocalDate {
  const months = period.months ?? 0;
  const days = period.days ?? 0;
  if (!Number.isInteger(months) || !Number.isInteger(days) || months < 0 || days < 0) {
    throw new DomainError('invalid-date', 'A period is a whole, non-negative number of months and days.', { details: { period } });
  }
  return toDate(parseLocalDate(date).plus({ months }).plus({ days }));
}

/** Public holidays of a scheme, or any list of dates. */
export type HolidayCalendar = Pick<Scheme, 'publicHolidays'> | readonly LocalDate[];

function holidaySet(calendar: HolidayCalendar): ReadonlySet<LocalDate> {
  return new Set(Array.isArray(calendar) ? (calendar as readonly LocalDate[]) : (calendar as Pick<Scheme, 'publicHolidays'>).publicHolidays.map((h) => h.date));
}

/** Not a Saturday, Sunday or holiday. */
export function isWorkingDay(date: LocalDate, calendar: HolidayCalendar): boolean {
  const d = parseLocalDate(date);
  return d.weekday <= 5 && !holidaySet(calendar).has(date);
}

/** `date` itself when a working day, otherwise the next working day. */
export function rollForward(date: LocalDate, calendar: HolidayCalendar): LocalDate {
  const holidays = holidaySet(calendar);
  let d = parseLocalDate(date);
  // A year cannot hold more than 366 consecutive non-working days; the bound only guards bad data.
  for (let i = 0; i < 366; i++) {
    const iso = toDate(d);
    if (d.weekday <= 5 && !holidays.has(iso)) return iso;
    d = d.plus({ days: 1 });
  }
  throw new DomainError('invalid-date', `No working day within a year after ${date}.`);
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
export function applicationDeadline(scheme: Pick<Scheme, 'applicationDeadline' | 'publicHolidays'>, anchors: DeadlineAnchors): LocalDate | null {
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
export function appealDeadline(scheme: Pick<Scheme, 'appealDays' | 'timeZone' | 'publicHolidays'>, notifiedAt: string): LocalDate {
  return rollForward(addPeriod(localDateOf(notifiedAt, scheme.timeZone), { days: scheme.appealDays }), scheme);
}

/**
 * Whether `instant` is after the deadline day: the deadline day itself is in time until local
 * midnight at its end in `zone`.
 */
export function isLate(deadline: LocalDate, instant: string, zone: string): boolean {
  parseLocalDate(deadline);
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
