/**
 * For the auditor: the claim as it stood at an earlier revision (a slider over the timeline) or
 * instant, replayed by the projection from the event store (GET /claims/{id}/state). Only the
 * procedural and financial facts; the state's pseudonyms and personal data are not shown.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.ts';
import { formatDateTime, formatMoney } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

interface Money { amountMinor: number; currency: string }
interface ReplayedState {
  status: string; currency?: string;
  court: { offenderPaid: number };
  fund: { approvals: string[]; netAward?: Money; instalments: { status: string }[] };
}
interface StateAnswer { revision: number | null; at: string | null; state: ReplayedState }
interface TimelineEvent { revision: number; type: string; occurredAt: string }

export function ClaimAsOf(props: { claimId: string; events: TimelineEvent[]; timeZone: string }) {
  const t = useT();
  const { locale } = useIntl();
  const last = props.events.length - 1;
  const [revision, setRevision] = useState(last);
  const [instant, setInstant] = useState('');
  // The question asked: a revision from the slider, or an instant typed in.
  const [query, setQuery] = useState<string>(`revision=${last}`);
  const [answer, setAnswer] = useState<StateAnswer | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    setError(undefined);
    api<StateAnswer>(`/api/queries/claims/${props.claimId}/state?${query}`)
      .then(({ body }) => { if (!stopped) setAnswer(body); }, (e: unknown) => { if (!stopped) setError((e as Error).message); });
    return () => { stopped = true; };
  }, [props.claimId, query]);

  const when = (iso: string) => formatDateTime(locale, iso, props.timeZone);
  const event = props.events[revision];
  const describe = (r: number) => {
    const e = props.events[r];
    return e ? t('asOf.revisionIs', { revision: r, event: t(`event.${e.type}` as MessageKey), at: when(e.occurredAt) }) : '';
  };
  const atInstant = (e: FormEvent) => {
    e.preventDefault();
    const at = instant ? new Date(instant) : undefined;
    if (at && !Number.isNaN(at.getTime())) setQuery(`asOf=${encodeURIComponent(at.toISOString())}`);
  };
  const s = answer?.state;
  const money = (minor: number) => (s?.currency ? formatMoney(locale, minor, s.currency) : '');

  return (
    <section aria-labelledby="as-of-title">
      <h3 id="as-of-title">{t('asOf.title')}</h3>
      <div className="field">
        <label htmlFor="as-of-revision">{t('asOf.revision')}</label>
        <input
          id="as-of-revision" type="range" min={0} max={last} step={1} value={revision} aria-valuetext={describe(revision)}
          onChange={(e) => { const r = Number(e.target.value); setRevision(r); setQuery(`revision=${r}`); }}
        />
        <output htmlFor="as-of-revision">{event && describe(revision)}</output>
      </div>
      <form className="actions" onSubmit={atInstant} noValidate>
        <div className="field">
          <label htmlFor="as-of-instant">{t('asOf.instant')}</label>
          <input id="as-of-instant" type="datetime-local" value={instant} onChange={(e) => setInstant(e.target.value)} />
        </div>
        <button type="submit">{t('asOf.showInstant')}</button>
      </form>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      <div aria-live="polite" data-testid="as-of">
        {answer && answer.revision === null && <p>{t('asOf.notYet')}</p>}
        {answer && s && answer.revision !== null && (
          <dl className="facts">
            <dt>{t('asOf.asOf')}</dt><dd>{t('asOf.stateAt', { revision: answer.revision, at: answer.at ? when(answer.at) : '' })}</dd>
            <dt>{t('claim.status')}</dt><dd data-testid="as-of-status">{t(`status.${s.status}` as MessageKey)}</dd>
            <dt>{t('claim.approvals')}</dt><dd>{s.fund.approvals.length}</dd>
            {s.fund.netAward && <><dt>{t('claim.awarded')}</dt><dd>{formatMoney(locale, s.fund.netAward.amountMinor, s.fund.netAward.currency)}</dd></>}
            {s.court.offenderPaid > 0 && <><dt>{t('claim.offenderPaid')}</dt><dd>{money(s.court.offenderPaid)}</dd></>}
            {s.fund.instalments.length > 0 && (
              <><dt>{t('claim.instalments')}</dt><dd>{t('asOf.instalmentsPaid', { paid: s.fund.instalments.filter((i) => i.status === 'disbursed').length, total: s.fund.instalments.length })}</dd></>
            )}
          </dl>
        )}
      </div>
    </section>
  );
}
