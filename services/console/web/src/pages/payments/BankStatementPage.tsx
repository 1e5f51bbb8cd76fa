/**
 * An imported bank statement (the projection's GET /bank-statements/{id}): the outcome counts, and
 * each unmatched entry (amount, direction, the bank's reference, booking date, end-to-end id and
 * why it matched nothing) with what a person said of it, or a form to resolve it with a note
 * (POST /bank-statements/{id}/entries/{n}/resolution, checked with `CommandBodies.resolveStatementEntry`).
 */
import { useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { CommandBodies, type BankStatementEntry } from '@cfund/contracts';
import { statementCounts } from '@cfund/domain';
import { api } from '../../api.ts';
import { Field } from '../../components/Field.tsx';
import { Link } from '../../components/Link.tsx';
import { useTitle } from '../../components/use-title.ts';
import { formatDateTimeZoned, formatLocalDate, formatMoney, schemeTimeZone } from '../../format.ts';
import { focusFirstError, issueMessage, type Issue } from '../../forms.ts';
import { useT } from '../../i18n/use-t.ts';
import { Refusal, useCommand } from './use-command.tsx';
import { useReloadable } from './use-reloadable.ts';
import { StatementCounts } from './StatementCounts.tsx';

type Entry = BankStatementEntry & { resolution?: { by: string; at: string; note: string } };
interface Statement { statementId: string; jurisdiction: string; complete: boolean; entryCount: number; unresolved: number; entries: Entry[] }

export function BankStatementPage(props: { statementId: string }) {
  const t = useT();
  const { locale } = useIntl();
  useTitle(t('statement.title'));
  const { value: statement, error, done, reload, after } = useReloadable<Statement>(`/api/queries/bank-statements/${props.statementId}`);

  if (error) return <p role="alert" className="error">{t('app.error', { detail: error })}</p>;
  if (statement === undefined) return <p>{t('app.loading')}</p>;
  if (statement === null) return <section aria-labelledby="statement-title"><h1 id="statement-title">{t('statement.title')}</h1><p>{t('statement.notFound')}</p></section>;

  const unmatched = statement.entries.filter((e) => e.outcome === 'unmatched');
  const zone = schemeTimeZone(statement.jurisdiction);
  return (
    <section aria-labelledby="statement-title">
      <h1 id="statement-title">{t('statement.title')}</h1>
      <p><Link to="/bank-statements">{t('statement.back')}</Link></p>
      {done && <p role="status" className="done">{done}</p>}
      {!statement.complete && <p role="alert" className="refusal">{t('statement.incomplete')}</p>}
      <p>{t('statement.entries', { count: statement.entryCount })}</p>
      <StatementCounts counts={statementCounts(statement.entries)} />
      <h2>{t('statement.unmatchedTitle', { count: statement.unresolved })}</h2>
      {unmatched.length > 0 && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label={t('statement.unmatchedTitle', { count: statement.unresolved })}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('statement.column.entry')}</th>
                <th scope="col" className="amount">{t('work.column.amount')}</th>
                <th scope="col">{t('statement.column.booking')}</th>
                <th scope="col">{t('run.column.endToEndId')}</th>
                <th scope="col">{t('statement.column.reason')}</th>
                <th scope="col">{t('statement.column.resolution')}</th>
              </tr>
            </thead>
            <tbody>
              {unmatched.map((e) => (
                <tr key={e.entry}>
                  <td>{e.entry}</td>
                  <td className="amount">{t(`statement.${e.direction}`, { amount: formatMoney(locale, e.amount.amountMinor, e.amount.currency) })}</td>
                  <td>{[e.bankReference, e.bookedOn && formatLocalDate(locale, e.bookedOn)].filter(Boolean).join(', ')}</td>
                  <td>{e.endToEndId ? <code>{e.endToEndId}</code> : ''}</td>
                  <td lang="en">{e.reason ?? ''}</td>
                  <td>{e.resolution ? t('statement.resolvedBy', { by: e.resolution.by, at: formatDateTimeZoned(locale, e.resolution.at, zone), note: e.resolution.note }) : t('statement.unresolved')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {unmatched.filter((e) => !e.resolution).map((e) => (
        <ResolveEntry key={e.entry} statementId={statement.statementId} entry={e.entry} onReload={reload} onDone={() => after(t('statement.resolvedDone', { entry: e.entry }))} />
      ))}
    </section>
  );
}

function ResolveEntry(props: { statementId: string; entry: number; onDone: () => void; onReload: () => void }) {
  const t = useT();
  const command = useCommand();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const field = `resolve.${props.entry}.note`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = CommandBodies.resolveStatementEntry.safeParse({ note: note.trim() });
    const message = checked.success ? undefined : issueMessage(t, checked.error.issues[0] as Issue);
    setError(message);
    if (!checked.success) return focusFirstError({ [field]: message ?? '' });
    const path = `/api/commands/bank-statements/${props.statementId}/entries/${props.entry}/resolution`;
    if (await command.send((key) => api(path, { method: 'POST', body: checked.data, headers: { 'idempotency-key': key } }))) props.onDone();
  };
  const titleId = `h-resolve-${props.entry}`;
  return (
    <section className="action" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('statement.resolve', { entry: props.entry })}</h3>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <Field name={field} label={t('statement.note')} error={error} hint={t('statement.noteHint')}>
          {(attrs) => <textarea {...attrs} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={command.sending}>{t('statement.resolveSubmit', { entry: props.entry })}</button>
          <Refusal problem={command.problem} onReload={props.onReload} />
        </div>
      </form>
    </section>
  );
}
