/** The yearly regional report: a publication composed in a language (compose.ts), laid out as HTML or PDF. */
import type { Publication } from '../publication.js';
import { composeReport } from './compose.js';
import { reportHtml } from './html.js';
import { reportCatalogue, type ReportLocale } from './messages.js';
import { reportPdf } from './pdf.js';

export { composeReport, type ReportContent } from './compose.js';
export { REPORT_LOCALES, type ReportLocale } from './messages.js';

/** The report of a (scoped) publication: HTML as a string, PDF as bytes. */
export async function renderReport(p: Publication, format: 'html' | 'pdf', locale: ReportLocale, scope: readonly string[] | 'all' = 'all'): Promise<string | Buffer> {
  const content = composeReport(p, locale, scope);
  return format === 'pdf' ? reportPdf(content) : reportHtml(content, reportCatalogue(locale).format('withheld'));
}
