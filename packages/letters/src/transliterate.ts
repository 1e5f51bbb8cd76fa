/**
 * Serbian Latin to Cyrillic: the two scripts map letter for letter, the digraphs lj, nj and dž
 * included (љ, њ, џ). Used for amounts in words; the sr-Cyrl catalogue was produced with it once
 * and is kept as a file (a reviewer corrects a file, not a rule).
 */
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

export function latinToCyrillic(text: string): string {
  return text.replace(PATTERN, (m) => MAP.get(m) ?? m);
}
