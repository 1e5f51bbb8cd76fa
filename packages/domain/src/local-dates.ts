/**
 * Local calendar dates (`YYYY-MM-DD`) as whole day numbers: plain arithmetic, no time zone and no
 * date library, so a DST change can never shift a date.
 */
import { DomainError } from './errors.js';

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (MONTH_DAYS[month - 1] as number);
}

function dayOf(year: number, month: number, day: number): number {
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day); // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as written
  return Math.round(t.getTime() / DAY_MS);
}

function parts(date: string): [year: number, month: number, day: number] {
  const m = LOCAL_DATE.exec(date);
  if (m) {
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)) return [year, month, day];
  }
  throw new DomainError('invalid-date', `"${date}" is not a calendar date (YYYY-MM-DD).`, { details: { date } });
}

/** Days since 1970-01-01 of a local date; `invalid-date` when it is not one. */
export function dayNumber(date: string): number {
  return dayOf(...parts(date));
}

/** The local date of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday of a day number: 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** `date` plus whole months; an end of month clamps (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): number {
  const [year, month, day] = parts(date);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return dayOf(y, m, Math.min(day, daysInMonth(y, m)));
}
