/**
 * A claim's requests for information: each one's state, due date, who asked and who answered.
 * The question and the answer may name the victim (the API keeps them encrypted), so they are
 * read only when the user asks, each read recorded, and kept in this component's memory only.
 */
import { useState } from 'react';
import { useIntl } from 'react-intl';
import { api, ApiError } from '../api.ts';
import { formatInstant, formatLocalDate } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

export interface InformationRequest {
  request: number; status: 'open' | 'answered' | 'withdrawn'; dueOn: string; requestedBy: string; requestedAt: string;
  answeredBy: string | null; answeredAt: string | null; late: boolean | null; documentIds: string[]; withdrawnAt: string | null;
}

interface Texts { question: string; answer: string | null }

export function InformationRequestsPanel(props: { claimId: string; requests: InformationRequest[]; mayRead: boolean; timeZone: string }) {
  const t = useT();
  if (props.requests.length === 0) return null;
  return (
    <section aria-labelledby="requests-title" className="requests">
      <h2 id="requests-title">{t('rfi.title')}</h2>
      {props.mayRead && <p>{t('rfi.recorded')}</p>}
      <ul className="plain" data-testid="information-requests">
        {props.requests.map((r) => <RequestItem key={r.request} claimId={props.claimId} request={r} mayRead={props.mayRead} timeZone={props.timeZone} />)}
      </ul>
    </section>
  );
}

function RequestItem(props: { claimId: string; request: InformationRequest; mayRead: boolean; timeZone: string }) {
  const t = useT();
  const { locale } = useIntl();
  const r = props.request;
  const [texts, setTexts] = useState<Texts | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reading, setReading] = useState(false);
  const at = (instant: string) => formatInstant(locale, instant, props.timeZone);
  const show = async () => {
    setError(undefined);
    setReading(true);
    try {
      setTexts((await api<Texts>(`/api/queries/claims/${props.claimId}/information-requests/${r.request}`)).body);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setReading(false);
    }
  };
  return (
    <li data-testid={`information-request-${r.request}`}>
      <h3>{t('rfi.item', { request: r.request, dueOn: formatLocalDate(locale, r.dueOn) })}</h3>
      <p>
        <strong>{t(`rfi.status.${r.status}` as MessageKey)}</strong>{' · '}{t('rfi.requested', { by: r.requestedBy, at: at(r.requestedAt) })}
        {r.answeredBy && r.answeredAt && <>{' · '}{t('rfi.answered', { by: r.answeredBy, at: at(r.answeredAt) })}{r.late && <> {t('rfi.late')}</>}</>}
        {r.withdrawnAt && <>{' · '}{t('rfi.withdrawn', { at: at(r.withdrawnAt) })}</>}
        {r.documentIds.length > 0 && <>{' · '}{t('rfi.documents', { count: r.documentIds.length })}</>}
      </p>
      {texts && (
        <>
          <dl className="facts">
            <dt>{t('rfi.question')}</dt><dd data-testid={`request-question-${r.request}`}>{texts.question}</dd>
            <dt>{t('rfi.answer')}</dt><dd data-testid={`request-answer-${r.request}`}>{texts.answer ?? t('rfi.noAnswer')}</dd>
          </dl>
          <button type="button" onClick={() => setTexts(undefined)}>{t('rfi.hide', { request: r.request })}</button>
        </>
      )}
      {!texts && props.mayRead && <button type="button" disabled={reading} onClick={() => void show()}>{t('rfi.show', { request: r.request })}</button>}
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
    </li>
  );
}
