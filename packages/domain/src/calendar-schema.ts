/**
 * A calendar's shape as scheme files write it (country, region, added and removed days). Apart
 * from `calendars.ts`, which needs the holiday data: reading a scheme (the console does, in the
 * browser) must not load that data.
 */
import { z } from 'zod';
import { LocalDateSchema } from '@cfund/contracts';

export const HolidaySchema = z.object({ date: LocalDateSchema, name: z.string().min(1) }).strict();
export type Holiday = z.infer<typeof HolidaySchema>;

const RemovedDaySchema = z.object({ date: LocalDateSchema, reason: z.string().min(10) }).strict();

const CalendarFields = z.object({
  /** ISO 3166-1 alpha-2 code as `date-holidays` knows it (`XK` for Kosovo). */
  country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code'),
  /** The state or entity as `date-holidays` names it, e.g. `BIH`, `SRP`, `BRC` in Bosnia and Herzegovina. */
  region: z.string().min(1).optional(),
  // Optional, not defaulted: the schema checks and transforms nothing, so the schemes are read as
  // written without it (schemes/scheme.ts). Absent: none.
  /** One-off public holidays not in the library (a day declared by the government). */
  added: z.array(HolidaySchema).optional(),
  /** Library holidays that are not days off for this scheme, with why. */
  removed: z.array(RemovedDaySchema).optional(),
}).strict();

/**
 * The calendar's shape. What only the holiday data can tell (the country and region exist, an
 * added day is not already a holiday, a removed one is) is checked by `calendarIssues`: at
 * start-up through `checkSchemeCalendars`, and on a calendar's first use.
 */
export const CalendarSchema = CalendarFields.superRefine((c, ctx) => {
  const seen = new Set<string>();
  const once = (date: string, path: (string | number)[]) => {
    if (seen.has(date)) ctx.addIssue({ code: 'custom', path, message: `${date} is added or removed twice` });
    seen.add(date);
  };
  c.added?.forEach((day, i) => once(day.date, ['added', i, 'date']));
  c.removed?.forEach((day, i) => once(day.date, ['removed', i, 'date']));
});
export type Calendar = z.infer<typeof CalendarSchema>;
/** What a calendar is written as (`added`, `removed` may be left out). */
export type CalendarInput = z.input<typeof CalendarSchema>;
