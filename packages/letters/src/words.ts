/**
 * Amounts in words, as a decision states them beside the figures. English and the South Slavic
 * Latin languages (Serbian ekavian; Bosnian and Montenegrin ijekavian; Croatian) are written out
 * here; Serbian Cyrillic is the Serbian Latin words transliterated. Albanian and Macedonian have
 * no words yet (`undefined`): their letters give the figures only (README).
 */
import type { Money } from '@cfund/contracts';
import { MINOR_UNIT_DIGITS } from '@cfund/domain';
import { latinToCyrillic, type Locale } from '@cfund/i18n';

const EN_ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const EN_SCALES = ['', 'thousand', 'million', 'billion'];

function englishBelowThousand(n: number): string {
  const parts: string[] = [];
  if (n >= 100) parts.push(`${EN_ONES[Math.floor(n / 100)]} hundred`);
  const rest = n % 100;
  if (rest > 0) {
    const text = rest < 20 ? EN_ONES[rest]! : EN_TENS[Math.floor(rest / 10)]! + (rest % 10 ? `-${EN_ONES[rest % 10]}` : '');
    parts.push(parts.length > 0 ? `and ${text}` : text);
  }
  return parts.join(' ');
}

/** A whole number in English words (British usage: "one hundred and five"). */
export function englishWords(n: number): string {
  checkWhole(n);
  if (n === 0) return 'zero';
  const groups = thousandGroups(n);
  return groups.map((g, i) => (g === 0 ? '' : `${englishBelowThousand(g)}${EN_SCALES[groups.length - 1 - i] ? ` ${EN_SCALES[groups.length - 1 - i]}` : ''}`))
    .filter(Boolean).join(' ');
}

/** How one South Slavic standard names numbers. */
interface SlavicWords {
  plural: Intl.PluralRules;
  /** 1 and 2 in the feminine (before "hiljada", "marka", "para"). */
  one: string; two: string;
  hundreds: readonly string[];
  /** Thousands are feminine; `single` is 1000 alone ("hiljadu"). */
  thousand: { single: string; one: string; few: string; other: string };
  million: { one: string; few: string; other: string };
  billion: { one: string; few: string; other: string };
}

const SLAVIC_ONES = ['nula', 'jedan', 'dva', 'tri', 'četiri', 'pet', 'šest', 'sedam', 'osam', 'devet', 'deset', 'jedanaest',
  'dvanaest', 'trinaest', 'četrnaest', 'petnaest', 'šesnaest', 'sedamnaest', 'osamnaest', 'devetnaest'];
const SLAVIC_TENS = ['', '', 'dvadeset', 'trideset', 'četrdeset', 'pedeset', 'šezdeset', 'sedamdeset', 'osamdeset', 'devedeset'];
const BILLION = { one: 'milijarda', few: 'milijarde', other: 'milijardi' };

const SERBIAN: SlavicWords = {
  plural: new Intl.PluralRules('sr-Latn'), one: 'jedna', two: 'dve',
  hundreds: ['', 'sto', 'dvesta', 'trista', 'četiristo', 'petsto', 'šeststo', 'sedamsto', 'osamsto', 'devetsto'],
  thousand: { single: 'hiljadu', one: 'hiljada', few: 'hiljade', other: 'hiljada' },
  million: { one: 'milion', few: 'miliona', other: 'miliona' }, billion: BILLION,
};
const IJEKAVIAN: SlavicWords = {
  ...SERBIAN, plural: new Intl.PluralRules('bs'), two: 'dvije',
  hundreds: ['', 'sto', 'dvjesta', 'trista', 'četiristo', 'petsto', 'šeststo', 'sedamsto', 'osamsto', 'devetsto'],
};
const CROATIAN: SlavicWords = {
  ...IJEKAVIAN, plural: new Intl.PluralRules('hr'),
  hundreds: ['', 'sto', 'dvjesto', 'tristo', 'četiristo', 'petsto', 'šesto', 'sedamsto', 'osamsto', 'devetsto'],
  thousand: { single: 'tisuću', one: 'tisuća', few: 'tisuće', other: 'tisuća' },
  million: { one: 'milijun', few: 'milijuna', other: 'milijuna' },
};

function slavicBelowThousand(n: number, w: SlavicWords, feminine: boolean): string[] {
  const parts: string[] = [];
  if (n >= 100) parts.push(w.hundreds[Math.floor(n / 100)]!);
  const rest = n % 100;
  const unit = rest < 20 ? rest : rest % 10;
  if (rest >= 20) parts.push(SLAVIC_TENS[Math.floor(rest / 10)]!);
  if (unit > 0 || (n === 0)) {
    parts.push(feminine && unit === 1 ? w.one : feminine && unit === 2 ? w.two : SLAVIC_ONES[unit]!);
  }
  return parts;
}

const category = (w: SlavicWords, n: number): 'one' | 'few' | 'other' => {
  const c = w.plural.select(n);
  return c === 'one' || c === 'few' ? c : 'other';
};

/** A whole number in words of a South Slavic standard; `feminine` agrees 1 and 2 with a feminine noun. */
function slavicWords(n: number, w: SlavicWords, feminine = false): string {
  checkWhole(n);
  if (n === 0) return 'nula';
  const groups = thousandGroups(n);
  const parts: string[] = [];
  groups.forEach((g, i) => {
    const scale = groups.length - 1 - i;
    if (g === 0) return;
    if (scale === 0) parts.push(...slavicBelowThousand(g, w, feminine));
    else if (scale === 1) {
      if (g === 1) parts.push(w.thousand.single);
      else parts.push(...slavicBelowThousand(g, w, true), w.thousand[category(w, g)]);
    } else {
      const names = scale === 2 ? w.million : w.billion;
      parts.push(...slavicBelowThousand(g, w, scale === 3), names[category(w, g)]);
    }
  });
  return parts.join(' ');
}

function thousandGroups(n: number): number[] {
  const groups: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 1000)) groups.unshift(rest % 1000);
  return groups;
}

function checkWhole(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1e12) throw new RangeError(`${n} is not a whole number below a trillion`);
}

/** Nouns of these currencies (and their minor units) that are feminine in the South Slavic languages. */
const FEMININE_MAJOR = new Set(['BAM']);
const FEMININE_MINOR = new Set(['RSD', 'ALL']);

const SLAVIC: Partial<Record<Locale, SlavicWords>> = { 'sr-Latn': SERBIAN, 'sr-Cyrl': SERBIAN, bs: IJEKAVIAN, cnr: IJEKAVIAN, hr: CROATIAN };

/** A whole number in the words of `locale` (South Slavic Latin locales and Serbian Cyrillic), undefined for the others. */
export function slavicWordsFor(locale: Locale): ((n: number, feminine?: boolean) => string) | undefined {
  const w = SLAVIC[locale];
  if (!w) return undefined;
  return locale === 'sr-Cyrl' ? (n, f = false) => latinToCyrillic(slavicWords(n, w, f)) : (n, f = false) => slavicWords(n, w, f);
}

/** The values of the message `amount.words` for `money` in `locale`, or undefined where numbers have no words yet (sq, mk). */
export function amountWordValues(locale: Locale, money: Money): Record<string, string | number> | undefined {
  const digits = MINOR_UNIT_DIGITS[money.currency] ?? 2;
  const major = Math.floor(money.amountMinor / 10 ** digits);
  const minor = money.amountMinor % 10 ** digits;
  let say: (n: number, feminine: boolean) => string;
  if (locale === 'en') say = (n) => englishWords(n);
  else {
    const slavic = slavicWordsFor(locale);
    if (!slavic) return undefined;
    say = slavic;
  }
  return {
    major: say(major, FEMININE_MAJOR.has(money.currency)), majorCount: major, currency: money.currency,
    hasMinor: minor > 0 ? 'yes' : 'no', minor: say(minor, FEMININE_MINOR.has(money.currency)), minorCount: minor,
  };
}
