import { localDateOf } from '../deadlines.js';
import { DomainError } from '../errors.js';

/**
 * How far ahead of the service's clock a stated instant may be: the clocks of the machine that
 * sent it and of the service can differ a little. Dates of facts (a ruling, a service, a payment)
 * cannot lie in the future beyond it: a decision served "tomorrow" would move its appeal deadline.
 */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** Refuses an instant later than `at` (the command's time) plus the clock tolerance. */
export function requireNotFutureInstant(instant: string, at: string, field: string): void {
  if (Date.parse(instant) > Date.parse(at) + CLOCK_TOLERANCE_MS) {
    throw new DomainError('date-in-future', `${field} cannot lie in the future (it is ${instant}; now is ${at}).`, { details: { field, value: instant, now: at } });
  }
}

/** Refuses a local date later than today's local date in the scheme's time zone. */
export function requireNotFutureDate(date: string, at: string, zone: string, field: string): void {
  const today = localDateOf(at, zone);
  if (date > today) {
    throw new DomainError('date-in-future', `${field} cannot lie in the future (it is ${date}; today is ${today} in ${zone}).`, { details: { field, value: date, today } });
  }
}
