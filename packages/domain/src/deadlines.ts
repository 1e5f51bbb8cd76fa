/**
 * Deadlines as local calendar dates in a scheme's time zone.
 *
 * - A deadline is a date, not an instant: it ends at local midnight at the end of that day,
 *   whatever the UTC offset of that day (DST changes included).
 * - Periods are added on dates (months first, then days; 31 Jan + 1 month = 28/29 Feb), then the
 *   result is rolled forward to the next working day of the scheme version's calendar (not
 *   Saturday, Sunday or a public holiday).
 * - An instant (always UTC in events) is turned into the local date of the scheme's zone before
 *   anything else (Intl's zone data): 23:30 UTC on 1 March is 00:30 on 2 March in Belgrade.
 */
import { DateTime } from 'luxon';
import { calendarOf, isWorkingDayNumber, type CalendarSource } from './calendars.js';
import { DomainError } from './errors.js';
import { addMonths, dateOfDay, dayNumber } from './local-dates.js';
import type { Period } from './schemes/schema.js';
import type { LocalDate, Scheme } from './schemes/scheme.js';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/**
 * An ISO 8601 instant with an explicit offset or `Z` (a local time without zone is ambiguous):
 * date, hour, minute, optional second and fraction, offset sign, hours and minutes.
 */
const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/i;
const MINUTE_MS = 60_000;

const notAnInstant = (instant: string) =>
  new DomainError('invalid-date', `"${instant}" is not an instant (ISO 8601 with Z or an offset).`, { details: { instant } });

/**
 * Milliseconds since the epoch of an ISO 8601 instant; `invalid-date` when it is not one: a day the
 * month does not have, an hour past 23 (24:00 only, the end of the day), a minute or second past
 * 59, an offset of 24 hours or more.
 */
function instantTime(instant: string): number {
  const m = INSTANT.exec(instant);
  if (!m) throw notAnInstant(instant);
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  const millis = Number((m[5] ?? '').slice(0, 3).padEnd(3, '0'));
  const endOfDay = hour === 24 && minute === 0 && second === 0 && !/[1-9]/.test(m[5] ?? '');
  const offsetMinutes = m[6] === undefined ? 0 : (m[6] === '-' ? -1 : 1) * (Number(m[7]) * 60 + Number(m[8]));
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59 || Number(m[7] ?? 0) > 23 || Number(m[8] ?? 0) > 59) throw notAnInstant(instant);
  let day: number;
  try {
    day = dayNumber(m[1]!);
  } catch {
    throw notAnInstant(instant);
  }
  return day * 1440 * MINUTE_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
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

/**
 * Per zone, the formatters of a local date: `YYYY-MM-DD` directly (en-CA, years 1000-9999), and
 * its parts with the era for any other year. Null when Intl does not know the zone.
 */
interface ZoneDates { date: Intl.DateTimeFormat; parts: Intl.DateTimeFormat }
const zoneDates = new Map<string, ZoneDates | null>();

function zoneDatesOf(zone: string): ZoneDates | null {
  let formats = zoneDates.get(zone);
  if (formats === undefined) {
    try {
      const options = { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' } as const;
      formats = { date: new Intl.DateTimeFormat('en-CA', options), parts: new Intl.DateTimeFormat('en-CA', { ...options, era: 'short' }) };
    } catch {
      formats = null;
    }
    zoneDates.set(zone, formats);
  }
  return formats;
}

/** Whether `zone` is a time zone of Intl's zone data (an IANA name, in any letter case). */
export function isTimeZone(zone: string): boolean {
  return zoneDatesOf(zone) !== null;
}

/** The local date at `at` in a zone; years outside 0-9999 signed, with six digits (ISO 8601's expanded form). */
function localDateAt(at: Date, formats: ZoneDates): LocalDate {
  const date = formats.date.format(at);
  if (/^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  const parts = formats.parts.formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const yearOfEra = Number(part('year'));
  const year = part('era') === 'BC' ? 1 - yearOfEra : yearOfEra;
  const yyyy = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
  return `${yyyy}-${part('month')}-${part('day')}`;
}

/** Per zone, the last quarter hour (UTC) asked about whose instants all fall on one local date, and that date. */
const quarterDates = new Map<string, { quarter: number; date: LocalDate }>();
const QUARTER_MS = 15 * MINUTE_MS;

/**
 * `localDateAt`, formatted once per quarter hour of a zone rather than once per instant: the
 * instants of one command, and of the commands around it, share it. A zone's offset changes at
 * most once in a quarter hour (its changes are months apart), so when the quarter's first and last
 * millisecond fall on one local date, every instant between does; otherwise (a local midnight
 * inside the quarter, at an offset not in quarter hours) the instant is formatted itself.
 */
function localDateNear(at: Date, zone: string, formats: ZoneDates): LocalDate {
  const quarter = Math.floor(at.getTime() / QUARTER_MS);
  const known = quarterDates.get(zone);
  if (known !== undefined && known.quarter === quarter) return known.date;
  const first = localDateAt(new Date(quarter * QUARTER_MS), formats);
  if (localDateAt(new Date((quarter + 1) * QUARTER_MS - 1), formats) !== first) return localDateAt(at, formats);
  quarterDates.set(zone, { quarter, date: first });
  return first;
}

/**
 * The local calendar date of `instant` in `zone` (an IANA zone). An instant as the services write
 * it is read by `Date` (its own, stricter, format); any other form of ISO 8601 with an offset
 * by `instantTime`.
 */
export function localDateOf(instant: string, zone: string): LocalDate {
  const key = `${zone} ${instant}`;
  const known = recentLocalDates.get(key);
  if (known !== undefined) return known;
  let at = CANONICAL_INSTANT.test(instant) ? new Date(instant) : undefined;
  // `Date` rolls 30 February over: a canonical instant must write back unchanged.
  if (at === undefined || Number.isNaN(at.getTime()) || at.toISOString() !== instant) at = new Date(instantTime(instant));
  const formats = zoneDatesOf(zone);
  if (formats === null) throw new DomainError('invalid-date', `"${zone}" is not a time zone.`, { details: { zone } });
  const date = localDateNear(at, zone, formats);
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

/**
 * The first instant (UTC, ISO 8601) that is late for `deadline`: local midnight at the end of the
 * day. luxon finds it (an instant from a local time, a DST change's gap included): the one use of
 * luxon left, by the reminders, so that a bundle without them (the console's) leaves luxon out.
 */
export function deadlineEnd(deadline: LocalDate, zone: string): string {
  const end = DateTime.fromISO(deadline, { zone }).plus({ days: 1 }).startOf('day');
  if (!end.isValid || !LOCAL_DATE.test(deadline)) {
    throw new DomainError('invalid-date', `"${deadline}" in "${zone}" is not a valid local date.`, { details: { deadline, zone } });
  }
  return end.toUTC().toISO({ suppressMilliseconds: false }) as string;
}
