/**
 * Bank statements (a finance officer's): upload a camt.053 file of a fund account (POST
 * /bank-statements as application/xml; the file is read in the browser and sent whole), then the
 * import's result: how many entries paid, returned, unmatched and not booked, and the way to the
 * statement's page to resolve the unmatched ones. The statement's account names its jurisdiction.
 */
import { useState, type FormEvent } from 'react';
import { postText } from '../../api.ts';
import { Field } from '../../components/Field.tsx';
import { Link } from '../../components/Link.tsx';
import { useTitle } from '../../components/use-title.ts';
import { focusFirstError } from '../../forms.ts';
import { useT } from '../../i18n/use-t.ts';
import { Refusal, useCommand } from './use-command.tsx';
import { StatementCounts, type Counts } from './StatementCounts.tsx';

interface Imported { statementId: string; imported: boolean; entryCount: number; counts: Counts }

export function BankStatementsPage() {
  const t = useT();
  useTitle(t('statements.title'));
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
    <section aria-labelledby="statements-title">
      <h1 id="statements-title">{t('statements.title')}</h1>
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
    </section>
  );
}
