/**
 * Payment runs (finance officers, fund admins and auditors of the jurisdiction): every run of their
 * jurisdictions, newest first, from the projection's GET /payment-runs, filtered by status (kept in
 * the URL) and jurisdiction, a page at a time; each opens its page (/payment-runs/{id}).
 */
import { useState } from 'react';
import { useIntl } from 'react-intl';
import type { Principal } from '../../api.ts';
import { Link } from '../../components/Link.tsx';
import { paymentJurisdictions } from '../../components/may.ts';
import { useTitle } from '../../components/use-title.ts';
import { formatDateTimeZoned, formatLocalDate, formatMoney, homeTimeZone } from '../../format.ts';
import type { MessageKey } from '../../i18n/locales.ts';
import { useT } from '../../i18n/use-t.ts';
import { RUN_STATUSES, type RunStatus } from '../../../../src/routes.ts';
import { navigate } from '../../router.ts';
import { ListBody, ListFilters, PAGE_SIZE, listPath, useListPage } from './ListPage.tsx';

interface Run {
  runId: string; jurisdiction: string; status: RunStatus; executionOn: string; total: { amountMinor: number; currency: string };
  payments: number; voided: number; preparedBy: string; preparedAt: string; releasedBy: string | null;
}

export function PaymentRunsPage(props: { principal: Principal; offset: number; status: RunStatus | undefined }) {
  const t = useT();
  const { locale } = useIntl();
  const title = t('runs.title');
  useTitle(title);
  const [jurisdiction, setJurisdiction] = useState<string | undefined>(undefined);
  const { page, error } = useListPage<Run>('/api/queries/payment-runs', {
    status: props.status, jurisdiction, offset: String(props.offset), limit: String(PAGE_SIZE),
  });
  const to = (status: RunStatus | undefined, offset: number) => navigate(listPath('/payment-runs', { name: 'status', value: status }, offset));
  const timeZone = homeTimeZone(props.principal.jurisdictions);

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">{title}</h1>
      <p>{t('runs.intro')}</p>
      {paymentJurisdictions(props.principal).length > 0 && <p><Link to="/payments">{t('payments.title')}</Link></p>}
      <ListFilters
        label={t('runs.filters')} name="status" values={RUN_STATUSES} value={props.status} anyLabel={t('runs.anyStatus')}
        wordOf={(s) => `runStatus.${s}` as MessageKey} onValue={(s) => to(s, 0)}
        principal={props.principal} jurisdiction={jurisdiction} onJurisdiction={(j) => { setJurisdiction(j); to(props.status, 0); }}
      />
      <ListBody
        title={title} page={page} error={error} empty={t('runs.count', { total: 0 })} onOffset={(offset) => to(props.status, offset)}
        count={t('runs.count', { total: page?.total ?? 0 })}
        range={t('runs.range', { from: (page?.offset ?? 0) + 1, to: (page?.offset ?? 0) + (page?.items.length ?? 0), total: page?.total ?? 0 })}
      >
        <div className="table-scroll" tabIndex={0} role="region" aria-label={title}>
          <table data-testid="payment-runs">
            <thead>
              <tr>
                <th scope="col">{t('runs.column.prepared')}</th>
                <th scope="col">{t('runs.column.execution')}</th>
                <th scope="col">{t('runs.status')}</th>
                <th scope="col">{t('runs.column.payments')}</th>
                <th scope="col" className="amount">{t('run.total')}</th>
                <th scope="col">{t('runs.column.by')}</th>
              </tr>
            </thead>
            <tbody>
              {page?.items.map((r) => {
                const at = formatDateTimeZoned(locale, r.preparedAt, timeZone);
                return (
                  <tr key={r.runId}>
                    <td><Link to={`/payment-runs/${r.runId}`} aria-label={t('runs.open', { at })}>{at}</Link></td>
                    <td>{formatLocalDate(locale, r.executionOn)}</td>
                    <td>{t(`runStatus.${r.status}` as MessageKey)}</td>
                    <td>{t('runs.payments', { count: r.payments })}{r.voided > 0 && ` (${t('runs.voided', { count: r.voided })})`}</td>
                    <td className="amount">{formatMoney(locale, r.total.amountMinor, r.total.currency)}</td>
                    <td>{r.preparedBy}{r.releasedBy && `, ${r.releasedBy}`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </ListBody>
    </section>
  );
}
