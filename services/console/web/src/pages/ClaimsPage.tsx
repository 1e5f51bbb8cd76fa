/**
 * The claims the signed-in user may see (a lawyer: those they filed), newest or oldest filings
 * first (the API's `sort`), a page at a time from the projection's GET /claims, filtered and searched by
 * the API (status, jurisdiction, text): the list is never downloaded whole.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { JURISDICTIONS } from '@cfund/contracts';
import { useIntl } from 'react-intl';
import { api, type Principal } from '../api.ts';
import { Link } from '../components/Link.tsx';
import { useTitle } from '../components/use-title.ts';
import { formatInstant, formatMoney, schemeTimeZone } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { navigate } from '../router.ts';
import { CLAIM_ORDERS, type ClaimOrder } from '../../../src/routes.ts';
import { CLAIM_STATUSES } from '../components/statuses.ts';
import { DeadlinesAhead } from './DeadlinesAhead.tsx';

export const PAGE_SIZE = 20;

interface ClaimSummary {
  claimId: string; publicReference: string | null; jurisdiction: string; status: string; filedAt: string | null;
  currency: string | null; claimedMinor: number;
}
interface ClaimList { items: ClaimSummary[]; total: number; limit: number; offset: number }

/** What the list is narrowed to. The text stays in memory (it could be a name): never in the URL. */
interface Filter { status: string; jurisdiction: string; text: string; sort: ClaimOrder }

export function ClaimsPage(props: { offset: number; status: string | undefined; sort: ClaimOrder; principal: Principal }) {
  const t = useT();
  const { locale } = useIntl();
  // A lawyer sees the claims they filed; fund staff and auditors, the claims of their reach.
  const own = props.principal.roles.includes('lawyer');
  const title = t(own ? 'claims.title' : 'claims.titleAll');
  useTitle(title);
  const [list, setList] = useState<ClaimList | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  // What is typed, and what the list shows (applied when the form is sent).
  const [typed, setTyped] = useState<Filter>({ status: props.status ?? '', jurisdiction: '', text: '', sort: props.sort });
  const [applied, setApplied] = useState<Omit<Filter, 'status' | 'sort'>>({ jurisdiction: '', text: '' });
  const status = props.status ?? '';

  useEffect(() => {
    setList(undefined);
    setError(undefined);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(props.offset), sort: props.sort });
    if (status) query.set('status', status);
    if (applied.jurisdiction) query.set('jurisdiction', applied.jurisdiction);
    if (applied.text) query.set('text', applied.text);
    api<ClaimList>(`/api/queries/claims?${query}`).then(({ body }) => setList(body), (e: unknown) => setError((e as Error).message));
  }, [props.offset, status, props.sort, applied]);

  const go = (offset: number, statusShown = status, sort = props.sort) => {
    const query = new URLSearchParams();
    if (statusShown) query.set('status', statusShown);
    if (sort !== 'newest') query.set('sort', sort);
    if (offset > 0) query.set('offset', String(offset));
    navigate(query.size > 0 ? `/claims?${query}` : '/claims');
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ jurisdiction: typed.jurisdiction, text: typed.text.trim() });
    go(0, typed.status, typed.sort);
  };
  const clear = () => {
    setTyped({ status: '', jurisdiction: '', text: '', sort: 'newest' });
    setApplied({ jurisdiction: '', text: '' });
    go(0, '', 'newest');
  };
  const filtered = Boolean(status || applied.jurisdiction || applied.text);

  return (
    <section aria-labelledby="claims-title">
      <h1 id="claims-title">{title}</h1>
      {own && <DeadlinesAhead />}
      <form className="filters" role="search" aria-label={t('claims.filters')} onSubmit={search} noValidate>
        <div className="field">
          <label htmlFor="filter-status">{t('claims.column.status')}</label>
          <select id="filter-status" value={typed.status} onChange={(e) => setTyped({ ...typed, status: e.target.value })}>
            <option value="">{t('claims.anyStatus')}</option>
            {CLAIM_STATUSES.map((s) => <option key={s} value={s}>{t(`status.${s}` as MessageKey)}</option>)}
          </select>
        </div>
        {!own && (
          <div className="field">
            <label htmlFor="filter-jurisdiction">{t('claim.jurisdiction')}</label>
            <select id="filter-jurisdiction" value={typed.jurisdiction} onChange={(e) => setTyped({ ...typed, jurisdiction: e.target.value })}>
              <option value="">{t('claims.anyJurisdiction')}</option>
              {JURISDICTIONS.map((j) => <option key={j} value={j}>{t(`jurisdiction.${j}` as MessageKey)}</option>)}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="filter-text">{t('claims.search')}</label>
          <input id="filter-text" type="search" autoComplete="off" maxLength={200} aria-describedby="filter-text-hint" value={typed.text} onChange={(e) => setTyped({ ...typed, text: e.target.value })} />
          <p id="filter-text-hint" className="hint">{t('claims.searchHint')}</p>
        </div>
        <div className="field">
          <label htmlFor="filter-sort">{t('claims.sort')}</label>
          <select id="filter-sort" value={typed.sort} onChange={(e) => setTyped({ ...typed, sort: e.target.value as ClaimOrder })}>
            {CLAIM_ORDERS.map((o) => <option key={o} value={o}>{t(`claims.sort.${o}`)}</option>)}
          </select>
        </div>
        <div className="actions">
          <button type="submit">{t('claims.apply')}</button>
          {filtered && <button type="button" className="secondary" onClick={clear}>{t('claims.clear')}</button>}
        </div>
      </form>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!list && !error && <p>{t('app.loading')}</p>}
      {list && list.total === 0 && <p>{filtered ? t('claims.noMatch') : t(own ? 'claims.empty' : 'claims.emptyAll')}</p>}
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
