/** What every form of the console shares: schema issues in the user's words, the focus on the first error. */
import { fieldId } from './components/Field.tsx';
import type { MessageKey } from './i18n/locales.ts';
import type { Translate } from './i18n/use-t.ts';

export interface Issue { path: PropertyKey[]; code: string; message: string; origin?: string; input?: unknown }

/**
 * A schema issue in the user's language (the schema's own English words as a last resort).
 * `emptyList`: what to say of a list that needs at least one item.
 */
export function issueMessage(t: Translate, issue: Issue, emptyList: MessageKey = 'error.atLeastOneHead'): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return t('error.required');
  if (issue.code === 'too_small') {
    if (issue.origin === 'string') return t('error.required');
    if (issue.origin === 'number') return t('error.positive');
    if (issue.origin === 'array') return t(emptyList);
  }
  if (issue.code === 'too_big') return t('error.tooLarge');
  if (issue.code === 'invalid_format') return t('error.format');
  return issue.message;
}

/** The path of a 400's field error ("body.amounts.0.amount") as the schema's path. */
export const problemPath = (path: string): PropertyKey[] => path.replace(/^body\.?/, '').split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/** Keyboard and screen-reader users land on the first field to correct, once it is drawn. */
export function focusFirstError(errors: Record<string, string>, groups: string[] = []): void {
  requestAnimationFrame(() => {
    const group = groups.find((g) => errors[g]);
    const first = document.querySelector<HTMLElement>('[aria-invalid="true"]') ?? (group ? document.getElementById(fieldId(group)) : null);
    first?.focus();
  });
}
