/**
 * The notification service's catalogues: one file per locale of @cfund/i18n in `locales/`, each
 * with every message of `en.ts` (the checker in @cfund/i18n proves it; the compiler too).
 */
import type { Locale } from '@cfund/i18n';
import { BS } from './locales/bs.js';
import { CNR } from './locales/cnr.js';
import { EN, type MessageId } from './locales/en.js';
import { HR } from './locales/hr.js';
import { MK } from './locales/mk.js';
import { SQ } from './locales/sq.js';
import { SR_CYRL } from './locales/sr-Cyrl.js';
import { SR_LATN } from './locales/sr-Latn.js';

export type { MessageId };

export const CATALOGUES: Readonly<Record<Locale, Readonly<Record<MessageId, string>>>> = {
  en: EN, 'sr-Latn': SR_LATN, 'sr-Cyrl': SR_CYRL, bs: BS, cnr: CNR, hr: HR, sq: SQ, mk: MK,
};
