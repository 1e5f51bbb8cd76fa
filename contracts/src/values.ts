/**
 * The contracts' values that need no zod: the lists and bounds the schemas are built from, and
 * the URI of a problem's type. The schemas' modules re-export them, so they are imported from
 * `@cfund/contracts` as before; kept apart so that code using only these (the console's first
 * page, in the browser) does not load zod.
 */

/** ISO 4217 codes of the schemes' currencies. */
export const CURRENCIES = ['RSD', 'BAM', 'EUR', 'ALL', 'MKD'] as const;

/**
 * Every locale the fund writes in; English first (the reference and the last fallback). Here,
 * not in @cfund/i18n (which re-exports it), because a victim's preferred language is validated
 * by the contracts: this is the one list.
 */
export const LOCALES = ['en', 'sr-Latn', 'sr-Cyrl', 'bs', 'cnr', 'hr', 'sq', 'mk'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * Bounds of amounts (minor units). A command carries at most MAX_AMOUNT_MINOR per amount (10^12:
 * RSD 10 billion, EUR 10 billion) and lists of at most MAX_LIST_ITEMS; any sum the system keeps
 * (a claim's totals, a fund year's budget) stays at most MAX_SUM_MINOR (10^15). Even 9,000
 * amounts at the maximum stay below 2^53, the largest integer a JSON number holds exactly.
 */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;
export const MAX_SUM_MINOR = 1_000_000_000_000_000;
export const MAX_LIST_ITEMS = 50;

/** The jurisdictions with a scheme (XK: Kosovo). */
export const JURISDICTIONS = ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'] as const;

/**
 * `operator` runs the system as a whole (read-model rebuilds): no claim, no jurisdiction.
 * `monitor` (NGOs, national rapporteurs, a regional network) reads published aggregates only.
 */
export const ROLES = [
  'lawyer', 'fund-assessor', 'fund-approver', 'fund-finance', 'fund-admin', 'auditor', 'dpo', 'operator', 'monitor',
] as const;

/** Heads of damage a claim or an award is broken into. */
export const DAMAGE_HEADS = [
  'non-pecuniary', 'lost-earnings', 'medical-costs', 'loss-of-maintenance', 'funeral-costs', 'other-pecuniary',
] as const;

/**
 * Dates and instants in a command lie in years 1900 to 2199: a year 0 or 9999 is a typing error.
 * Rules that need today (a date of birth not in the future) are the domain's: it gets the time.
 */
export const EARLIEST_COMMAND_DATE = '1900-01-01';
export const LATEST_COMMAND_DATE = '2199-12-31';

export const FORMS_OF_EXPLOITATION = [
  'sexual', 'labour', 'forced-criminality', 'begging', 'domestic-servitude', 'forced-marriage', 'organ-removal', 'other',
] as const;
export const EVIDENCE_KINDS = [
  'court-decision', 'medical-report', 'psychological-report', 'police-report', 'payslip', 'receipt', 'identity-document', 'other',
] as const;
/** What an uploaded document is (`DocumentAttached`). */
export const DOCUMENT_KINDS = ['ruling', 'medical-report', 'identity', 'payslip', 'letter', 'other'] as const;
/** The types a document may have, as told by its content (magic bytes), never by its name. */
export const DOCUMENT_CONTENT_TYPES = [
  'application/pdf', 'image/jpeg', 'image/png', 'image/tiff',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.oasis.opendocument.text',
] as const;
export const RULING_OUTCOMES = ['compensation-awarded', 'referred-to-civil', 'acquitted', 'dismissed'] as const;
export const ENFORCEMENT_FAILURE_REASONS = ['no-assets', 'offender-unknown', 'offender-abroad', 'other'] as const;
export const COMPENSATION_SOURCES = ['offender', 'insurance', 'other-scheme', 'other'] as const;
export const APPEAL_OUTCOMES = ['upheld', 'increased', 'reduced', 'remitted'] as const;

/**
 * Who a claim's money is paid to: the victim, a guardian (a child's or an incapacitated
 * victim's), the client account of the victim's lawyer, or a service provider paid directly
 * (a shelter, a clinic).
 */
export const PAYEE_KINDS = ['victim', 'guardian', 'lawyer-client-account', 'service-provider'] as const;
export type PayeeKind = (typeof PAYEE_KINDS)[number];

/** The `type` URI of a problem, from its slug (the services' READMEs list the slugs). */
export const problemType = (slug: string): string => `https://cfund.example/problems/${slug}`;
