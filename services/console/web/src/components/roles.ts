/** Roles and jurisdictions in words of the current language. */
import type { Principal } from '../api.ts';
import { mayListPersonalDataReads, mayOnlyMonitor, maySeeClaims } from './may.ts';
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

/**
 * Fund staff work from their queue; others start from the claims they may see; the
 * data-protection officer (who reads no claim) from the reads of personal data; a monitor
 * from the published tables; anyone else from their inbox.
 */
export const isFundStaff = (p: Principal): boolean => p.roles.some((r) => r.startsWith('fund-'));
export function landingPage(p: Principal): string {
  if (mayOnlyMonitor(p)) return '/monitoring';
  if (isFundStaff(p)) return '/work';
  if (maySeeClaims(p)) return '/claims';
  return mayListPersonalDataReads(p) ? '/personal-data-reads' : '/inbox';
}
