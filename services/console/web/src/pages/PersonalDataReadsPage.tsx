/**
 * Who read victims' personal data, newest first (the projection's GET /personal-data-reads): for
 * auditors every claim's reads, for the data-protection officer those of their jurisdictions.
 * Filters by reader, claim and period, applied by the API; a page at a time. The data itself is
 * never part of it.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { api, type Principal } from '../api.ts';
import { Link } from '../components/Link.tsx';
import { mayErase } from '../components/may.ts';
import { useRoles } from '../components/roles.ts';
import { useTitle } from '../components/use-title.ts';
import { formatDateTimeZoned } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { navigate } from '../router.ts';

const PAGE_SIZE = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Read { claimId: string; accessedBy: string; roles: string[]; accessedAt: string; purpose: string }
interface Reads { items: Read[]; total: number; limit: number; offset: number }
interface Filter { accessedBy: string; claimId: string; from: string; to: string }
const NO_FILTER: Filter = { accessedBy: '', claimId: '', from: '', to: '' };

export function PersonalDataReadsPage(props: { offset: number; principal: Principal; timeZone: string }) {
  const t = useT();
  const roles = useRoles();
  const { locale } = useIntl();
  const title = t('reads.title');
  useTitle(title);
  const [typed, setTyped] = useState<Filter>(NO_FILTER);
  const [applied, setApplied] = useState<Filter>(NO_FILTER);
  const [invalid, setInvalid] = useState(false);
  const [reads, setReads] = useState<Reads | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  // Only an auditor may open any claim; the dpo reads no claim (they erase without reading).
  const opensClaims = props.principal.roles.includes('auditor');
  const erases = mayErase(props.principal);

  useEffect(() => {
    setReads(undefined);
    setError(undefined);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(props.offset) });
    if (applied.accessedBy) query.set('accessedBy', applied.accessedBy);
    if (applied.claimId) query.set('claimId', applied.claimId);
    // A period of local dates, from the start of the first day to the end of the last, in the user's clock.
    if (applied.from) query.set('from', new Date(`${applied.from}T00:00:00`).toISOString());
    if (applied.to) query.set('to', new Date(`${applied.to}T23:59:59.999`).toISOString());
    api<Reads>(`/api/queries/personal-data-reads?${query}`).then(({ body }) => setReads(body), (e: unknown) => setError((e as Error).message));
  }, [props.offset, applied]);

  const go = (offset: number) => navigate(offset > 0 ? `/personal-data-reads?offset=${offset}` : '/personal-data-reads');
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = { accessedBy: typed.accessedBy.trim(), claimId: typed.claimId.trim(), from: typed.from, to: typed.to };
    setInvalid(next.claimId !== '' && !UUID.test(next.claimId));
    if (next.claimId !== '' && !UUID.test(next.claimId)) return;
    setApplied(next);
    go(0);
  };
  const input = (name: keyof Filter, label: MessageKey, type = 'text') => (
    <div className={name === 'claimId' && invalid ? 'field invalid' : 'field'}>
      <label htmlFor={`reads-${name}`}>{t(label)}</label>
      <input
        id={`reads-${name}`} type={type} autoComplete="off" value={typed[name]} onChange={(e) => setTyped({ ...typed, [name]: e.target.value })}
        {...(name === 'claimId' && invalid ? { 'aria-invalid': true, 'aria-describedby': 'reads-claimId-error' } : {})}
      />
      {name === 'claimId' && invalid && <p id="reads-claimId-error" className="field-error">{t('error.format')}</p>}
    </div>
  );

  return (
    <section aria-labelledby="reads-title">
      <h1 id="reads-title">{title}</h1>
      <p>{t('reads.intro')}</p>
      <form className="filters" role="search" aria-label={t('reads.filters')} onSubmit={apply} noValidate>
        {input('accessedBy', 'reads.accessedBy')}
        {input('claimId', 'reads.claimId')}
        {input('from', 'reads.from', 'date')}
        {input('to', 'reads.to', 'date')}
        <div className="actions">
          <button type="submit">{t('claims.apply')}</button>
          {applied !== NO_FILTER && <button type="button" className="secondary" onClick={() => { setTyped(NO_FILTER); setApplied(NO_FILTER); go(0); }}>{t('claims.clear')}</button>}
        </div>
      </form>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!reads && !error && <p>{t('app.loading')}</p>}
      {reads && reads.total === 0 && <p>{t('reads.empty')}</p>}
      {reads && reads.items.length > 0 && (
        <>
          <p aria-live="polite">
            {t('reads.count', { total: reads.total })}
            {reads.total > reads.items.length && <> · {t('claims.range', { from: reads.offset + 1, to: reads.offset + reads.items.length, total: reads.total })}</>}
          </p>
          <div className="table-scroll">
            <table data-testid="reads">
              <thead>
                <tr>
                  <th scope="col">{t('reads.column.when')}</th>
                  <th scope="col">{t('reads.column.who')}</th>
                  <th scope="col">{t('reads.column.claim')}</th>
                  <th scope="col">{t('reads.column.purpose')}</th>
                </tr>
              </thead>
              <tbody>
                {reads.items.map((r) => (
                  <tr key={`${r.claimId}-${r.accessedAt}-${r.accessedBy}`}>
                    <td>{formatDateTimeZoned(locale, r.accessedAt, props.timeZone)}</td>
                    <td>{r.accessedBy} <span className="muted">({roles(r.roles)})</span></td>
                    <td className="claim-id">
                      {opensClaims ? <Link to={`/claims/${r.claimId}`}>{r.claimId}</Link> : r.claimId}
                      {erases && <> · <Link to={`/erasure?claim=${r.claimId}`} aria-label={t('reads.eraseFor', { claimId: r.claimId })}>{t('reads.erase')}</Link></>}
                    </td>
                    <td>{r.purpose === 'claim-personal-data' ? t('reads.purpose.claim-personal-data') : r.purpose}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {reads.total > reads.items.length && (
            <nav className="pager" aria-label={title}>
              <button type="button" disabled={reads.offset === 0} onClick={() => go(Math.max(0, reads.offset - PAGE_SIZE))}>{t('claims.previous')}</button>
              <button type="button" disabled={reads.offset + reads.items.length >= reads.total} onClick={() => go(reads.offset + PAGE_SIZE)}>{t('claims.next')}</button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
