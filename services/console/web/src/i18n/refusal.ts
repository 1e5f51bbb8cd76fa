/**
 * A refusal in the user's language. The domain's rule code (`code` of a 409 or 403) has its words
 * in every catalogue (`refusal.<code>`); a code whose refusals name the rule they apply
 * (`details.rule`: the four-eyes family) has a sentence per rule (`refusal.<code>.<rule>`), the
 * code's own sentence standing for a rule a catalogue does not know yet. A placeholder is a fact of the problem's `details`,
 * amounts and dates through Intl. An unknown code, or facts the API left out, fall back to the
 * API's own sentence: never a sentence with a hole in it.
 */
import { useIntl, type IntlShape } from 'react-intl';
import { ApiError, type Problem } from '../api.ts';
import { formatLocalDate, formatMoney } from '../format.ts';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const PLACEHOLDER = /\{\s*([A-Za-z_]\w*)/g;

interface Amount { amountMinor: number; currency: string }
const isAmount = (v: unknown): v is Amount =>
  typeof v === 'object' && v !== null && typeof (v as Amount).amountMinor === 'number' && typeof (v as Amount).currency === 'string';

/** The facts a sentence may name: amounts and local dates formatted, numbers (years, request numbers) as written. */
function factsOf(locale: string, details: Readonly<Record<string, unknown>>): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const [name, value] of Object.entries(details)) {
    if (isAmount(value)) facts[name] = formatMoney(locale, value.amountMinor, value.currency);
    else if (typeof value === 'string') facts[name] = LOCAL_DATE.test(value) ? formatLocalDate(locale, value) : value;
    else if (typeof value === 'number') facts[name] = String(value);
  }
  return facts;
}

/** The refusal's sentence in the current language, or the API's own when the code has no words here. */
export function refusalSentence(intl: IntlShape, problem: Problem): string {
  const ownWords = problem.detail ?? problem.title ?? `HTTP ${problem.status}`;
  if (!problem.code) return ownWords;
  const rule = problem.details?.['rule'];
  const byRule = typeof rule === 'string' ? `refusal.${problem.code}.${rule}` : undefined;
  const id = byRule && typeof intl.messages[byRule] === 'string' ? byRule : `refusal.${problem.code}`;
  const message = intl.messages[id];
  if (typeof message !== 'string') return ownWords;
  const facts = factsOf(intl.locale, problem.details ?? {});
  const named = [...message.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  if (!named.every((name) => Object.hasOwn(facts, name))) return ownWords;
  return intl.formatMessage({ id }, facts);
}

/** `sentence(error)`: what a failed call says to the user (a refusal in their language, else the error's message). */
export function useRefusalSentence(): (error: unknown) => string {
  const intl = useIntl();
  return (error) => (error instanceof ApiError ? refusalSentence(intl, error.problem) : error instanceof Error ? error.message : String(error));
}
