import { MAX_SCHEDULE_MONTHS } from '@cfund/contracts';
import { addPeriod, localDateOf } from '../deadlines.js';
import { DomainError } from '../errors.js';

/** How far ahead a payout schedule may start: a year after the day it is made. */
export const MAX_FIRST_DUE_MONTHS = 12;

/**
 * How many fund years after the current one a schedule made today can commit money in: its last
 * instalment falls due at most MAX_FIRST_DUE_MONTHS + MAX_SCHEDULE_MONTHS ahead, a few days more
 * when a holiday rolls it forward into the next year.
 */
export const MAX_COMMITMENT_YEARS_AHEAD = Math.floor((MAX_FIRST_DUE_MONTHS + MAX_SCHEDULE_MONTHS) / 12) + 1;

/**
 * A schedule's first instalment falls due at most MAX_FIRST_DUE_MONTHS after the scheduling date
 * (local, in the scheme's zone `zone`): a due date years ahead is a typing error, and would keep
 * the award committed in the ledger without being paid. An earlier date is allowed (a schedule
 * recorded after the fact). How long a schedule runs is bounded by the command's own schema.
 */
export function checkFirstDueOn(firstDueOn: string, at: string, zone: string): void {
  const latest = addPeriod(localDateOf(at, zone), { months: MAX_FIRST_DUE_MONTHS });
  if (firstDueOn > latest) {
    throw new DomainError('due-date-too-far', `The first instalment can fall due on ${latest} at the latest (${MAX_FIRST_DUE_MONTHS} months ahead).`, {
      details: { field: 'firstDueOn', latest },
    });
  }
}
