/**
 * The fund admin's view of the assessors (on the work queue): the claims awaiting an assessor
 * (GET /work-queue/unassigned, each opened to assign one) and every assessor's open claims
 * (GET /work-queue/assessor-load), busiest first.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Link } from '../components/Link.tsx';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

interface Load { assessor: string; jurisdiction: string; openClaims: number }
interface Unassigned { claimId: string; publicReference: string | null; jurisdiction: string; status: string }

export function AssessorLoad() {
  const t = useT();
  const [load, setLoad] = useState<Load[] | undefined>(undefined);
  const [unassigned, setUnassigned] = useState<Unassigned[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const failed = (e: unknown) => setError((e as Error).message);
    api<{ items: Load[] }>('/api/queries/work-queue/assessor-load').then(({ body }) => setLoad(body.items), failed);
    api<{ items: Unassigned[] }>('/api/queries/work-queue/unassigned').then(({ body }) => setUnassigned(body.items), failed);
  }, []);
  return (
    <>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {unassigned && (
        <section aria-labelledby="unassigned-title">
          <h2 id="unassigned-title">{t('work.unassigned.title', { count: unassigned.length })}</h2>
          <ul data-testid="unassigned">
            {unassigned.map((c) => {
              const reference = c.publicReference ?? c.claimId;
              return <li key={c.claimId}><Link to={`/claims/${c.claimId}`} aria-label={t('claims.open', { reference })}>{reference}</Link></li>;
            })}
          </ul>
        </section>
      )}
      {load && (
        <section aria-labelledby="load-title">
          <h2 id="load-title">{t('work.load.title')}</h2>
          {load.length === 0 ? <p>{t('work.load.none')}</p> : (
            <table className="stacked" data-testid="assessor-load">
              <caption>{t('work.load.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('work.load.assessor')}</th>
                  <th scope="col">{t('work.load.jurisdiction')}</th>
                  <th scope="col" className="amount">{t('work.load.open')}</th>
                </tr>
              </thead>
              <tbody>
                {load.map((l) => (
                  <tr key={`${l.assessor}-${l.jurisdiction}`}>
                    <th scope="row">{l.assessor}</th>
                    <td data-label={t('work.load.jurisdiction')}>{t(`jurisdiction.${l.jurisdiction}` as MessageKey)}</td>
                    <td data-label={t('work.load.open')} className="amount">{l.openClaims}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </>
  );
}
