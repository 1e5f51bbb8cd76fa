/**
 * The fund's languages: the one list of supported locales, and how a person's wishes are matched
 * to one of them.
 */

import { LOCALES, type Locale } from '@cfund/contracts/primitives';

export { LOCALES, type Locale };

export const DEFAULT_LOCALE: Locale = 'en';

/** Each locale's name in itself, for a language picker. */
export const LOCALE_LABELS: Readonly<Record<Locale, string>> = {
  en: 'English',
  'sr-Latn': 'Srpski (latinica)',
  'sr-Cyrl': 'Српски (ћирилица)',
  bs: 'Bosanski',
  cnr: 'Crnogorski',
  hr: 'Hrvatski',
  sq: 'Shqip',
  mk: 'Македонски',
};

/**
 * The tag handed to `Intl` for dates, numbers and plural rules. Node 20's ICU has no data of its
 * own for Montenegrin (`cnr`): it silently aliases it to `sr-ME`. We say so explicitly and format
 * Montenegrin as Serbian (Latin) of Montenegro, `sr-Latn-ME`: the same plural rules (one / few /
 * other) and Latin month names, though ekavian ("ponedeljak") where Montenegrin is ijekavian.
 */
export const INTL_LOCALE: Readonly<Record<Locale, string>> = {
  en: 'en', 'sr-Latn': 'sr-Latn', 'sr-Cyrl': 'sr-Cyrl', bs: 'bs', cnr: 'sr-Latn-ME', hr: 'hr', sq: 'sq', mk: 'mk',
};

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/**
 * The supported locales that can stand for a requested tag, best first: the tag itself, then the
 * same language in the other script or a neighbouring standard (Serbian without a script is
 * Latin first; `sr-ME` and Montenegrin read Serbian Latin). Unknown or malformed tags give none.
 */
export function candidatesFor(tag: string): Locale[] {
  let locale: Intl.Locale;
  try {
    locale = new Intl.Locale(tag);
  } catch {
    return [];
  }
  const language = locale.language;
  const script = locale.script;
  switch (language) {
    case 'sr':
      if (locale.region === 'ME' && !script) return ['cnr', 'sr-Latn', 'sr-Cyrl'];
      return script === 'Cyrl' ? ['sr-Cyrl', 'sr-Latn'] : ['sr-Latn', 'sr-Cyrl'];
    case 'sh': return ['sr-Latn'];
    case 'cnr': return ['cnr', 'sr-Latn'];
    case 'bs': return ['bs'];
    case 'hr': return ['hr'];
    case 'en': return ['en'];
    case 'sq': return ['sq'];
    case 'mk': return ['mk'];
    default: return [];
  }
}

/**
 * The locale a person gets: the first of `preferences` (their own choice first, then e.g. the
 * scheme's language, then a service default) that one of `supported` can stand for, else
 * English. `null`, `undefined` and tags we cannot use are skipped.
 */
export function negotiateLocale<L extends Locale = Locale>(
  preferences: readonly (string | null | undefined)[],
  supported: readonly L[] = LOCALES as unknown as readonly L[],
): L | 'en' {
  for (const p of preferences) {
    if (!p) continue;
    const hit = candidatesFor(p).find((c) => (supported as readonly string[]).includes(c));
    if (hit) return hit as L;
  }
  return 'en';
}
