/** The letters' catalogues: one file per locale of @cfund/i18n, each with every message of `en.ts`. */
import { CompiledCatalogue, LOCALES, type Locale } from '@cfund/i18n';
import { BS } from './locales/bs.js';
import { CNR } from './locales/cnr.js';
import { EN, type LetterMessageId } from './locales/en.js';
import { HR } from './locales/hr.js';
import { MK } from './locales/mk.js';
import { SQ } from './locales/sq.js';
import { SR_CYRL } from './locales/sr-Cyrl.js';
import { SR_LATN } from './locales/sr-Latn.js';

export type { LetterMessageId };

export const LETTER_CATALOGUES: Readonly<Record<Locale, Readonly<Record<LetterMessageId, string>>>> = {
  en: EN, 'sr-Latn': SR_LATN, 'sr-Cyrl': SR_CYRL, bs: BS, cnr: CNR, hr: HR, sq: SQ, mk: MK,
};

let compiled: Map<Locale, CompiledCatalogue<LetterMessageId>> | undefined;

/** A locale's letter messages, compiled once for all locales. */
export function letterCatalogue(locale: Locale): CompiledCatalogue<LetterMessageId> {
  compiled ??= new Map(LOCALES.map((l) => [l, new CompiledCatalogue<LetterMessageId>(l, LETTER_CATALOGUES[l])]));
  return compiled.get(locale)!;
}
