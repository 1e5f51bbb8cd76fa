/** Roles and jurisdictions in words of the current language. */
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

export function useRoles(): (roles: string[]) => string {
  const t = useT();
  return (roles) => roles.map((r) => t(`role.${r}` as MessageKey)).join(', ');
}

export function useJurisdictions(): (jurisdictions: string[]) => string {
  const t = useT();
  return (js) => js.map((j) => t(`jurisdiction.${j}` as MessageKey)).join(', ');
}
