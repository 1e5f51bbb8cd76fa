/**
 * A payment run (the projection's GET /payment-runs/{id}): status, execution date, who prepared and
 * released it, its total, its payments (masked accounts only) and those voided with who and why.
 * While prepared: release it (a second finance officer: the API refuses the one who prepared it,
 * or approved an award in it, with the four-eyes sentence shown beside the button), cancel it, or
 * void one payment, each with its reason. Once released: the bank file (pain.001) to download.
 * Only a finance officer of the run's jurisdiction is offered these (others read the run); one whom
 * the four-eyes rule bars from the release sees it disabled, with the rule's reason (may.ts: the
 * domain's rules).
 */
import { useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { CommandBodies } from '@cfund/contracts';
import { api, type Principal } from '../../api.ts';
import { Field } from '../../components/Field.tsx';
import { Link } from '../../components/Link.tsx';
import { mayHandlePaymentRun, releaseRefusal } from '../../components/may.ts';
import { useTitle } from '../../components/use-title.ts';
import { formatDateTimeZoned, formatLocalDate, formatMoney, schemeTimeZone } from '../../format.ts';
import { focusFirstError, issueMessage, type Issue } from '../../forms.ts';
import type { MessageKey } from '../../i18n/locales.ts';
import { useT } from '../../i18n/use-t.ts';
import { refusalSentence } from '../../i18n/refusal.ts';
import { Refusal, useCommand } from './use-command.tsx';
import { useReloadable } from './use-reloadable.ts';

type Money = { amountMinor: number; currency: string };
interface RunPayment {
  claimId: string; publicReference: string; payment: { kind: 'instalment' | 'advance'; number: number }; amount: Money;
  endToEndId: string; payeeKind: string; maskedAccount: string; deciders: string[]; voided?: { by: string; at: string; reason: string };
}
interface Run {
  runId: string; jurisdiction: string; status: 'prepared' | 'released' | 'cancelled'; executionOn: string; preparedBy: string; preparedAt: string;
  total: Money; payable: number; payments: RunPayment[]; released?: { by: string; at: string; messageId: string };
}

export function PaymentRunPage(props: { runId: string; principal: Principal }) {
  const t = useT();
  const intl = useIntl();
  const { locale } = intl;
  useTitle(t('run.title'));
  const { value: run, error, done, reload, after } = useReloadable<Run>(`/api/queries/payment-runs/${props.runId}`);

  if (error) return <p role="alert" className="error">{t('app.error', { detail: error })}</p>;
  if (run === undefined) return <p>{t('app.loading')}</p>;
  if (run === null) return <section aria-labelledby="run-title"><h1 id="run-title">{t('run.title')}</h1><p>{t('run.notFound')}</p></section>;

  const zone = schemeTimeZone(run.jurisdiction);
  const at = (iso: string) => formatDateTimeZoned(locale, iso, zone);
  const handles = mayHandlePaymentRun(props.principal, run);
  const barred = releaseRefusal(props.principal, run);
  const paymentWords = (p: RunPayment) => t(p.payment.kind === 'instalment' ? 'payments.instalment' : 'payments.advance', { number: p.payment.number });
  return (
    <section aria-labelledby="run-title">
      <h1 id="run-title">{t('run.title')}</h1>
      <p><Link to="/payments">{t('run.back')}</Link></p>
      {done && <p role="status" className="done">{done}</p>}
      <dl className="facts">
        <dt>{t('run.status')}</dt><dd data-testid="run-status">{t(`runStatus.${run.status}` as MessageKey)}</dd>
        <dt>{t('claim.jurisdiction')}</dt><dd>{t(`jurisdiction.${run.jurisdiction}` as MessageKey)}</dd>
        <dt>{t('payments.executionOn')}</dt><dd>{formatLocalDate(locale, run.executionOn)}</dd>
        <dt>{t('run.prepared')}</dt><dd>{t('run.byAt', { by: run.preparedBy, at: at(run.preparedAt) })}</dd>
        {run.released && <><dt>{t('run.released')}</dt><dd>{t('run.byAt', { by: run.released.by, at: at(run.released.at) })}</dd></>}
        <dt>{t('run.total')}</dt><dd data-testid="run-total">{t('run.totalOf', { total: formatMoney(locale, run.total.amountMinor, run.total.currency), count: run.payable })}</dd>
      </dl>
      <h2>{t('run.payments')}</h2>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={t('run.payments')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('claims.column.reference')}</th>
              <th scope="col">{t('payments.column.payment')}</th>
              <th scope="col" className="amount">{t('work.column.amount')}</th>
              <th scope="col">{t('payments.column.account')}</th>
              <th scope="col">{t('run.column.endToEndId')}</th>
              <th scope="col">{t('run.column.state')}</th>
            </tr>
          </thead>
          <tbody>
            {run.payments.map((p) => (
              <tr key={p.endToEndId}>
                <td><Link to={`/claims/${p.claimId}`} aria-label={t('claims.open', { reference: p.publicReference })}>{p.publicReference}</Link></td>
                <td>{paymentWords(p)}</td>
                <td className="amount">{formatMoney(locale, p.amount.amountMinor, p.amount.currency)}</td>
                <td>{t(`payeeKind.${p.payeeKind}` as MessageKey)}: {p.maskedAccount}</td>
                <td><code>{p.endToEndId}</code></td>
                <td>{p.voided ? t('run.voided', { by: p.voided.by, at: at(p.voided.at), reason: p.voided.reason }) : t('run.paying')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!handles && <p className="hint" data-testid="run-read-only">{t('run.readOnly')}</p>}
      {handles && run.status === 'released' && (
        <p>
          <a href={`/api/queries/payment-runs/${run.runId}/pain.001`} download data-testid="pain001">{t('run.download')}</a>
          {' '}<span className="hint">{t('run.downloadRecorded')}</span>
        </p>
      )}
      {handles && run.status === 'prepared' && (
        <>
          <ReleaseRun run={run} barred={barred && refusalSentence(intl, barred)} onDone={() => after(t('run.releasedDone'))} onReload={reload} />
          <VoidPayment run={run} describe={paymentWords} onDone={() => after(t('run.voidedDone'))} onReload={reload} />
          <CancelRun run={run} onDone={() => after(t('run.cancelledDone'))} onReload={reload} />
        </>
      )}
    </section>
  );
}

/** `barred`: why the user may not release it (four-eyes): the button is disabled, the reason beside it. */
function ReleaseRun(props: { run: Run; barred: string | undefined; onDone: () => void; onReload: () => void }) {
  const t = useT();
  const command = useCommand();
  const release = async () => {
    const body = CommandBodies.releasePaymentRun.parse({});
    if (await command.send((key) => api(`/api/commands/payment-runs/${props.run.runId}/release`, { method: 'POST', body, headers: { 'idempotency-key': key } }))) props.onDone();
  };
  return (
    <section className="action" aria-labelledby="h-release">
      <h2 id="h-release">{t('run.release')}</h2>
      <p>{t('run.releaseIntro')}</p>
      <div className="actions">
        <button type="button" disabled={command.sending || props.barred !== undefined} aria-describedby={props.barred ? 'release-barred' : undefined}
          onClick={() => void release()}>{t('run.releaseSubmit')}</button>
        {props.barred && <p id="release-barred" className="refusal" data-testid="release-barred">{t('run.releaseBarred', { reason: props.barred })}</p>}
        <Refusal problem={command.problem} onReload={props.onReload} />
      </div>
    </section>
  );
}

/** A reason, checked with the command's schema, then sent. */
function useReason(schemaCheck: (reason: string) => Issue[] | undefined) {
  const t = useT();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const check = (field: string): boolean => {
    const issues = schemaCheck(reason.trim());
    const message = issues?.[0] ? issueMessage(t, issues[0]) : undefined;
    setError(message);
    if (message) focusFirstError({ [field]: message });
    return !message;
  };
  return { reason, setReason, error, check };
}

function CancelRun(props: { run: Run; onDone: () => void; onReload: () => void }) {
  const t = useT();
  const command = useCommand();
  const r = useReason((reason) => {
    const checked = CommandBodies.cancelPaymentRun.safeParse({ reason });
    return checked.success ? undefined : checked.error.issues as Issue[];
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!r.check('cancel.reason')) return;
    const body = { reason: r.reason.trim() };
    if (await command.send((key) => api(`/api/commands/payment-runs/${props.run.runId}/cancellation`, { method: 'POST', body, headers: { 'idempotency-key': key } }))) props.onDone();
  };
  return (
    <section className="action" aria-labelledby="h-cancel">
      <h2 id="h-cancel">{t('run.cancel')}</h2>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <Field name="cancel.reason" label={t('run.reason')} error={r.error}>
          {(attrs) => <textarea {...attrs} rows={2} value={r.reason} onChange={(e) => r.setReason(e.target.value)} />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={command.sending}>{t('run.cancelSubmit')}</button>
          <Refusal problem={command.problem} onReload={props.onReload} />
        </div>
      </form>
    </section>
  );
}

function VoidPayment(props: { run: Run; describe: (p: RunPayment) => string; onDone: () => void; onReload: () => void }) {
  const t = useT();
  const command = useCommand();
  const payable = props.run.payments.filter((p) => !p.voided);
  const [which, setWhich] = useState(payable[0]?.endToEndId ?? '');
  // The one chosen, or the first still paid once the chosen one is voided.
  const chosen = payable.find((p) => p.endToEndId === which) ?? payable[0];
  const bodyOf = (reason: string) => chosen && { claimId: chosen.claimId, [chosen.payment.kind]: chosen.payment.number, reason };
  const r = useReason((reason) => {
    const checked = CommandBodies.voidPayment.safeParse(bodyOf(reason));
    return checked.success ? undefined : checked.error.issues as Issue[];
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!r.check('void.reason')) return;
    const body = bodyOf(r.reason.trim());
    if (await command.send((key) => api(`/api/commands/payment-runs/${props.run.runId}/voided-payments`, { method: 'POST', body, headers: { 'idempotency-key': key } }))) {
      r.setReason('');
      props.onDone();
    }
  };
  if (payable.length === 0) return null;
  return (
    <section className="action" aria-labelledby="h-void">
      <h2 id="h-void">{t('run.void')}</h2>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <Field name="void.payment" label={t('run.voidWhich')}>
          {(attrs) => (
            <select {...attrs} value={chosen?.endToEndId} onChange={(e) => setWhich(e.target.value)}>
              {payable.map((p) => <option key={p.endToEndId} value={p.endToEndId}>{`${p.publicReference}: ${props.describe(p)}`}</option>)}
            </select>
          )}
        </Field>
        <Field name="void.reason" label={t('run.reason')} error={r.error}>
          {(attrs) => <textarea {...attrs} rows={2} value={r.reason} onChange={(e) => r.setReason(e.target.value)} />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={command.sending}>{t('run.voidSubmit')}</button>
          <Refusal problem={command.problem} onReload={props.onReload} />
        </div>
      </form>
    </section>
  );
}
