/**
 * A scheme as the rest of the domain reads it, without zod (the console reads schemes in the
 * browser, where zod belongs to the forms only): the helpers scheme files are written with
 * (`law`, `model`) and `resolveVersion`, which turns one version of a file into a plain, frozen
 * `Scheme` (values only, easy to use in the deciders) that keeps every value's provenance under
 * `provenance[<field path>]`. The file's shape is `schema.ts`'s, which validates it.
 */
import type { Currency, DamageHead, Jurisdiction, Money } from '@cfund/contracts';
import type { Calendar } from '../calendar-schema.js';
import type { DeadlineAnchor, Period, Provenance, SchemeFile } from './schema.js';

/** A value with where it comes from. */
export interface Sourced<T> { value: T; provenance: Provenance }

/** A value of the law in force, with its source. */
export function law<T>(value: T, source: string, note?: string): Sourced<T> {
  return { value, provenance: note === undefined ? { kind: 'law-in-force', source } : { kind: 'law-in-force', source, note } };
}
/** A model value (not law in force), with the basis it was modelled on. */
export function model<T>(value: T, basis: string, note?: string): Sourced<T> {
  return { value, provenance: note === undefined ? { kind: 'model-value', basis } : { kind: 'model-value', basis, note } };
}

export type LocalDate = string;

/** One version of a scheme, plain values, frozen. Its `id` is what a claim records. */
export interface Scheme {
  /** `<jurisdiction>@<effectiveFrom>`, e.g. `MK@2023-05-25`. */
  readonly id: string;
  readonly jurisdiction: Jurisdiction;
  readonly country: string;
  readonly title: string;
  readonly effectiveFrom: LocalDate;
  /** The date the next version takes effect (this one applies to filings before it), or null. */
  readonly supersededOn: LocalDate | null;
  readonly currency: Currency;
  readonly timeZone: string;
  /** The language of the proceedings: the default of notifications and letters. */
  readonly language: string;
  readonly applicationDeadline: { readonly anchor: DeadlineAnchor; readonly period: Period };
  readonly enforcementMustFailFirst: boolean;
  readonly caps: { readonly total: Money; readonly perHead: Readonly<Partial<Record<DamageHead, Money>>> };
  readonly dualApprovalThreshold: Money;
  readonly appealDays: number;
  readonly advancePayments: { readonly allowed: boolean; readonly maxSharePercent: number };
  readonly recoveryFromOffender: boolean;
  /** Calendar days from the fund application within which the fund is to decide, or null: no limit set. */
  readonly decisionTimeLimitDays: number | null;
  /** The public holidays its deadlines skip (see `publicHolidays(calendar, year)`). */
  readonly calendar: Calendar;
  /** Provenance of every value above, by field path (`currency`, `caps.total`, `caps.perHead.funeral-costs`, ...). */
  readonly provenance: Readonly<Record<string, Provenance>>;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export function resolveVersion(file: SchemeFile, index: number): Scheme {
  const v = file.versions[index];
  if (!v) throw new RangeError(`no version ${index} in the ${file.jurisdiction} scheme file`);
  const next = file.versions[index + 1];
  const provenance: Record<string, Provenance> = {
    effectiveFrom: v.effectiveFrom.provenance,
    currency: v.currency.provenance,
    timeZone: v.timeZone.provenance,
    language: v.language.provenance,
    applicationDeadline: v.applicationDeadline.provenance,
    enforcementMustFailFirst: v.enforcementMustFailFirst.provenance,
    'caps.total': v.caps.total.provenance,
    dualApprovalThreshold: v.dualApprovalThreshold.provenance,
    appealDays: v.appealDays.provenance,
    advancePayments: v.advancePayments.provenance,
    recoveryFromOffender: v.recoveryFromOffender.provenance,
    calendar: v.calendar.provenance,
  };
  if (v.decisionTimeLimitDays) provenance.decisionTimeLimitDays = v.decisionTimeLimitDays.provenance;
  const perHead: Partial<Record<DamageHead, Money>> = {};
  for (const [head, s] of Object.entries(v.caps.perHead) as [DamageHead, Sourced<Money>][]) {
    perHead[head] = s.value;
    provenance[`caps.perHead.${head}`] = s.provenance;
  }
  const scheme: Scheme = {
    id: `${file.jurisdiction}@${v.effectiveFrom.value}`,
    jurisdiction: file.jurisdiction,
    country: file.country,
    title: v.title,
    effectiveFrom: v.effectiveFrom.value,
    supersededOn: next ? next.effectiveFrom.value : null,
    currency: v.currency.value,
    timeZone: v.timeZone.value,
    language: v.language.value,
    applicationDeadline: structuredClone(v.applicationDeadline.value),
    enforcementMustFailFirst: v.enforcementMustFailFirst.value,
    caps: { total: { ...v.caps.total.value }, perHead },
    dualApprovalThreshold: { ...v.dualApprovalThreshold.value },
    appealDays: v.appealDays.value,
    advancePayments: { ...v.advancePayments.value },
    recoveryFromOffender: v.recoveryFromOffender.value,
    decisionTimeLimitDays: v.decisionTimeLimitDays?.value ?? null,
    calendar: structuredClone(v.calendar.value),
    provenance,
  };
  return deepFreeze(scheme);
}
