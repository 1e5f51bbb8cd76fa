/**
 * The regional report's texts in Serbian, Cyrillic script.
 * Produced by: transliteration of sr-Latn.ts (catalogueToCyrillic of @cfund/i18n: the text only,
 * never a placeholder such as {all}, the log $all; codes such as EUR stay Latin), so it says
 * exactly what the Latin catalogue says.
 * Native-speaker review: NOT reviewed by a native speaker. Review sr-Latn.ts first.
 */
import { catalogueToCyrillic } from '@cfund/i18n';
import type { ReportMessageId } from './en.js';
import { SR_LATN } from './sr-Latn.js';

export const SR_CYRL: Record<ReportMessageId, string> = catalogueToCyrillic(SR_LATN);
