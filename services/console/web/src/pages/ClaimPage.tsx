/**
 * A claim: status and amounts (the victim's personal data only on an explicit, recorded read), the actions the user's
 * roles may take on it now, and for an auditor its timeline and the verdict on its hash chain.
 */
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import type { Currency, Jurisdiction } from '@cfund/contracts';
import { isLate, schemeAt } from '@cfund/domain';
import { actionsFor } from '../actions/catalogue.ts';
import { api, ApiError, type Principal } from '../api.ts';
import { useTitle } from '../components/use-title.ts';
import { formatInstant, formatLocalDate, formatMoney, schemeTimeZone } from '../format.ts';
import type { Locale, MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { mayReadPersonalData } from '../components/may.ts';
import { PersonalDataPanel } from './PersonalDataPanel.tsx';
import { DocumentsPanel, formatSize, type ClaimDocument } from './DocumentsPanel.tsx';
import { InformationRequestsPanel, type InformationRequest } from './InformationRequestsPanel.tsx';

// The forms of the actions (the command schemas, the award's preview) and the auditor's timeline
// load once the claim is on screen: the claim's facts do not wait for them.
const ActionForm = lazy(() => import('../actions/ActionForm.tsx').then((m) => ({ default: m.ActionForm })));
const ClaimTimeline = lazy(() => import('./ClaimTimeline.tsx').then((m) => ({ default: m.ClaimTimeline })));

interface Money { amountMinor: number; currency: string }
interface ClaimDetail {
  claimId: string; publicReference: string | null; jurisdiction: string; status: string; filedBy: string; filedAt: string | null; revision: number;
  formOfExploitation: string | null; incidentOn: string | null;
  personalData: { erased: boolean };
  money: { currency: string; claimed: number; offenderPaid: number; awarded: number; paid: number; outstanding: number };
  moneyByHead: { claimed: { head: string; amount: Money }[] };
  fund: {
    approvals: string[]; approvalsNeeded: number; extension: string | null; rejectionReasons: string[]; appealDeadline: string | null;
    appealOutcome: string | null; instalments: { number: number; amount: Money; dueOn: string; status: string }[];
    fundYear: number | null; commitmentsSpreadByYear: boolean;
  };
  deadlines: { kind: string; dueOn: string }[];
  evidence: number;
  payee: { current: PayeeVersion | null; pending: PayeeVersion | null };
  lawyers: { lead: string | null; coCounsel: string[] };
  assessor: string | null;
  onHoldForInformation: boolean;
  informationRequests: InformationRequest[];
  documents: ClaimDocument[];
}
interface PayeeVersion { change: number; kind: string; maskedAccount: string }

/** The statuses in which the domain takes documents. */
const ACTIVE_STATUSES = ['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed', 'scheduled', 'paid'];

/** The read side follows the event store within moments: ask again a few times before giving up. */
const RETRIES = 20;
const RETRY_MS = 300;
/** Not found, or not the user's to see: the API answers both alike, and so does the page. */
const NOT_FOUND = Symbol('not found');

export function ClaimPage(props: { claimId: string; principal: Principal }) {
  const t = useT();
  const { locale } = useIntl();
  const [claim, setClaim] = useState<ClaimDetail | undefined>(undefined);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | typeof NOT_FOUND | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  // The victim's language in force, known only while the personal data is shown (a recorded read).
  const [language, setLanguage] = useState<Locale | null | undefined>(undefined);
  useEffect(() => setLanguage(undefined), [props.claimId]);
  // A reload, and the revision it waits for (the one an action of ours produced).
  const [reloads, setReloads] = useState(0);
  const awaited = useRef(-1);
  // Said once the claim is back at the revision the action produced, not before: the forms are drawn anew then.
  const announced = useRef<string | undefined>(undefined);
  useTitle(t('claim.title', { reference: claim?.publicReference ?? '' }));

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const retry = (attempt: number) => {
      setPending(true);
      timer = setTimeout(() => load(attempt + 1), RETRY_MS);
    };
    const load = (attempt: number) => {
      api<ClaimDetail>(`/api/queries/claims/${props.claimId}`).then(({ body }) => {
        if (stopped) return;
        if (body.revision < awaited.current && attempt < RETRIES) return retry(attempt);
        setPending(false);
        setClaim(body);
        setDone(announced.current);
      }, (e: unknown) => {
        if (stopped) return;
        if (e instanceof ApiError && e.problem.status === 404 && attempt < RETRIES) retry(attempt);
        else setError(e instanceof ApiError && e.problem.status === 404 ? NOT_FOUND : (e as Error).message);
      });
    };
    load(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.claimId, reloads]);

  if (error) return <p role="alert" className="error">{error === NOT_FOUND ? t('claim.notFound') : t('app.error', { detail: error })}</p>;
  if (!claim) return <p aria-live="polite">{pending ? t('claim.notYet') : t('app.loading')}</p>;
  const money = (minor: number) => formatMoney(locale, minor, claim.money.currency);
  const zone = schemeTimeZone(claim.jurisdiction);
  const now = new Date().toISOString();
  const scheme = schemeAt(claim.jurisdiction as Jurisdiction, claim.filedAt ?? now);
  const actions = actionsFor(props.principal, {
    ...claim, preferredLanguage: language,
    applicationOverdue: claim.deadlines.some((d) => d.kind === 'fund-application' && isLate(d.dueOn, now, zone)),
    rejectionFinal: claim.fund.rejectionReasons.length > 0 && claim.fund.appealOutcome === null && !!claim.fund.appealDeadline && isLate(claim.fund.appealDeadline, now, zone),
    scheme: { advances: scheme.advancePayments.allowed, recovery: scheme.recoveryFromOffender },
    documentChoices: Object.fromEntries(claim.documents.map((d, i) => [d.documentId, t('documents.choice', {
      number: i + 1, kind: t(`documentKind.${d.kind}` as MessageKey), size: formatSize(locale, d.size), at: formatInstant(locale, d.attachedAt, zone),
    })])),
  });
  const mayRead = mayReadPersonalData(props.principal, claim);
  const ref = {
    claimId: claim.claimId, revision: claim.revision, currency: claim.money.currency as Currency,
    award: { scheme, offenderPaidMinor: claim.money.offenderPaid },
  };
  const reload = (revision = -1, done?: string) => {
    awaited.current = revision;
    announced.current = done;
    setReloads((n) => n + 1);
  };
  return (
    <section aria-labelledby="claim-title">
      <h1 id="claim-title">{t('claim.title', { reference: claim.publicReference ?? claim.claimId })}</h1>
      <p role="status" className="done">{done && t('action.done', { action: done })}</p>
      {claim.onHoldForInformation && <p className="notice" data-testid="claim-on-hold">{t('claim.onHold')}</p>}
      <dl className="facts">
        <dt>{t('claim.status')}</dt><dd data-testid="claim-status">{t(`status.${claim.status}` as MessageKey)}</dd>
        <dt>{t('claim.jurisdiction')}</dt><dd>{t(`jurisdiction.${claim.jurisdiction}` as MessageKey)}</dd>
        {claim.filedAt && <><dt>{t('claim.filedAt')}</dt><dd>{formatInstant(locale, claim.filedAt, zone)}</dd></>}
        {claim.incidentOn && <><dt>{t('claim.incidentOn')}</dt><dd>{formatLocalDate(locale, claim.incidentOn)}</dd></>}
        {claim.formOfExploitation && <><dt>{t('claim.formOfExploitation')}</dt><dd>{t(`exploitation.${claim.formOfExploitation}` as MessageKey)}</dd></>}
        {claim.evidence > 0 && <><dt>{t('claim.evidence')}</dt><dd data-testid="claim-evidence">{t('claim.documents', { count: claim.evidence })}</dd></>}
        {claim.lawyers.lead && <><dt>{t('claim.lead')}</dt><dd data-testid="claim-lead">{claim.lawyers.lead}</dd></>}
        {claim.lawyers.coCounsel.length > 0 && <><dt>{t('claim.coCounsel')}</dt><dd data-testid="claim-co-counsel">{claim.lawyers.coCounsel.join(', ')}</dd></>}
        {claim.assessor && <><dt>{t('claim.assessor')}</dt><dd data-testid="claim-assessor">{claim.assessor}</dd></>}
        {claim.fund.approvals.length > 0 && <><dt>{t('claim.approvals')}</dt><dd>{t('claim.approvalsOf', { given: claim.fund.approvals.length, needed: claim.fund.approvalsNeeded })}</dd></>}
      </dl>
      <h2>{t('claim.money')}</h2>
      <dl className="facts amounts">
        <dt>{t('claim.claimed')}</dt><dd data-testid="claim-claimed">{money(claim.money.claimed)}</dd>
        {claim.money.offenderPaid > 0 && <><dt>{t('claim.offenderPaid')}</dt><dd data-testid="claim-offender-paid">{money(claim.money.offenderPaid)}</dd></>}
        <dt>{t('claim.awarded')}</dt><dd data-testid="claim-awarded">{money(claim.money.awarded)}</dd>
        <dt>{t('claim.paid')}</dt><dd data-testid="claim-paid">{money(claim.money.paid)}</dd>
        <dt>{t('claim.outstanding')}</dt><dd>{money(claim.money.outstanding)}</dd>
      </dl>
      <h2>{t('claim.byHead')}</h2>
      <ul>
        {claim.moneyByHead.claimed.map((h) => <li key={h.head}>{t(`head.${h.head}` as MessageKey)}: {formatMoney(locale, h.amount.amountMinor, h.amount.currency)}</li>)}
      </ul>
      {claim.fund.instalments.length > 0 && (
        <>
          <h2>{t('claim.instalments')}</h2>
          <ul>
            {claim.fund.instalments.map((i) => (
              <li key={i.number}>
                {t('claim.instalment', { number: i.number, amount: formatMoney(locale, i.amount.amountMinor, i.amount.currency), dueOn: formatLocalDate(locale, i.dueOn) })}
                {' · '}{t(`instalment.${i.status}` as MessageKey)}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>{t('claim.payee')}</h2>
      <p data-testid="claim-payee">
        {claim.payee.current
          ? t('claim.payeeCurrent', { kind: t(`payeeKind.${claim.payee.current.kind}` as MessageKey), account: claim.payee.current.maskedAccount })
          : t('claim.payeeNone')}
      </p>
      {claim.payee.pending && (
        <p className="notice" data-testid="claim-payee-pending">
          {t('claim.payeePending', { change: claim.payee.pending.change, kind: t(`payeeKind.${claim.payee.pending.kind}` as MessageKey), account: claim.payee.pending.maskedAccount })}
        </p>
      )}
      <PersonalDataPanel claimId={claim.claimId} erased={claim.personalData.erased} mayRead={mayRead} language={language} onLanguage={setLanguage} />
      <InformationRequestsPanel claimId={claim.claimId} requests={claim.informationRequests} mayRead={mayRead} timeZone={zone} />
      <DocumentsPanel
        claimId={claim.claimId} documents={claim.documents} mayHandle={mayRead} erased={claim.personalData.erased} timeZone={zone}
        // Uploading is a lawyer's on the claim, or fund staff's who may read it (the command service decides).
        mayUpload={mayRead && ACTIVE_STATUSES.includes(claim.status)}
        onUploaded={(revision) => reload(revision, t('documents.upload'))}
      />
      <p className="muted">{t('claim.revision', { revision: claim.revision })}</p>
      {actions.length > 0 && (
        <section aria-labelledby="actions-title">
          <h2 id="actions-title">{t('claim.actions')}</h2>
          <Suspense fallback={<p>{t('app.loading')}</p>}>
            {actions.map((a) => (
              <ActionForm
                // A new revision draws fresh forms: what was typed for the old state is not sent against the new one.
                // The values it starts on, too: the victim's language once shown.
                key={`${a.path}@${claim.revision}@${a.fields.map((f) => String(f.initial)).join()}`} action={a} claim={ref} onReload={() => reload()}
                onDone={(revision, body) => {
                  // The language set is the one in force now: the form and the data shown start on it.
                  if (a.command === 'setPreferredLanguage' && language !== undefined) setLanguage((body.preferredLanguage ?? null) as Locale | null);
                  reload(revision, t(a.title, a.titleValues));
                }}
              />
            ))}
          </Suspense>
        </section>
      )}
      {props.principal.roles.includes('auditor') && (
        <Suspense fallback={<p>{t('app.loading')}</p>}>
          <ClaimTimeline claimId={claim.claimId} revision={claim.revision} timeZone={zone} />
        </Suspense>
      )}
    </section>
  );
}
