/**
 * Bank statements. A finance officer uploads a camt.053 file of a fund account (POST
 * /bank-statements as application/xml; the file is read in the browser and sent whole), then sees
 * the import's result: how many entries paid, returned, unmatched and not booked, and the way to the
 * statement's page to resolve the unmatched ones. The statement's account names its jurisdiction.
 * Below, for finance officers, fund admins and auditors of the jurisdiction, the statements
 * imported (the projection's GET /bank-statements), newest first, filtered by state (kept in the
 * URL) and jurisdiction, a page at a time; each opens its page.
 */
import { useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { postText, type Principal } from '../../api.ts';
import { Field } from '../../components/Field.tsx';
import { Link } from '../../components/Link.tsx';
import { paymentJurisdictions } from '../../components/may.ts';
import { useTitle } from '../../components/use-title.ts';
import { formatDateTimeZoned, homeTimeZone } from '../../format.ts';
import { focusFirstError } from '../../forms.ts';
import type { MessageKey } from '../../i18n/locales.ts';
import { useT } from '../../i18n/use-t.ts';
import { navigate } from '../../router.ts';
import { STATEMENT_STATES, type StatementState } from '../../../../src/routes.ts';
import { ListBody, ListFilters, PAGE_SIZE, listPath, useListPage } from './ListPage.tsx';
import { Refusal, useCommand } from './use-command.tsx';
import { StatementCounts, type Counts } from './StatementCounts.tsx';

interface Imported { statementId: string; imported: boolean; entryCount: number; counts: Counts }

export function BankStatementsPage(props: { principal: Principal; offset: number; state: StatementState | undefined }) {
  const t = useT();
  useTitle(t('statements.title'));
  const imports = paymentJurisdictions(props.principal).length > 0;
  return (
    <section aria-labelledby="statements-title">
      <h1 id="statements-title">{t('statements.title')}</h1>
      {imports && <ImportForm />}
      <ImportedStatements {...props} />
    </section>
  );
}

function ImportForm() {
  const t = useT();
  const [file, setFile] = useState<File | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<Imported | undefined>(undefined);
  const command = useCommand();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult(undefined);
    if (!file) {
      setError(t('error.required'));
      return focusFirstError({ statement: 'required' });
    }
    setError(undefined);
    const text = await file.text();
    const answer = await command.send(() => postText<Imported>('/api/commands/bank-statements', 'application/xml', text));
    if (answer) setResult(answer.body);
  };

  return (
    <>
      <p>{t('statements.intro')}</p>
      <p><Link to="/payments">{t('run.back')}</Link></p>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <Field name="statement" label={t('statements.file')} error={error} hint={t('statements.fileHint')}>
          {(attrs) => <input {...attrs} type="file" accept=".xml,application/xml,text/xml" onChange={(e) => setFile(e.target.files?.[0])} />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={command.sending}>{t('statements.upload')}</button>
          <Refusal problem={command.problem} onReload={() => window.location.reload()} />
        </div>
      </form>
      {result && (
        <section aria-labelledby="import-result" role="status">
          <h2 id="import-result">{t(result.imported ? 'statements.imported' : 'statements.alreadyImported', { count: result.entryCount })}</h2>
          <StatementCounts counts={result.counts} />
          <p><Link to={`/bank-statements/${result.statementId}`}>{t('statements.open')}</Link></p>
        </section>
      )}
    </>
  );
}

interface Statement {
  statementId: string; jurisdiction: string; state: StatementState; messageId: string; importedBy: string; importedAt: string;
  entryCount: number; counts: Counts; unresolved: number;
}

function ImportedStatements(props: { principal: Principal; offset: number; state: StatementState | undefined }) {
  const t = useT();
  const { locale } = useIntl();
  const title = t('statements.list');
  const [jurisdiction, setJurisdiction] = useState<string | undefined>(undefined);
  const { page, error } = useListPage<Statement>('/api/queries/bank-statements', {
    state: props.state, jurisdiction, offset: String(props.offset), limit: String(PAGE_SIZE),
  });
  const to = (state: StatementState | undefined, offset: number) => navigate(listPath('/bank-statements', { name: 'state', value: state }, offset));
  const timeZone = homeTimeZone(props.principal.jurisdictions);
  return (
    <section aria-labelledby="imported-title">
      <h2 id="imported-title">{title}</h2>
      <ListFilters
        label={t('statements.filters')} name="state" values={STATEMENT_STATES} value={props.state} anyLabel={t('statements.anyState')}
        wordOf={(s) => `statementState.${s}` as MessageKey} onValue={(s) => to(s, 0)}
        principal={props.principal} jurisdiction={jurisdiction} onJurisdiction={(j) => { setJurisdiction(j); to(props.state, 0); }}
      />
      <ListBody
        title={title} page={page} error={error} empty={t('statements.count', { total: 0 })} onOffset={(offset) => to(props.state, offset)}
        count={t('statements.count', { total: page?.total ?? 0 })}
        range={t('statements.range', { from: (page?.offset ?? 0) + 1, to: (page?.offset ?? 0) + (page?.items.length ?? 0), total: page?.total ?? 0 })}
      >
        <div className="table-scroll" tabIndex={0} role="region" aria-label={title}>
          <table data-testid="bank-statements">
            <thead>
              <tr>
                <th scope="col">{t('statements.column.imported')}</th>
                <th scope="col">{t('statements.column.message')}</th>
                <th scope="col">{t('statements.state')}</th>
                <th scope="col">{t('statements.column.entries')}</th>
                <th scope="col">{t('statements.column.unresolved')}</th>
                <th scope="col">{t('statements.column.by')}</th>
              </tr>
            </thead>
            <tbody>
              {page?.items.map((s) => {
                const at = formatDateTimeZoned(locale, s.importedAt, timeZone);
                return (
                  <tr key={s.statementId}>
                    <td><Link to={`/bank-statements/${s.statementId}`} aria-label={t('statements.openImported', { at })}>{at}</Link></td>
                    <td>{s.messageId}</td>
                    <td>{t(`statementState.${s.state}` as MessageKey)}</td>
                    <td>{t('statement.entries', { count: s.entryCount })}</td>
                    <td>{s.unresolved}</td>
                    <td>{s.importedBy}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </ListBody>
    </section>
  );
}
