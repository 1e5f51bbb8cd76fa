/**
 * Payments due (a finance officer's): the approved advances not yet paid and the instalments due or
 * failed in their jurisdictions, from the projection's work queue (claim reference, advance or
 * instalment, due date, amount, the payee's masked account, the run that holds one already), to
 * select and prepare a payment run with an execution
 * date (POST /payment-runs, checked with `CommandBodies.preparePaymentRun` first). The run's page
 * opens once it is prepared.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { CommandBodies, type Jurisdiction } from '@cfund/contracts';
import { api, type Principal } from '../../api.ts';
import { Field } from '../../components/Field.tsx';
import { Link } from '../../components/Link.tsx';
import { paymentJurisdictions } from '../../components/may.ts';
import { useTitle } from '../../components/use-title.ts';
import { formatLocalDate, formatMoney, schemeTimeZone } from '../../format.ts';
import { focusFirstError, issueMessage, problemPath, type Issue } from '../../forms.ts';
import type { MessageKey } from '../../i18n/locales.ts';
import { useT } from '../../i18n/use-t.ts';
import { navigate } from '../../router.ts';
import { Refusal, useCommand } from './use-command.tsx';

interface Due {
  task: string; claimId: string; publicReference: string | null; jurisdiction: string; dueOn?: string; instalment?: number; advance?: number;
  amount?: { amountMinor: number; currency: string }; maskedAccount?: string | null; runId?: string | null;
}

const PAYMENT_TASKS = new Set(['pay-advance', 'disburse-instalment', 'retry-instalment']);
const keyOf = (d: Due) => (d.advance !== undefined ? `${d.claimId}#advance-${d.advance}` : `${d.claimId}#instalment-${d.instalment}`);
/** The payment as POST /payment-runs names it. */
const paymentOf = (d: Due) => (d.advance !== undefined ? { claimId: d.claimId, advance: d.advance } : { claimId: d.claimId, instalment: d.instalment });
/** Today where the scheme is: the earliest day a bank can be asked to execute. */
const todayIn = (jurisdiction: string) => new Intl.DateTimeFormat('en-CA', { timeZone: schemeTimeZone(jurisdiction) }).format(new Date());

export function PaymentsPage(props: { principal: Principal }) {
  const t = useT();
  const { locale } = useIntl();
  useTitle(t('payments.title'));
  const jurisdictions = paymentJurisdictions(props.principal);
  const [jurisdiction, setJurisdiction] = useState<Jurisdiction | undefined>(jurisdictions[0]);
  const [due, setDue] = useState<Due[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reloads, setReloads] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [executionOn, setExecutionOn] = useState(() => todayIn(jurisdictions[0] ?? 'RS'));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const command = useCommand();

  useEffect(() => {
    setDue(undefined);
    api<{ items: Due[] }>('/api/queries/work-queue').then(
      ({ body }) => setDue(body.items.filter((i) => PAYMENT_TASKS.has(i.task) && (i.instalment !== undefined || i.advance !== undefined))),
      (e: unknown) => setError((e as Error).message),
    );
  }, [reloads]);

  const shown = (due ?? []).filter((d) => d.jurisdiction === jurisdiction);
  const toggle = (key: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(key);
    else next.delete(key);
    setSelected(next);
  };

  const prepare = async (event: FormEvent) => {
    event.preventDefault();
    const payments = shown.filter((d) => selected.has(keyOf(d))).map(paymentOf);
    const checked = CommandBodies.preparePaymentRun.safeParse({ jurisdiction, executionOn, payments });
    const found: Record<string, string> = {};
    const fieldOf = (path: readonly PropertyKey[]) => (path[0] === 'executionOn' ? 'run.executionOn' : 'run.payments');
    if (!checked.success) {
      for (const issue of checked.error.issues) found[fieldOf(issue.path)] ??= issueMessage(t, issue as Issue, 'payments.noneSelected');
    }
    setErrors(found);
    if (!checked.success) return focusFirstError(found, ['run.payments']);
    const result = await command.send((key) => api<{ runId: string }>('/api/commands/payment-runs', { method: 'POST', body: checked.data, headers: { 'idempotency-key': key } }));
    if (result) navigate(`/payment-runs/${result.body.runId}`);
  };
  // A 400's field errors on their fields, like the schema's own issues.
  useEffect(() => {
    const p = command.problem;
    if (p?.status !== 400 || !p.errors?.length) return;
    const server: Record<string, string> = {};
    for (const e of p.errors) server[problemPath(e.path)[0] === 'executionOn' ? 'run.executionOn' : 'run.payments'] ??= e.message;
    setErrors(server);
    focusFirstError(server, ['run.payments']);
  }, [command.problem]);

  return (
    <section aria-labelledby="payments-title">
      <h1 id="payments-title">{t('payments.title')}</h1>
      <p>{t('payments.intro')}</p>
      <p><Link to="/payment-runs">{t('runs.title')}</Link> · <Link to="/bank-statements">{t('statements.title')}</Link></p>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!due && !error && <p>{t('app.loading')}</p>}
      {due && (
        <form noValidate onSubmit={(e) => void prepare(e)}>
          {jurisdictions.length > 1 && (
            <Field name="run.jurisdiction" label={t('payments.jurisdiction')}>
              {(attrs) => (
                <select {...attrs} value={jurisdiction} onChange={(e) => { setJurisdiction(e.target.value as Jurisdiction); setSelected(new Set()); }}>
                  {jurisdictions.map((j) => <option key={j} value={j}>{t(`jurisdiction.${j}` as MessageKey)}</option>)}
                </select>
              )}
            </Field>
          )}
          <fieldset id="f-run-payments" tabIndex={-1} aria-describedby={errors['run.payments'] ? 'f-run-payments-error' : undefined}>
            <legend>{t('payments.due', { count: shown.length })}</legend>
            {errors['run.payments'] && <p id="f-run-payments-error" className="field-error">{errors['run.payments']}</p>}
            {shown.length > 0 && (
              <div className="table-scroll" tabIndex={0} role="region" aria-label={t('payments.due', { count: shown.length })}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('payments.column.select')}</th>
                      <th scope="col">{t('claims.column.reference')}</th>
                      <th scope="col">{t('payments.column.payment')}</th>
                      <th scope="col">{t('payments.column.due')}</th>
                      <th scope="col" className="amount">{t('work.column.amount')}</th>
                      <th scope="col">{t('payments.column.account')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((d) => {
                      const reference = d.publicReference ?? d.claimId;
                      const payment = d.advance !== undefined ? t('payments.advance', { number: d.advance }) : t('payments.instalment', { number: d.instalment ?? 0 });
                      return (
                        <tr key={keyOf(d)}>
                          <td>
                            {d.runId
                              ? <Link to={`/payment-runs/${d.runId}`}>{t('payments.inRun')}</Link>
                              : (
                                <input
                                  type="checkbox" aria-label={t('payments.select', { reference, payment })} checked={selected.has(keyOf(d))}
                                  disabled={!d.maskedAccount} onChange={(e) => toggle(keyOf(d), e.target.checked)}
                                />
                              )}
                          </td>
                          <td><Link to={`/claims/${d.claimId}`} aria-label={t('claims.open', { reference })}>{reference}</Link></td>
                          <td>{payment}{d.task === 'retry-instalment' && ` (${t('payments.failedBefore')})`}</td>
                          <td>{d.dueOn ? formatLocalDate(locale, d.dueOn) : d.advance !== undefined ? t('payments.dueOnApproval') : ''}</td>
                          <td className="amount">{d.amount ? formatMoney(locale, d.amount.amountMinor, d.amount.currency) : ''}</td>
                          <td>{d.maskedAccount ?? t('payments.noPayee')}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </fieldset>
          <Field name="run.executionOn" label={t('payments.executionOn')} error={errors['run.executionOn']}>
            {(attrs) => <input {...attrs} type="date" value={executionOn} onChange={(e) => setExecutionOn(e.target.value)} />}
          </Field>
          <div className="actions">
            <button type="submit" disabled={command.sending}>{t('payments.prepare', { count: selected.size })}</button>
            <Refusal problem={command.problem?.status === 400 && command.problem.errors?.length ? undefined : command.problem} onReload={() => setReloads((n) => n + 1)} />
          </div>
        </form>
      )}
    </section>
  );
}
