/**
 * ICU MessageFormat catalogues: compiled with `intl-messageformat`, checked against English with
 * `@formatjs/icu-messageformat-parser`. Tags (`<b>`) are not interpreted: a message is plain
 * text, and a caller that writes HTML escapes the formatted result.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { intlLocale } from './format.js';
import type { Locale } from './locales.js';

/** A locale's messages by id, in ICU MessageFormat. */
export type Catalogue<K extends string = string> = Readonly<Record<K, string>>;

export type MessageValues = Record<string, string | number>;

/** A locale's catalogue, every message compiled once. Throws, naming the message, if one does not compile. */
export class CompiledCatalogue<K extends string = string> {
  private readonly compiled = new Map<string, IntlMessageFormat>();

  constructor(readonly locale: Locale, messages: Catalogue<K>) {
    for (const [id, source] of Object.entries(messages) as [K, string][]) {
      try {
        this.compiled.set(id, new IntlMessageFormat(source, intlLocale(locale), undefined, { ignoreTag: true }));
      } catch (err) {
        throw new Error(`${locale} message ${id} does not compile: ${(err as Error).message}`);
      }
    }
  }

  has(id: string): boolean {
    return this.compiled.has(id);
  }

  /** The message formatted with `values`; throws if it lacks a value a message needs. */
  format(id: K, values: MessageValues = {}): string {
    const m = this.compiled.get(id);
    if (!m) throw new Error(`${this.locale} has no message ${id}`);
    return String(m.format(values));
  }
}

export interface CatalogueProblem {
  locale: string;
  id: string;
  problem: 'missing' | 'unknown' | 'compile' | 'placeholders' | 'plural-forms';
  detail: string;
}

/** The argument names a message uses, and its plural arguments' missing categories for `locale`. */
function inspect(elements: MessageFormatElement[], names: Set<string>, plurals: { name: string; options: string[] }[]): void {
  for (const e of elements) {
    switch (e.type) {
      case TYPE.argument: case TYPE.number: case TYPE.date: case TYPE.time:
        names.add(e.value);
        break;
      case TYPE.select:
        names.add(e.value);
        for (const o of Object.values(e.options) as { value: MessageFormatElement[] }[]) inspect(o.value, names, plurals);
        break;
      case TYPE.plural:
        names.add(e.value);
        if (e.pluralType !== 'ordinal') plurals.push({ name: e.value, options: Object.keys(e.options) });
        for (const o of Object.values(e.options) as { value: MessageFormatElement[] }[]) inspect(o.value, names, plurals);
        break;
      case TYPE.tag:
        inspect(e.children, names, plurals);
        break;
      case TYPE.literal: case TYPE.pound:
        break;
    }
  }
}

/**
 * Every problem of `catalogues` against the reference (`en`): a message missing from a locale or
 * unknown to the reference, one that does not compile, one whose placeholders differ from the
 * reference's, and a plural that lacks a category its locale's plural rules use (e.g. `few` in
 * Serbian). An empty list means the catalogues are complete.
 */
export function checkCatalogues(catalogues: Readonly<Partial<Record<Locale, Catalogue>>>, reference: Locale = 'en'): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const ref = catalogues[reference];
  if (!ref) return [{ locale: reference, id: '*', problem: 'missing', detail: 'no reference catalogue' }];
  const namesOf = (locale: string, id: string, source: string): { names: Set<string>; plurals: { name: string; options: string[] }[] } | undefined => {
    const names = new Set<string>();
    const plurals: { name: string; options: string[] }[] = [];
    try {
      const ast = parse(source, { ignoreTag: true, requiresOtherClause: true });
      inspect(ast, names, plurals);
      new IntlMessageFormat(source, intlLocale(locale), undefined, { ignoreTag: true });
    } catch (err) {
      problems.push({ locale, id, problem: 'compile', detail: (err as Error).message });
      return undefined;
    }
    return { names, plurals };
  };
  const refNames = new Map<string, Set<string>>();
  for (const [id, source] of Object.entries(ref)) {
    const r = namesOf(reference, id, source);
    if (r) refNames.set(id, r.names);
  }
  for (const [locale, cat] of Object.entries(catalogues) as [Locale, Catalogue][]) {
    const categories = new Intl.PluralRules(intlLocale(locale)).resolvedOptions().pluralCategories;
    for (const id of Object.keys(ref)) if (!Object.hasOwn(cat, id)) problems.push({ locale, id, problem: 'missing', detail: 'no message' });
    for (const [id, source] of Object.entries(cat)) {
      if (!Object.hasOwn(ref, id)) {
        problems.push({ locale, id, problem: 'unknown', detail: `no such message in ${reference}` });
        continue;
      }
      const r = locale === reference ? { names: refNames.get(id), plurals: [] } : namesOf(locale, id, source);
      const expected = refNames.get(id);
      if (!r?.names || !expected) continue;
      const lacking = [...expected].filter((n) => !r.names!.has(n));
      const extra = [...r.names].filter((n) => !expected.has(n));
      if (lacking.length + extra.length > 0) {
        problems.push({ locale, id, problem: 'placeholders', detail: `lacks {${lacking.join('}, {')}}; has unknown {${extra.join('}, {')}}` });
      }
      for (const p of r.plurals) {
        const absent = categories.filter((c) => !p.options.includes(c) && c !== 'other');
        if (absent.length > 0) problems.push({ locale, id, problem: 'plural-forms', detail: `{${p.name}, plural} lacks ${absent.join(', ')}` });
      }
    }
  }
  return problems;
}
