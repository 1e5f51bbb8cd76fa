/**
 * The claims the signed-in user may see (a lawyer: those they filed), newest first, a page at a
 * time from the projection's GET /claims (limit/offset): the list is never downloaded whole.
 */
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { api, type Principal } from '../api.ts';
import { Link } from '../components/Link.tsx';
import { useTitle } from '../components/use-title.ts';
import { formatInstant, formatMoney, schemeTimeZone } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { navigate } from '../router.ts';

export const PAGE_SIZE = 20;

interface ClaimSummary {
  claimId: string; publicReference: string | null; jurisdiction: string; status: string; filedAt: string | null;
  currency: string | null; claimedMinor: number;
}
interface ClaimList { items: ClaimSummary[]; total: number; limit: number; offset: number }

export function ClaimsPage(props: { offset: number; principal: Principal }) {
  const t = useT();
  const { locale } = useIntl();
  // A lawyer sees the claims they filed; fund staff and auditors, the claims of their reach.
  const own = props.principal.roles.includes('lawyer');
  const title = t(own ? 'claims.title' : 'claims.titleAll');
  useTitle(title);
  const [list, setList] = useState<ClaimList | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    setList(undefined);
    api<ClaimList>(`/api/queries/claims?limit=${PAGE_SIZE}&offset=${props.offset}`)
      .then(({ body }) => setList(body), (e: unknown) => setError((e as Error).message));
  }, [props.offset]);

  const go = (offset: number) => navigate(offset > 0 ? `/claims?offset=${offset}` : '/claims');

  return (
    <section aria-labelledby="claims-title">
      <h1 id="claims-title">{title}</h1>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!list && !error && <p>{t('app.loading')}</p>}
      {list && list.total === 0 && <p>{t(own ? 'claims.empty' : 'claims.emptyAll')}</p>}
      {list && list.items.length > 0 && (
        <>
          <p aria-live="polite">
            {t('claims.count', { total: list.total })}
            {list.total > list.items.length && <> · {t('claims.range', { from: list.offset + 1, to: list.offset + list.items.length, total: list.total })}</>}
          </p>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('claims.column.reference')}</th>
                  <th scope="col">{t('claims.column.status')}</th>
                  <th scope="col">{t('claims.column.filed')}</th>
                  <th scope="col" className="amount">{t('claims.column.claimed')}</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((c) => {
                  const reference = c.publicReference ?? c.claimId;
                  return (
                    <tr key={c.claimId}>
                      <td><Link to={`/claims/${c.claimId}`} aria-label={t('claims.open', { reference })}>{reference}</Link></td>
                      <td>{t(`status.${c.status}` as MessageKey)}</td>
                      <td>{c.filedAt ? formatInstant(locale, c.filedAt, schemeTimeZone(c.jurisdiction)) : ''}</td>
                      <td className="amount">{c.currency ? formatMoney(locale, c.claimedMinor, c.currency) : ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label={title}>
            <button type="button" disabled={list.offset === 0} onClick={() => go(Math.max(0, list.offset - PAGE_SIZE))}>{t('claims.previous')}</button>
            <button type="button" disabled={list.offset + list.items.length >= list.total} onClick={() => go(list.offset + PAGE_SIZE)}>{t('claims.next')}</button>
          </nav>
        </>
      )}
    </section>
  );
}
