/**
 * For the auditor: every event of a claim in words (what, who, when) from the projection's
 * history, the verdict on the claim's signed hash chain, verified in the event store now, and
 * the claim as of any earlier revision or instant.
 *
 * The verdict is asked for once the history has arrived: verifying reads the claim's whole stream
 * and would hold back (and compete with) the timeline. Meanwhile "checking…" is said in a live
 * region, where the verdict, or why it could not be had, then appears.
 */
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.ts';
import { formatDateTime } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { ClaimAsOf } from './ClaimAsOf.tsx';

interface HistoryEvent { revision: number; type: string; occurredAt: string; actor: string | null }
interface Integrity { status: 'ok' | 'unkeyed' | 'broken'; count: number; unkeyedCount: number; firstBrokenRevision?: number; verifiedAt: string }

export function ClaimTimeline(props: { claimId: string; revision: number; timeZone: string }) {
  const t = useT();
  const { locale } = useIntl();
  const [events, setEvents] = useState<HistoryEvent[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [integrity, setIntegrity] = useState<Integrity | undefined>(undefined);
  const [integrityError, setIntegrityError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let current = true;
    setIntegrity(undefined);
    setIntegrityError(undefined);
    const verify = () => {
      if (!current) return;
      api<Integrity>(`/api/queries/claims/${props.claimId}/integrity`).then(
        ({ body }) => { if (current) setIntegrity(body); },
        (e: unknown) => { if (current) setIntegrityError((e as Error).message); },
      );
    };
    api<{ events: HistoryEvent[] }>(`/api/queries/claims/${props.claimId}/history`).then(
      ({ body }) => { if (current) setEvents(body.events); },
      (e: unknown) => { if (current) setError((e as Error).message); },
    ).then(verify);
    return () => { current = false; };
  }, [props.claimId, props.revision]);

  const when = (iso: string) => formatDateTime(locale, iso, props.timeZone);
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('timeline.title')}</h2>
      <div role="status" data-testid="integrity-status">
        {integrity && (
          <div className={`verdict verdict-${integrity.status}`} data-testid="integrity">
            <p className="verdict-title">{t(`integrity.${integrity.status}` as MessageKey)}</p>
            <p>
              {t(`integrity.${integrity.status}.detail` as MessageKey, {
                count: integrity.count, unkeyedCount: integrity.unkeyedCount, firstBrokenRevision: integrity.firstBrokenRevision ?? 0,
              })}
              {' '}{t('integrity.verifiedAt', { at: when(integrity.verifiedAt) })}
            </p>
          </div>
        )}
        {integrityError && <p className="error" data-testid="integrity-error">{t('integrity.failed', { detail: integrityError })}</p>}
        {!integrity && !integrityError && <p className="muted">{t('integrity.checking')}</p>}
      </div>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!events && !error && <p>{t('app.loading')}</p>}
      {events && (
        <ol className="timeline" data-testid="timeline">
          {events.map((e) => (
            <li key={e.revision}>
              <span className="event">{t(`event.${e.type}` as MessageKey)}</span>
              {' · '}
              <span className="muted">{e.actor ? t('timeline.byAt', { actor: e.actor, at: when(e.occurredAt) }) : t('timeline.at', { at: when(e.occurredAt) })}</span>
            </li>
          ))}
        </ol>
      )}
      {/* Drawn anew with each new revision: the slider's end is the claim's last revision. */}
      {events && events.length > 0 && <ClaimAsOf key={events.length} claimId={props.claimId} events={events} timeZone={props.timeZone} />}
    </section>
  );
}
