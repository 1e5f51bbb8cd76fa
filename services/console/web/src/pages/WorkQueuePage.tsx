/**
 * What waits for the fund staff member, by their roles (the projection's GET /work-queue):
 * how many of each task, then each item, oldest first, with a link to its claim.
 */
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.ts';
import { Link } from '../components/Link.tsx';
import { useTitle } from '../components/use-title.ts';
import { formatInstant, formatLocalDate, formatMoney, schemeTimeZone } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { AssessorLoad } from './AssessorLoad.tsx';

interface WorkItem {
  task: string; claimId: string; publicReference: string | null; jurisdiction: string; status: string; since: string;
  dueOn?: string; instalment?: number; amount?: { amountMinor: number; currency: string };
}

export function WorkQueuePage(props: { assigns: boolean }) {
  const t = useT();
  const { locale } = useIntl();
  useTitle(t('work.title'));
  const [items, setItems] = useState<WorkItem[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    api<{ items: WorkItem[] }>('/api/queries/work-queue').then(({ body }) => setItems(body.items), (e: unknown) => setError((e as Error).message));
  }, []);

  const counts = new Map<string, number>();
  for (const i of items ?? []) counts.set(i.task, (counts.get(i.task) ?? 0) + 1);
  return (
    <section aria-labelledby="work-title">
      <h1 id="work-title">{t('work.title')}</h1>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!items && !error && <p>{t('app.loading')}</p>}
      {items && items.length === 0 && <p>{t('work.empty')}</p>}
      {items && items.length > 0 && (
        <>
          <ul className="counts" aria-label={t('work.counts')}>
            {[...counts].map(([task, count]) => <li key={task} data-testid={`count-${task}`}>{t(`task.${task}` as MessageKey)}: <strong>{count}</strong></li>)}
          </ul>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('work.column.task')}</th>
                  <th scope="col">{t('claims.column.reference')}</th>
                  <th scope="col">{t('work.column.when')}</th>
                  <th scope="col" className="amount">{t('work.column.amount')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => {
                  const reference = i.publicReference ?? i.claimId;
                  return (
                    <tr key={`${i.task}-${i.claimId}-${i.instalment ?? ''}`}>
                      <td>{t(`task.${i.task}` as MessageKey)}{i.instalment !== undefined && ` (${t('work.instalment', { instalment: i.instalment })})`}</td>
                      <td><Link to={`/claims/${i.claimId}`} aria-label={t('claims.open', { reference })}>{reference}</Link></td>
                      <td>{i.dueOn ? t('work.due', { date: formatLocalDate(locale, i.dueOn) }) : t('work.since', { date: formatInstant(locale, i.since, schemeTimeZone(i.jurisdiction)) })}</td>
                      <td className="amount">{i.amount ? formatMoney(locale, i.amount.amountMinor, i.amount.currency) : ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {props.assigns && <AssessorLoad />}
    </section>
  );
}
