/**
 * The shape of a scheme file, as zod validates it (`SchemeFileSchema`): at start-up
 * (`checkSchemes`) and whenever a registry is created from files (`createSchemeRegistry`).
 *
 * A scheme file (one per jurisdiction) holds a list of versions ordered by effective date, each
 * with the calendar its deadlines use. Every value in it is `{ value, provenance }`: either
 * `law-in-force` (with its source) or `model-value` (with the basis it was modelled on, never
 * to be mistaken for law). The schema only checks: it transforms nothing (no defaults), so a
 * file that passes is read as written (`scheme.ts`, which needs no zod: the console reads the
 * schemes in the browser without loading zod).
 */
import { z } from 'zod';
import { CalendarSchema } from '../calendar-schema.js';
import { isTimeZone } from '../deadlines.js';
import type { Sourced } from './scheme.js';
import { CurrencySchema, DamageHeadSchema, JurisdictionSchema, LocalDateSchema, MoneySchema, type Money } from '@cfund/contracts';

export const ProvenanceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('law-in-force'), source: z.string().min(10), note: z.string().min(1).optional() }).strict(),
  z.object({ kind: z.literal('model-value'), basis: z.string().min(10), note: z.string().min(1).optional() }).strict(),
]);
export type Provenance = z.infer<typeof ProvenanceSchema>;

/** A value with where it comes from. */
export const sourcedSchema = <T extends z.ZodType>(value: T) =>
  z.object({ value, provenance: ProvenanceSchema }).strict();

/** A calendar period; months are added first, then days (end of month clamps: 31 Jan + 1 month = 28/29 Feb). */
export const PeriodSchema = z.object({
  months: z.number().int().min(0).max(1200).optional(),
  days: z.number().int().min(0).max(36_600).optional(),
}).strict().refine((p) => (p.months ?? 0) + (p.days ?? 0) > 0, { message: 'a period has at least one month or day' });
export type Period = z.infer<typeof PeriodSchema>;

/** What the application deadline counts from. */
export const DeadlineAnchorSchema = z.enum(['incident', 'ruling-final', 'enforcement-failed']);
export type DeadlineAnchor = z.infer<typeof DeadlineAnchorSchema>;

export const TimeZoneSchema = z.string().refine(isTimeZone, { message: 'not a valid IANA time zone' });

/** A BCP 47 language tag with an optional script: `sq`, `cnr`, `sr-Cyrl`. */
export const LanguageTagSchema = z.string().regex(/^[a-z]{2,3}(?:-[A-Z][a-z]{3})?$/, 'a BCP 47 language tag such as sq or sr-Cyrl');

export const AdvancePaymentsSchema = z.object({
  allowed: z.boolean(),
  /** Largest share of the assessed award that may be advanced, in whole percent (0 when not allowed). */
  maxSharePercent: z.number().int().min(0).max(100),
}).strict().refine((a) => a.allowed ? a.maxSharePercent > 0 : a.maxSharePercent === 0, {
  message: 'maxSharePercent is > 0 when advances are allowed and 0 otherwise',
});

export const SchemeVersionSchema = z.object({
  /** First day (local date, inclusive) on which this version applies to filings. */
  effectiveFrom: sourcedSchema(LocalDateSchema),
  title: z.string().min(1),
  currency: sourcedSchema(CurrencySchema),
  timeZone: sourcedSchema(TimeZoneSchema),
  /** The language of the proceedings (BCP 47, e.g. `sr-Cyrl`): what people get who chose none (see @cfund/i18n). */
  language: sourcedSchema(LanguageTagSchema),
  applicationDeadline: sourcedSchema(z.object({ anchor: DeadlineAnchorSchema, period: PeriodSchema }).strict()),
  /** Whether enforcement against the offender must have failed before the fund pays. */
  enforcementMustFailFirst: sourcedSchema(z.boolean()),
  caps: z.object({
    total: sourcedSchema(MoneySchema),
    /** Heads without a cap of their own are limited by the total only. */
    perHead: z.partialRecord(DamageHeadSchema, sourcedSchema(MoneySchema)),
  }).strict(),
  /** Awards strictly above this need two distinct approvers. */
  dualApprovalThreshold: sourcedSchema(MoneySchema),
  /** Calendar days after the decision is served within which it may be appealed (then rolled to a working day). */
  appealDays: sourcedSchema(z.number().int().min(1).max(365)),
  advancePayments: sourcedSchema(AdvancePaymentsSchema),
  /** Whether the fund may recover what it paid from the offender (subrogation / recourse). */
  recoveryFromOffender: sourcedSchema(z.boolean()),
  /**
   * Calendar days from the fund application to the fund's decision within which the fund is to
   * decide (monitoring's share of decisions within the limit); absent: the scheme sets none.
   */
  decisionTimeLimitDays: sourcedSchema(z.number().int().min(1).max(3650)).optional(),
  /** Public holidays on which a deadline does not end: country, region, added and removed days. */
  calendar: sourcedSchema(CalendarSchema),
}).strict().superRefine((v, ctx) => {
  const currency = v.currency.value;
  const amounts: [string, Money][] = [
    ['caps.total', v.caps.total.value],
    ['dualApprovalThreshold', v.dualApprovalThreshold.value],
    ...Object.entries(v.caps.perHead).map(([head, s]) => [`caps.perHead.${head}`, (s as Sourced<Money>).value] as [string, Money]),
  ];
  for (const [path, m] of amounts) {
    if (m.currency !== currency) ctx.addIssue({ code: 'custom', path: path.split('.'), message: `in ${m.currency}, the scheme's currency is ${currency}` });
  }
  for (const [head, s] of Object.entries(v.caps.perHead)) {
    if ((s as Sourced<Money>).value.amountMinor > v.caps.total.value.amountMinor) {
      ctx.addIssue({ code: 'custom', path: ['caps', 'perHead', head], message: 'a head cap above the total cap' });
    }
  }
});
export type SchemeVersionDefinition = z.infer<typeof SchemeVersionSchema>;

export const SchemeFileSchema = z.object({
  jurisdiction: JurisdictionSchema,
  country: z.string().min(1),
  versions: z.array(SchemeVersionSchema).min(1),
}).strict().superRefine((f, ctx) => {
  const dates = f.versions.map((v) => v.effectiveFrom.value);
  for (let i = 1; i < dates.length; i++) {
    if ((dates[i] as string) <= (dates[i - 1] as string)) {
      ctx.addIssue({ code: 'custom', path: ['versions', i, 'effectiveFrom'], message: 'versions must be in strictly increasing order of effectiveFrom' });
    }
  }
});
/** The zod schema every scheme file is validated with at load. */
export const SchemeSchema = SchemeFileSchema;
export type SchemeFile = z.infer<typeof SchemeFileSchema>;
/** What a scheme file is written as (before validation). */
export type SchemeFileInput = z.input<typeof SchemeFileSchema>;
