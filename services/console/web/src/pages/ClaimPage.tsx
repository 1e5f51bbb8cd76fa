/** A claim, read-only: status and amounts (personal data is not part of this page). */
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { api, ApiError } from '../api.ts';
import { useTitle } from '../components/use-title.ts';
import { formatInstant, formatLocalDate, formatMoney, schemeTimeZone } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

interface Money { amountMinor: number; currency: string }
interface ClaimDetail {
  claimId: string; publicReference: string | null; jurisdiction: string; status: string; filedAt: string | null; revision: number;
  formOfExploitation: string | null; incidentOn: string | null;
  personalData: { erased: boolean };
  money: { currency: string; claimed: number; awarded: number; paid: number; outstanding: number };
  moneyByHead: { claimed: { head: string; amount: Money }[] };
}

/** A claim just filed reaches the read side within moments: ask again a few times before giving up. */
const RETRIES = 20;
const RETRY_MS = 300;

export function ClaimPage(props: { claimId: string }) {
  const t = useT();
  const { locale } = useIntl();
  const [claim, setClaim] = useState<ClaimDetail | undefined>(undefined);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  useTitle(t('claim.title', { reference: claim?.publicReference ?? '' }));

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (attempt: number) => {
      api<ClaimDetail>(`/api/queries/claims/${props.claimId}`).then(({ body }) => {
        if (!stopped) setClaim(body);
      }, (e: unknown) => {
        if (stopped) return;
        if (e instanceof ApiError && e.problem.status === 404 && attempt < RETRIES) {
          setPending(true);
          timer = setTimeout(() => load(attempt + 1), RETRY_MS);
        } else setError((e as Error).message);
      });
    };
    load(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.claimId]);

  if (error) return <p role="alert" className="error">{t('app.error', { detail: error })}</p>;
  if (!claim) return <p aria-live="polite">{pending ? t('claim.notYet') : t('app.loading')}</p>;
  const money = (minor: number) => formatMoney(locale, minor, claim.money.currency);
  const zone = schemeTimeZone(claim.jurisdiction);
  return (
    <section aria-labelledby="claim-title">
      <h1 id="claim-title">{t('claim.title', { reference: claim.publicReference ?? claim.claimId })}</h1>
      <dl className="facts">
        <dt>{t('claim.status')}</dt><dd data-testid="claim-status">{t(`status.${claim.status}` as MessageKey)}</dd>
        <dt>{t('claim.jurisdiction')}</dt><dd>{t(`jurisdiction.${claim.jurisdiction}` as MessageKey)}</dd>
        {claim.filedAt && <><dt>{t('claim.filedAt')}</dt><dd>{formatInstant(locale, claim.filedAt, zone)}</dd></>}
        {claim.incidentOn && <><dt>{t('claim.incidentOn')}</dt><dd>{formatLocalDate(locale, claim.incidentOn)}</dd></>}
        {claim.formOfExploitation && <><dt>{t('claim.formOfExploitation')}</dt><dd>{t(`exploitation.${claim.formOfExploitation}` as MessageKey)}</dd></>}
      </dl>
      <h2>{t('claim.money')}</h2>
      <dl className="facts amounts">
        <dt>{t('claim.claimed')}</dt><dd data-testid="claim-claimed">{money(claim.money.claimed)}</dd>
        <dt>{t('claim.awarded')}</dt><dd>{money(claim.money.awarded)}</dd>
        <dt>{t('claim.paid')}</dt><dd>{money(claim.money.paid)}</dd>
        <dt>{t('claim.outstanding')}</dt><dd>{money(claim.money.outstanding)}</dd>
      </dl>
      <h2>{t('claim.byHead')}</h2>
      <ul>
        {claim.moneyByHead.claimed.map((h) => <li key={h.head}>{t(`head.${h.head}` as MessageKey)}: {formatMoney(locale, h.amount.amountMinor, h.amount.currency)}</li>)}
      </ul>
      {claim.personalData.erased && <p>{t('claim.personalDataErased')}</p>}
      <p className="muted">{t('claim.revision', { revision: claim.revision })}</p>
    </section>
  );
}
