/**
 * For the data-protection officer: erase a victim's personal data (crypto-shredding by the
 * command service: the victim's key is destroyed, the claim's financial and procedural trail
 * stays). It cannot be undone, so it takes two steps: the claim and the reason, then a
 * confirmation that names what will happen. Afterwards the claim reads `[erased]` everywhere.
 */
import { useRef, useState, type FormEvent } from 'react';
import { CommandBodies, victimRefOf } from '@cfund/contracts';
import { api, ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { useTitle } from '../components/use-title.ts';
import { focusFirstError, issueMessage, type Issue } from '../forms.ts';
import { useT } from '../i18n/use-t.ts';
import { useRefusalSentence } from '../i18n/refusal.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Step = 'ask' | 'confirm' | 'erased';

export function ErasurePage(props: { claimId: string }) {
  const t = useT();
  const sentence = useRefusalSentence();
  const title = t('erasure.title');
  useTitle(title);
  const [claimId, setClaimId] = useState(props.claimId);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [step, setStep] = useState<Step>('ask');
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  // One key per erasure asked for: a retry after a lost answer cannot erase twice.
  const idempotencyKey = useRef(crypto.randomUUID());

  const review = (e: FormEvent) => {
    e.preventDefault();
    setRefusal(undefined);
    const found: Record<string, string> = {};
    if (!UUID.test(claimId.trim())) found['erasure.claimId'] = claimId.trim() ? t('error.format') : t('error.required');
    const checked = CommandBodies.eraseVictimData.safeParse({ reason });
    if (!checked.success) for (const issue of checked.error.issues) found['erasure.reason'] ??= issueMessage(t, issue as Issue);
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirstError(found);
    setStep('confirm');
  };

  const erase = async () => {
    setSending(true);
    setRefusal(undefined);
    try {
      const body = CommandBodies.eraseVictimData.parse({ reason });
      await api(`/api/commands/victims/${victimRefOf(claimId.trim().toLowerCase())}/erasure`, {
        method: 'POST', body, headers: { 'idempotency-key': idempotencyKey.current },
      });
      setStep('erased');
    } catch (e) {
      if (e instanceof ApiError && e.problem.status < 500) idempotencyKey.current = crypto.randomUUID();
      setRefusal(sentence(e));
      setStep('ask');
    } finally {
      setSending(false);
    }
  };

  const again = () => {
    idempotencyKey.current = crypto.randomUUID();
    setClaimId('');
    setReason('');
    setStep('ask');
  };

  return (
    <section aria-labelledby="erasure-title">
      <h1 id="erasure-title">{title}</h1>
      <p>{t('erasure.intro')}</p>
      {step === 'ask' && (
        <form onSubmit={review} noValidate>
          <Field name="erasure.claimId" label={t('erasure.claimId')} error={errors['erasure.claimId']} hint={t('erasure.claimIdHint')}>
            {(attrs) => <input {...attrs} type="text" autoComplete="off" spellCheck={false} value={claimId} onChange={(e) => setClaimId(e.target.value)} />}
          </Field>
          <Field name="erasure.reason" label={t('erasure.reason')} error={errors['erasure.reason']}>
            {(attrs) => <textarea {...attrs} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
          <div className="actions">
            <button type="submit">{t('erasure.continue')}</button>
            {refusal && <p role="alert" className="refusal">{t('erasure.refused', { detail: refusal })}</p>}
          </div>
        </form>
      )}
      {step === 'confirm' && (
        <div role="alertdialog" aria-labelledby="erasure-confirm-title" aria-describedby="erasure-confirm-text" className="confirm">
          <h2 id="erasure-confirm-title">{t('erasure.confirmTitle')}</h2>
          <p id="erasure-confirm-text">{t('erasure.confirmText', { claimId: claimId.trim() })}</p>
          <div className="actions">
            <button type="button" className="danger" disabled={sending} onClick={() => void erase()}>{t('erasure.erase')}</button>
            <button type="button" className="secondary" disabled={sending} onClick={() => setStep('ask')}>{t('erasure.cancel')}</button>
          </div>
        </div>
      )}
      {step === 'erased' && (
        <div role="status" className="done">
          <p>{t('erasure.done', { claimId: claimId.trim() })}</p>
          <button type="button" className="secondary" onClick={again}>{t('erasure.another')}</button>
        </div>
      )}
    </section>
  );
}
