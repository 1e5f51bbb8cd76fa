export {
  LOCALES, DEFAULT_LOCALE, LOCALE_LABELS, INTL_LOCALE, isLocale, candidatesFor, negotiateLocale, type Locale,
} from './locales.js';
export { intlLocale, formatMoney, formatLocalDate, formatInstantDate, formatDateTime, formatDateTimeZoned, type DateStyle } from './format.js';
export { CompiledCatalogue, checkCatalogues, type Catalogue, type CatalogueProblem, type MessageValues } from './messages.js';
export { latinToCyrillic, textToCyrillic, messageToCyrillic, catalogueToCyrillic } from './transliterate.js';
