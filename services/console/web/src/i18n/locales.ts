/** The console's languages: every screen in each. The first is the default. */
import { en, type MessageKey } from './en.ts';
import { srLatn } from './sr-Latn.ts';

export const LOCALES = {
  en: { label: 'English', messages: en as Record<MessageKey, string> },
  'sr-Latn': { label: 'Srpski (latinica)', messages: srLatn },
} as const;

export type Locale = keyof typeof LOCALES;
export type { MessageKey };

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && Object.hasOwn(LOCALES, value);

/** The browser's preferred language among ours: Serbian for any `sr`, else English. */
export function preferredLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    if (/^sr\b/i.test(language)) return 'sr-Latn';
    if (/^en\b/i.test(language)) return 'en';
  }
  return 'en';
}
