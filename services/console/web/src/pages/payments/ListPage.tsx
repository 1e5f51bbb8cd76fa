/**
 * What the lists of payment runs and of bank statements share: a page of the API's answer loaded
 * for the filters in the URL (`offset` and a status or state: nothing personal), the filter form
 * (a status or state, and a jurisdiction when the user has several), and the pager.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { api, type Principal } from '../../api.ts';
import { Field } from '../../components/Field.tsx';
import type { MessageKey } from '../../i18n/locales.ts';
import { useT } from '../../i18n/use-t.ts';

export const PAGE_SIZE = 20;

export interface ListAnswer<T> { items: T[]; total: number; limit: number; offset: number }

/** The page of `url` (an API path) for these filters: undefined while loading. */
export function useListPage<T>(url: string, query: Record<string, string | undefined>): { page: ListAnswer<T> | undefined; error: string | undefined } {
  const [page, setPage] = useState<ListAnswer<T> | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  useEffect(() => {
    setPage(undefined);
    setError(undefined);
    api<ListAnswer<T>>(`${url}?${search}`).then(({ body }) => setPage(body), (e: unknown) => setError((e as Error).message));
  }, [url, search]);
  return { page, error };
}

/** The console path of a list with its filter and offset. */
export function listPath(path: string, filter: { name: string; value: string | undefined }, offset: number): string {
  const query = new URLSearchParams();
  if (filter.value) query.set(filter.name, filter.value);
  if (offset > 0) query.set('offset', String(offset));
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

export function ListFilters<S extends string>(props: {
  label: string; name: string; values: readonly S[]; value: S | undefined; anyLabel: string; wordOf: (value: S) => MessageKey; onValue: (value: S | undefined) => void;
  principal: Principal; jurisdiction: string | undefined; onJurisdiction: (j: string | undefined) => void;
}) {
  const t = useT();
  return (
    <form className="filters" role="search" aria-label={props.label} onSubmit={(e) => e.preventDefault()} noValidate>
      <Field name={`${props.name}-filter`} label={t(props.name === 'status' ? 'runs.status' : 'statements.state')}>
        {(attrs) => (
          <select {...attrs} value={props.value ?? ''} onChange={(e) => props.onValue(props.values.find((v) => v === e.target.value))}>
            <option value="">{props.anyLabel}</option>
            {props.values.map((v) => <option key={v} value={v}>{t(props.wordOf(v))}</option>)}
          </select>
        )}
      </Field>
      {props.principal.jurisdictions.length > 1 && (
        <Field name="jurisdiction-filter" label={t('runs.jurisdiction')}>
          {(attrs) => (
            <select {...attrs} value={props.jurisdiction ?? ''} onChange={(e) => props.onJurisdiction(e.target.value || undefined)}>
              <option value="">{t('runs.allJurisdictions')}</option>
              {props.principal.jurisdictions.map((j) => <option key={j} value={j}>{t(`jurisdiction.${j}` as MessageKey)}</option>)}
            </select>
          )}
        </Field>
      )}
    </form>
  );
}

/** The count, the range shown, the table, and the pager when there is more than one page. */
export function ListBody<T>(props: {
  title: string; page: ListAnswer<T> | undefined; error: string | undefined; count: string; range: string; empty: string;
  onOffset: (offset: number) => void; children: ReactNode;
}) {
  const t = useT();
  const { page } = props;
  if (props.error) return <p role="alert" className="error">{t('app.error', { detail: props.error })}</p>;
  if (!page) return <p>{t('app.loading')}</p>;
  if (page.total === 0) return <p>{props.empty}</p>;
  return (
    <>
      <p aria-live="polite">{props.count}{page.total > page.items.length && <> · {props.range}</>}</p>
      {props.children}
      {page.total > page.items.length && (
        <nav className="pager" aria-label={props.title}>
          <button type="button" disabled={page.offset === 0} onClick={() => props.onOffset(Math.max(0, page.offset - PAGE_SIZE))}>{t('claims.previous')}</button>
          <button type="button" disabled={page.offset + page.items.length >= page.total} onClick={() => props.onOffset(page.offset + PAGE_SIZE)}>{t('claims.next')}</button>
        </nav>
      )}
    </>
  );
}
