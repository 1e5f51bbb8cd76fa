/** `t(key, values)`: a message of the current locale, with keys checked by the compiler. */
import { useIntl } from 'react-intl';
import type { MessageKey } from './locales.ts';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export function useT(): Translate {
  const intl = useIntl();
  return (key, values) => intl.formatMessage({ id: key }, values);
}
