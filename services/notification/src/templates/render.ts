/**
 * Renders a notification in a locale through the ICU MessageFormat catalogues (@cfund/i18n):
 * `<topic>.subject`, `<topic>.text` and `footer`, with plural and select rules. Parameters are
 * formatted first: local dates and instants (in the scheme's time zone) and amounts through
 * `Intl` in the locale, a `{ code }` as the locale's `code.<value>` message. The HTML body is the
 * text, escaped (parameters and wording alike).
 *
 * Drop-in catalogues (`<dir>/<locale>.json`, a supported locale's messages by id) replace
 * built-in messages; the result is checked at start-up like the built-in ones.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  CompiledCatalogue, LOCALES, checkCatalogues, formatDateTimeZoned, formatLocalDate, formatMoney, isLocale, type Locale, type MessageValues,
} from '@cfund/i18n';
import type { Params, Topic } from '../routing/topics.js';
import { CATALOGUES, type MessageId } from './catalogues.js';
import type { RenderedNotification } from './types.js';

const DropInSchema = z.record(z.string().min(1), z.string().min(1));

export class Templates {
  private readonly compiled = new Map<Locale, CompiledCatalogue<MessageId>>();

  /** Compiles every catalogue; throws, listing each problem, if one is incomplete or does not compile. */
  constructor(catalogues: Readonly<Record<Locale, Readonly<Record<string, string>>>> = CATALOGUES) {
    const problems = checkCatalogues(catalogues);
    if (problems.length > 0) throw new Error(`message catalogues: ${problems.map((p) => `${p.locale} ${p.id}: ${p.problem} (${p.detail})`).join('; ')}`);
    for (const locale of LOCALES) this.compiled.set(locale, new CompiledCatalogue(locale, catalogues[locale] as Record<MessageId, string>));
  }

  private static builtIn: Templates | undefined;

  /** The built-in catalogues, checked and compiled once per process (half a second's work). */
  static default(): Templates {
    return (Templates.builtIn ??= new Templates());
  }

  /** The built-in catalogues with `dir`'s `<locale>.json` files over them; a bad file throws, naming it. */
  static fromDirectory(dir: string | undefined): Templates {
    if (!dir) return Templates.default();
    const merged: Record<string, Record<string, string>> = { ...CATALOGUES };
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const locale = file.slice(0, -'.json'.length);
      if (!isLocale(locale)) throw new Error(`locale file ${file}: ${locale} is not one of ${LOCALES.join(', ')}`);
      const parsed = DropInSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) throw new Error(`locale file ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      merged[locale] = { ...merged[locale], ...parsed.data };
    }
    try {
      return new Templates(merged as Record<Locale, Record<string, string>>);
    } catch (err) {
      throw new Error(`locale files in ${dir}: ${(err as Error).message}`);
    }
  }

  render(topic: Topic, params: Params, options: { locale: Locale; timeZone: string }): RenderedNotification {
    const catalogue = this.compiled.get(options.locale) ?? this.compiled.get('en')!;
    const values: MessageValues = {};
    for (const [name, v] of Object.entries(params)) {
      if (typeof v === 'string' || typeof v === 'number') values[name] = v;
      else if ('date' in v) values[name] = formatLocalDate(options.locale, v.date, 'full');
      else if ('instant' in v) values[name] = formatDateTimeZoned(options.locale, v.instant, options.timeZone, 'long');
      else if ('money' in v) values[name] = formatMoney(options.locale, v.money);
      else values[name] = catalogue.has(`code.${v.code}`) ? catalogue.format(`code.${v.code}` as MessageId, {}) : v.code;
    }
    const format = (id: MessageId) => noDoubleStop(catalogue.format(id, values), values);
    const subject = format(`${topic}.subject`);
    const body = format(`${topic}.text`);
    const footer = format('publicReference' in values ? 'footer' : 'footer.service'); // the claim's footer, or the service's (a webhook's)
    const html = `<!doctype html><html lang="${escapeHtml(options.locale)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`
      + `<body><p>${escapeHtml(body)}</p><hr><p><small>${escapeHtml(footer)}</small></p></body></html>`;
    return { subject, text: `${body}\n\n${footer}\n`, html };
  }
}

/** A value that ends a sentence with its own full stop (`6. april 2026.`) takes no second one. */
function noDoubleStop(s: string, values: MessageValues): string {
  let out = s;
  for (const v of Object.values(values)) if (typeof v === 'string' && v.endsWith('.')) out = out.split(`${v}.`).join(v);
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
