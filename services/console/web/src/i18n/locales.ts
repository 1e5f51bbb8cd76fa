/**
 * The console's languages: every locale of @cfund/i18n, every screen in each. Each catalogue is a
 * chunk of its own, downloaded only when its language is chosen: the initial JavaScript carries
 * none of them.
 */
import { intlLocale, isLocale, LOCALE_LABELS, LOCALES, negotiateLocale, type Locale } from '@cfund/i18n';
import type { MessageKey } from './en.ts';

export { isLocale, LOCALE_LABELS, LOCALES, type Locale, type MessageKey };

export type Messages = Record<MessageKey, string>;

// One dynamic import per locale (a literal path each, so that the bundler splits them).
const CATALOGUES: Readonly<Record<Locale, () => Promise<Messages>>> = {
  en: () => import('./en.ts').then((m) => m.en),
  'sr-Latn': () => import('./sr-Latn.ts').then((m) => m.srLatn),
  'sr-Cyrl': () => import('./sr-Cyrl.ts').then((m) => m.messages),
  bs: () => import('./bs.ts').then((m) => m.messages),
  cnr: () => import('./cnr.ts').then((m) => m.messages),
  hr: () => import('./hr.ts').then((m) => m.messages),
  sq: () => import('./sq.ts').then((m) => m.messages),
  mk: () => import('./mk.ts').then((m) => m.messages),
};

/** A locale's messages, fetched the first time they are asked for. */
export function loadMessages(locale: Locale): Promise<Messages> {
  return CATALOGUES[locale]();
}

/** The tag react-intl formats and chooses plural forms with (Montenegrin: `sr-Latn-ME`, see @cfund/i18n). */
export const formattingLocale = (locale: Locale): string => intlLocale(locale);

/** The browser's preferred language among ours, by @cfund/i18n's negotiation, else English. */
export function preferredLocale(languages: readonly string[]): Locale {
  return negotiateLocale(languages);
}
