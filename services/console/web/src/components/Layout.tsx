/** The frame of every page: skip link, header (navigation, language, who is signed in), main. */
import type { ReactNode } from 'react';
import type { Principal } from '../api.ts';
import { LOCALE_LABELS, LOCALES, type Locale } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { Link } from './Link.tsx';
import { fundsReadable, paymentJurisdictions, mayErase, mayListPayments, mayListPersonalDataReads, mayMonitor, mayReadInbox, maySeeClaims } from './may.ts';
import { isFundStaff } from '../../../src/routes.ts';
import { useRoles } from './roles.ts';
import { useUnreadCount } from './unread.ts';

export function Layout(props: { locale: Locale; onLocale: (l: Locale) => void; principal: Principal | undefined; onSignOut: () => void; children: ReactNode }) {
  const t = useT();
  const roles = useRoles();
  const p = props.principal;
  const unread = useUnreadCount(p !== undefined && mayReadInbox(p));
  return (
    <>
      <a className="skip-link" href="#main">{t('app.skipToContent')}</a>
      <header className="app-header">
        <span className="app-title">{t('app.title')}</span>
        {p && (
          <nav aria-label={t('app.title')}>
            {isFundStaff(p) && <Link to="/work">{t('app.nav.work')}</Link>}
            {maySeeClaims(p) && <Link to="/claims">{t(p.roles.includes('lawyer') ? 'app.nav.myClaims' : 'app.nav.claims')}</Link>}
            {p.roles.includes('lawyer') && <Link to="/claims/new">{t('app.nav.fileClaim')}</Link>}
            {fundsReadable(p).length > 0 && <Link to="/funds">{t('app.nav.funds')}</Link>}
            {paymentJurisdictions(p).length > 0 && <Link to="/payments">{t('app.nav.payments')}</Link>}
            {mayListPayments(p) && <Link to="/payment-runs">{t('app.nav.runs')}</Link>}
            {mayListPayments(p) && <Link to="/bank-statements">{t('app.nav.statements')}</Link>}
            {mayListPersonalDataReads(p) && <Link to="/personal-data-reads">{t('app.nav.reads')}</Link>}
            {mayErase(p) && <Link to="/erasure">{t('app.nav.erasure')}</Link>}
            {mayMonitor(p) && <Link to="/monitoring">{t('monitoring.nav')}</Link>}
            {mayReadInbox(p) && <Link to="/inbox">{t('app.nav.inbox', { unread: unread ?? 0 })}</Link>}
          </nav>
        )}
        <div className="app-tools">
          <label>
            {t('app.language')}{' '}
            <select value={props.locale} onChange={(e) => props.onLocale(e.target.value as Locale)}>
              {LOCALES.map((code) => <option key={code} value={code} lang={code}>{LOCALE_LABELS[code]}</option>)}
            </select>
          </label>
          {p && (
            <>
              <span className="who">{t('app.signedInAs', { name: p.name, roles: roles(p.roles) })}</span>
              <button type="button" onClick={props.onSignOut}>{t('app.signOut')}</button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>{props.children}</main>
    </>
  );
}
