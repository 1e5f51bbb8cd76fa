/** The console's languages: every screen in each. The first is the default. */
import { LOCALE_LABELS, negotiateLocale } from '@cfund/i18n';
import { en, type MessageKey } from './en.ts';
import { srLatn } from './sr-Latn.ts';

export const LOCALES = {
  en: { label: LOCALE_LABELS.en, messages: en as Record<MessageKey, string> },
  'sr-Latn': { label: LOCALE_LABELS['sr-Latn'], messages: srLatn },
} as const;

export type Locale = keyof typeof LOCALES;
export type { MessageKey };

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && Object.hasOwn(LOCALES, value);

/** The browser's preferred language among ours, by @cfund/i18n's negotiation (any `sr`, and Montenegrin, give Serbian Latin), else English. */
export function preferredLocale(languages: readonly string[]): Locale {
  return negotiateLocale(languages, Object.keys(LOCALES) as Locale[]);
}
