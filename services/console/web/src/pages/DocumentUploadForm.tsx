/** A claim's document upload: its kind and file, checked with the API's schema, streamed as multipart/form-data. */
import { useRef, useState, type FormEvent } from 'react';
import { DOCUMENT_KINDS, DocumentUploadFieldsSchema } from '@cfund/contracts';
import { upload } from '../api.ts';
import { Field } from '../components/Field.tsx';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { useRefusalSentence } from '../i18n/refusal.ts';

export function DocumentUploadForm(props: { claimId: string; onUploaded: (revision: number) => void }) {
  const t = useT();
  const sentence = useRefusalSentence();
  const [kind, setKind] = useState<string>(DOCUMENT_KINDS[0]);
  const [errors, setErrors] = useState<{ kind?: string; file?: string }>({});
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const file = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRefusal(undefined);
    const checked = DocumentUploadFieldsSchema.safeParse({ kind });
    const chosen = file.current?.files?.[0];
    const found = { ...(checked.success ? {} : { kind: t('error.required') }), ...(chosen && chosen.size > 0 ? {} : { file: t('error.required') }) };
    setErrors(found);
    if (!checked.success || !chosen || chosen.size === 0) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('#upload [aria-invalid="true"]')?.focus());
      return;
    }
    // The fields before the file: the command service reads them first.
    const form = new FormData();
    form.append('kind', checked.data.kind);
    form.append('file', chosen);
    setSending(true);
    try {
      const { body } = await upload<{ revision: number }>(`/api/commands/claims/${props.claimId}/documents`, form);
      if (file.current) file.current.value = '';
      props.onUploaded(body.revision);
    } catch (e) {
      setRefusal(sentence(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="action" aria-labelledby="upload-title" id="upload">
      <h3 id="upload-title">{t('documents.upload')}</h3>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <Field name="upload.kind" label={t('documents.kind')} error={errors.kind}>
          {(attrs) => (
            <select {...attrs} value={kind} onChange={(e) => setKind(e.target.value)}>
              {DOCUMENT_KINDS.map((k) => <option key={k} value={k}>{t(`documentKind.${k}` as MessageKey)}</option>)}
            </select>
          )}
        </Field>
        <Field name="upload.file" label={t('documents.file')} error={errors.file} hint={t('documents.fileHint')}>
          {(attrs) => <input {...attrs} ref={file} type="file" accept=".pdf,.jpg,.jpeg,.png,.tif,.tiff,.docx,.odt" />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={sending}>{t('documents.uploadSubmit')}</button>
          {refusal && <p role="alert" className="refusal">{t('action.refused', { detail: refusal })}</p>}
        </div>
      </form>
    </section>
  );
}
