/**
 * Serbian Latin to Cyrillic: the two scripts map letter for letter, the digraphs lj, nj and dž
 * included (љ, њ, џ). The one home of the rule: the letters' amounts in words use it, and the
 * console's Serbian Cyrillic catalogue is derived with it from the Latin one, so Cyrillic never
 * drifts from Latin.
 */
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { printAST } from '@formatjs/icu-messageformat-parser/printer.js';

const PAIRS: [string, string][] = [
  ['Dž', 'Џ'], ['DŽ', 'Џ'], ['dž', 'џ'], ['Lj', 'Љ'], ['LJ', 'Љ'], ['lj', 'љ'], ['Nj', 'Њ'], ['NJ', 'Њ'], ['nj', 'њ'],
  ['A', 'А'], ['B', 'Б'], ['V', 'В'], ['G', 'Г'], ['D', 'Д'], ['Đ', 'Ђ'], ['E', 'Е'], ['Ž', 'Ж'], ['Z', 'З'], ['I', 'И'],
  ['J', 'Ј'], ['K', 'К'], ['L', 'Л'], ['M', 'М'], ['N', 'Н'], ['O', 'О'], ['P', 'П'], ['R', 'Р'], ['S', 'С'], ['T', 'Т'],
  ['Ć', 'Ћ'], ['U', 'У'], ['F', 'Ф'], ['H', 'Х'], ['C', 'Ц'], ['Č', 'Ч'], ['Š', 'Ш'],
  ['a', 'а'], ['b', 'б'], ['v', 'в'], ['g', 'г'], ['d', 'д'], ['đ', 'ђ'], ['e', 'е'], ['ž', 'ж'], ['z', 'з'], ['i', 'и'],
  ['j', 'ј'], ['k', 'к'], ['l', 'л'], ['m', 'м'], ['n', 'н'], ['o', 'о'], ['p', 'п'], ['r', 'р'], ['s', 'с'], ['t', 'т'],
  ['ć', 'ћ'], ['u', 'у'], ['f', 'ф'], ['h', 'х'], ['c', 'ц'], ['č', 'ч'], ['š', 'ш'],
];
const PATTERN = new RegExp(PAIRS.map(([l]) => l).join('|'), 'g');
const MAP = new Map(PAIRS);

/** Every Latin letter of `text` in Cyrillic. */
export function latinToCyrillic(text: string): string {
  return text.replace(PATTERN, (m) => MAP.get(m) ?? m);
}

// A word with a digit or two capitals running (IBAN, SHA-256, camt.053, an id) is a code, and
// Serbian Cyrillic text keeps codes in Latin.
const WORD = /[\p{L}\p{N}]+(?:[.-][\p{L}\p{N}]+)*/gu;
const CODE = /\p{N}|\p{Lu}\p{Lu}/u;

/** Running text in Cyrillic, its codes left in Latin. */
export function textToCyrillic(text: string): string {
  return text.replace(WORD, (word) => (CODE.test(word) ? word : latinToCyrillic(word)));
}

function literalsToCyrillic(elements: MessageFormatElement[]): MessageFormatElement[] {
  return elements.map((e): MessageFormatElement => {
    switch (e.type) {
      case TYPE.literal: return { ...e, value: textToCyrillic(e.value) };
      case TYPE.select: case TYPE.plural:
        return { ...e, options: Object.fromEntries(Object.entries(e.options).map(([k, o]) => [k, { ...o, value: literalsToCyrillic(o.value) }])) };
      case TYPE.tag: return { ...e, children: literalsToCyrillic(e.children) };
      case TYPE.argument: case TYPE.number: case TYPE.date: case TYPE.time: case TYPE.pound:
        return e;
    }
  });
}

/**
 * An ICU MessageFormat message in Cyrillic: only its text is transliterated; placeholders,
 * plural and select keywords and cases, and tags are kept as they are.
 */
export function messageToCyrillic(message: string): string {
  return printAST(literalsToCyrillic(parse(message, { ignoreTag: true })));
}

/** A whole Serbian Latin catalogue in Cyrillic (see `messageToCyrillic`). */
export function catalogueToCyrillic<K extends string>(catalogue: Readonly<Record<K, string>>): Record<K, string> {
  return Object.fromEntries(Object.entries<string>(catalogue).map(([id, m]) => [id, messageToCyrillic(m)])) as Record<K, string>;
}
