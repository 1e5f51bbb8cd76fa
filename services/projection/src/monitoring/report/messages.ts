/**
 * The regional report's texts, ICU MessageFormat per locale (@cfund/i18n), in every locale of the
 * fund (locales/: each file says who produced it and that no native speaker has reviewed it;
 * Serbian Cyrillic is the Latin catalogue transliterated). The catalogue's definitions stay in
 * English (catalogue.ts is their one home); the categories of the breakdowns and the columns of
 * the appeals and victims tables are their published codes, as in the dataset.
 */
import { CompiledCatalogue, LOCALES, type Locale } from '@cfund/i18n';
import { BS } from './locales/bs.js';
import { CNR } from './locales/cnr.js';
import { EN, type ReportMessageId } from './locales/en.js';
import { HR } from './locales/hr.js';
import { MK } from './locales/mk.js';
import { SQ } from './locales/sq.js';
import { SR_CYRL } from './locales/sr-Cyrl.js';
import { SR_LATN } from './locales/sr-Latn.js';

export type { ReportMessageId } from './locales/en.js';

export const REPORT_LOCALES = LOCALES;
export type ReportLocale = Locale;

export const REPORT_CATALOGUES: Readonly<Record<ReportLocale, Readonly<Record<ReportMessageId, string>>>> = {
  en: EN, 'sr-Latn': SR_LATN, 'sr-Cyrl': SR_CYRL, bs: BS, cnr: CNR, hr: HR, sq: SQ, mk: MK,
};

const compiled = new Map<ReportLocale, CompiledCatalogue<ReportMessageId>>();

/** A locale's report messages, compiled once. */
export function reportCatalogue(locale: ReportLocale): CompiledCatalogue<ReportMessageId> {
  let c = compiled.get(locale);
  if (!c) compiled.set(locale, c = new CompiledCatalogue<ReportMessageId>(locale, REPORT_CATALOGUES[locale]));
  return c;
}
