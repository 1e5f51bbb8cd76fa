/**
 * Serbian (Cyrillic script) messages: the Serbian Latin catalogue transliterated when loaded
 * (catalogueToCyrillic of @cfund/i18n: the text only, never a placeholder or plural keyword; codes
 * such as IBAN stay Latin). Not a file to maintain: correct sr-Latn.ts, and Cyrillic follows.
 * Native-speaker review: see sr-Latn.ts.
 */
import { catalogueToCyrillic } from '@cfund/i18n';
import type { MessageKey } from './en.ts';
import { srLatn } from './sr-Latn.ts';

export const messages: Record<MessageKey, string> = catalogueToCyrillic(srLatn);
