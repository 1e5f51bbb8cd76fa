/**
 * The lawyer's deadlines ahead (the projection's GET /deadlines: applications to the fund, appeals,
 * instalments of their claims), earliest first, the few nearest; a day already over says so.
 * Local dates of the scheme, the same day everywhere.
 */
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.ts';
import { Link } from '../components/Link.tsx';
import { formatLocalDate } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

const SHOWN = 5;

interface Deadline { claimId: string; publicReference: string | null; kind: string; dueOn: string; instalment: number | null; overdue: boolean }

export function DeadlinesAhead() {
  const t = useT();
  const { locale } = useIntl();
  const [items, setItems] = useState<Deadline[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    api<{ items: Deadline[] }>(`/api/queries/deadlines?limit=${SHOWN}`).then(({ body }) => setItems(body.items), (e: unknown) => setError((e as Error).message));
  }, []);

  return (
    <section aria-labelledby="deadlines-title" className="deadlines">
      <h2 id="deadlines-title">{t('deadlines.title')}</h2>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {items && items.length === 0 && <p>{t('deadlines.none')}</p>}
      {items && items.length > 0 && (
        <ul data-testid="deadlines">
          {items.map((d) => {
            const reference = d.publicReference ?? d.claimId;
            return (
              <li key={`${d.claimId}-${d.kind}-${d.instalment ?? ''}`} className={d.overdue ? 'overdue' : undefined}>
                {t(`deadline.${d.kind}` as MessageKey, { instalment: d.instalment ?? 0, date: formatLocalDate(locale, d.dueOn) })}
                {d.overdue && <> <strong>{t('deadlines.overdue')}</strong></>}
                {' · '}<Link to={`/claims/${d.claimId}`} aria-label={t('claims.open', { reference })}>{reference}</Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
