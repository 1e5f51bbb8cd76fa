/**
 * Renders a notification in a locale: English built in, other locales dropped in as JSON files
 * (`<dir>/<locale>.json`, the shape of `LocaleMessages`, e.g. `sr-Latn.json`); a missing topic or
 * code falls back to English. Dates are local dates and instants are shown in the scheme's
 * time zone, formatted by luxon in the locale.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { formatMoney } from '@cfund/domain';
import { TOPICS, type ParamValue, type Params, type Topic } from '../routing/topics.js';
import { EN } from './en.js';
import type { LocaleMessages, RenderedNotification, TopicTemplate } from './types.js';

const TopicTemplateSchema = z.object({ subject: z.string().min(1), text: z.string().min(1), html: z.string().min(1).optional() }).strict();
const LocaleFileSchema = z.object({
  locale: z.string().min(2).max(35),
  footer: z.string().optional(),
  codes: z.record(z.string(), z.string()).optional(),
  topics: z.partialRecord(z.enum(TOPICS), TopicTemplateSchema),
}).strict();

export class Templates {
  private readonly locales = new Map<string, LocaleMessages>([['en', EN]]);

  constructor(extra: LocaleMessages[] = []) {
    for (const l of extra) this.locales.set(l.locale, l);
  }

  /** Loads every `*.json` of `dir` as a locale; a file that does not validate throws, naming it. */
  static fromDirectory(dir: string | undefined): Templates {
    if (!dir) return new Templates();
    const extra: LocaleMessages[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const parsed = LocaleFileSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) throw new Error(`locale file ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      extra.push(parsed.data as LocaleMessages);
    }
    return new Templates(extra);
  }

  has(locale: string): boolean {
    return this.locales.has(locale);
  }

  render(topic: Topic, params: Params, options: { locale?: string; timeZone: string }): RenderedNotification {
    const messages = this.locales.get(options.locale ?? 'en') ?? EN;
    const template: TopicTemplate = messages.topics[topic] ?? EN.topics[topic]!;
    const value = (name: string): string => {
      const v = params[name];
      return v === undefined ? `{${name}}` : formatParam(v, messages, options.timeZone);
    };
    const fill = (s: string, escape: (x: string) => string) => s.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => escape(value(name)));
    const footer = messages.footer ?? EN.footer ?? '';
    const subject = fill(template.subject, (x) => x);
    const text = `${fill(template.text, (x) => x)}\n\n${fill(footer, (x) => x)}\n`;
    const body = template.html ? fill(template.html, escapeHtml) : `<p>${fill(template.text, escapeHtml)}</p>`;
    const html = `<!doctype html><html lang="${escapeHtml(messages.locale)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`
      + `<body>${body}<hr><p><small>${fill(footer, escapeHtml)}</small></p></body></html>`;
    return { subject, text, html };
  }
}

function formatParam(v: ParamValue, messages: LocaleMessages, zone: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if ('date' in v) return DateTime.fromISO(v.date, { zone }).setLocale(messages.locale).toLocaleString(DateTime.DATE_HUGE);
  if ('instant' in v) {
    return DateTime.fromISO(v.instant, { zone: 'utc' }).setZone(zone).setLocale(messages.locale)
      .toLocaleString({ ...DateTime.DATETIME_FULL, timeZoneName: 'short' });
  }
  if ('money' in v) return formatMoney(v.money);
  return messages.codes?.[v.code] ?? EN.codes?.[v.code] ?? v.code;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
