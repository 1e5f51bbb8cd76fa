/**
 * The lawyer files a claim. The form checks the body with the very schema the command service
 * uses (CommandBodies.fileClaim of @cfund/contracts): what it refuses is never sent. A 400 from
 * the service is shown on its fields; any other refusal (a domain rule) beside the button.
 */
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { CommandBodies, DAMAGE_HEADS, FORMS_OF_EXPLOITATION, type DamageHead, type Jurisdiction } from '@cfund/contracts';
import { schemeAt } from '@cfund/domain';
import { api, ApiError, type Principal } from '../api.ts';
import { Field, fieldId } from '../components/Field.tsx';
import { useTitle } from '../components/use-title.ts';
import { formatMoney, toMinor } from '../format.ts';
import { focusFirstError, issueMessage, problemPath, type Issue } from '../forms.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { navigate } from '../router.ts';
import { useRefusalSentence } from '../i18n/refusal.ts';

const TEXT_FIELDS = ['victim.fullName', 'victim.dateOfBirth', 'victim.contacts.email', 'victim.contacts.phone', 'victim.address', 'incidentOn'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

export function FileClaimPage(props: { principal: Principal }) {
  const t = useT();
  const sentence = useRefusalSentence();
  const { locale } = useIntl();
  useTitle(t('file.title'));
  const jurisdictions = props.principal.jurisdictions as Jurisdiction[];
  const [jurisdiction, setJurisdiction] = useState<Jurisdiction>(jurisdictions[0] ?? 'RS');
  const [applicantRole, setApplicantRole] = useState<'direct' | 'indirect'>('direct');
  const [formOfExploitation, setForm] = useState<(typeof FORMS_OF_EXPLOITATION)[number]>('labour');
  const [text, setText] = useState<Record<TextField, string>>(() => Object.fromEntries(TEXT_FIELDS.map((f) => [f, ''])) as Record<TextField, string>);
  const [amounts, setAmounts] = useState<Record<DamageHead, string>>(() => Object.fromEntries(DAMAGE_HEADS.map((h) => [h, ''])) as Record<DamageHead, string>);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  // One key per form: a retry after a lost answer cannot file the claim twice.
  const idempotencyKey = useRef(crypto.randomUUID());
  const scheme = useMemo(() => schemeAt(jurisdiction, new Date().toISOString()), [jurisdiction]);
  const currency = scheme.currency;

  /** The field an issue's path belongs to; `heads` maps damagesClaimed's indexes back to heads. */
  const fieldOf = (path: readonly PropertyKey[], heads: DamageHead[]): string => {
    if (path[0] === 'damagesClaimed') return typeof path[1] === 'number' && heads[path[1]] ? `head.${heads[path[1]]}` : 'damages';
    return path.map(String).join('.');
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRefusal(undefined);
    const found: Record<string, string> = {};
    const heads: DamageHead[] = [];
    const damagesClaimed = [];
    for (const head of DAMAGE_HEADS) {
      if (amounts[head].trim() === '') continue;
      const amountMinor = toMinor(amounts[head], currency);
      if (amountMinor === undefined) found[`head.${head}`] = t('error.notANumber');
      else {
        heads.push(head);
        damagesClaimed.push({ head, amount: { amountMinor, currency } });
      }
    }
    const v = (f: TextField) => text[f].trim() || undefined;
    const contacts = { ...(v('victim.contacts.email') ? { email: v('victim.contacts.email') } : {}), ...(v('victim.contacts.phone') ? { phone: v('victim.contacts.phone') } : {}) };
    const body = {
      jurisdiction, applicantRole, formOfExploitation, incidentOn: v('incidentOn'), damagesClaimed,
      victim: {
        fullName: text['victim.fullName'],
        ...(v('victim.dateOfBirth') ? { dateOfBirth: v('victim.dateOfBirth') } : {}),
        ...(Object.keys(contacts).length > 0 ? { contacts } : {}),
        ...(v('victim.address') ? { address: v('victim.address') } : {}),
      },
    };
    const checked = CommandBodies.fileClaim.safeParse(body);
    if (!checked.success) {
      for (const issue of checked.error.issues) found[fieldOf(issue.path, heads)] ??= issueMessage(t, issue as Issue);
    }
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstError(found, ['damages']);
      return;
    }
    setSending(true);
    try {
      const { body: filed } = await api<{ claimId: string }>('/api/commands/claims', {
        method: 'POST', body: checked.data, headers: { 'idempotency-key': idempotencyKey.current },
      });
      navigate(`/claims/${filed.claimId}`);
    } catch (e) {
      const problem = e instanceof ApiError ? e.problem : undefined;
      // A refusal wrote nothing: the corrected form is a new request. After a lost answer (no
      // problem, or a server error) the same key makes a retry safe.
      if (problem && problem.status < 500) idempotencyKey.current = crypto.randomUUID();
      if (problem?.status === 400 && problem.errors?.length) {
        const server: Record<string, string> = {};
        for (const err of problem.errors) server[fieldOf(problemPath(err.path), heads)] ??= err.message;
        setErrors(server);
        focusFirstError(server, ['damages']);
      } else setRefusal(sentence(e));
    } finally {
      setSending(false);
    }
  };

  const textField = (f: TextField, label: MessageKey, type = 'text', autoComplete = 'off') => (
    <Field name={f} label={t(label)} error={errors[f]}>
      {(attrs) => <input {...attrs} type={type} autoComplete={autoComplete} value={text[f]} onChange={(e) => setText({ ...text, [f]: e.target.value })} />}
    </Field>
  );

  return (
    <section aria-labelledby="file-title">
      <h1 id="file-title">{t('file.title')}</h1>
      <p>{t('file.intro', { currency, jurisdiction: t(`jurisdiction.${jurisdiction}` as MessageKey), cap: formatMoney(locale, scheme.caps.total.amountMinor, currency) })}</p>
      {Object.keys(errors).length > 0 && <p role="alert" className="error">{t('file.invalid')}</p>}
      <form noValidate onSubmit={(e) => void submit(e)}>
        <fieldset>
          <legend>{t('file.claim')}</legend>
          <Field name="jurisdiction" label={t('file.jurisdiction')} error={errors.jurisdiction}>
            {(attrs) => (
              <select {...attrs} value={jurisdiction} onChange={(e) => setJurisdiction(e.target.value as Jurisdiction)}>
                {jurisdictions.map((j) => <option key={j} value={j}>{t(`jurisdiction.${j}` as MessageKey)}</option>)}
              </select>
            )}
          </Field>
          <Field name="applicantRole" label={t('file.applicantRole')} error={errors.applicantRole}>
            {(attrs) => (
              <select {...attrs} value={applicantRole} onChange={(e) => setApplicantRole(e.target.value as 'direct' | 'indirect')}>
                <option value="direct">{t('applicantRole.direct')}</option>
                <option value="indirect">{t('applicantRole.indirect')}</option>
              </select>
            )}
          </Field>
          <Field name="formOfExploitation" label={t('file.formOfExploitation')} error={errors.formOfExploitation}>
            {(attrs) => (
              <select {...attrs} value={formOfExploitation} onChange={(e) => setForm(e.target.value as typeof formOfExploitation)}>
                {FORMS_OF_EXPLOITATION.map((f) => <option key={f} value={f}>{t(`exploitation.${f}` as MessageKey)}</option>)}
              </select>
            )}
          </Field>
          {textField('incidentOn', 'file.incidentOn', 'date')}
        </fieldset>
        <fieldset>
          <legend>{t('file.victim')}</legend>
          {textField('victim.fullName', 'file.fullName')}
          {textField('victim.dateOfBirth', 'file.dateOfBirth', 'date')}
          {textField('victim.contacts.email', 'file.email', 'email')}
          {textField('victim.contacts.phone', 'file.phone', 'tel')}
          {textField('victim.address', 'file.address')}
        </fieldset>
        <fieldset id={fieldId('damages')} tabIndex={-1} aria-describedby={`${fieldId('damages')}-hint${errors.damages ? ` ${fieldId('damages')}-error` : ''}`}>
          <legend>{t('file.damages', { currency })}</legend>
          <p id={`${fieldId('damages')}-hint`} className="hint">{t('file.damagesHint')}</p>
          {errors.damages && <p id={`${fieldId('damages')}-error`} className="field-error">{errors.damages}</p>}
          {DAMAGE_HEADS.map((head) => (
            <Field key={head} name={`head.${head}`} label={t(`head.${head}` as MessageKey)} error={errors[`head.${head}`]}>
              {(attrs) => <input {...attrs} type="text" inputMode="decimal" autoComplete="off" value={amounts[head]} onChange={(e) => setAmounts({ ...amounts, [head]: e.target.value })} />}
            </Field>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={sending}>{sending ? t('file.submitting') : t('file.submit')}</button>
          {refusal && <p role="alert" className="refusal">{t('file.refused', { detail: refusal })}</p>}
        </div>
      </form>
    </section>
  );
}
