/**
 * A claim's documents: what each is, its size and type, who uploaded it and when (never its
 * name: that may name the victim and is stored encrypted); a download through the console (the
 * projection records it like a read of personal data, and the page says so first); and an
 * upload (kind and file, checked with the API's schema, streamed as multipart/form-data).
 */
import { useRef, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { DOCUMENT_KINDS, DocumentUploadFieldsSchema } from '@cfund/contracts';
import { upload } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { formatInstant } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { useRefusalSentence } from '../i18n/refusal.ts';

export interface ClaimDocument {
  documentId: string; kind: string; size: number; contentType: string; attachedBy: string; attachedAt: string; requestId: string | null;
}

/** The types by their usual short names (the same in every language). */
const TYPE_NAMES: Record<string, string> = {
  'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/tiff': 'TIFF',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX', 'application/vnd.oasis.opendocument.text': 'ODT',
};

export function formatSize(locale: string, bytes: number): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), 'megabyte'] : [Math.max(bytes / 1024, 0.1), 'kilobyte'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

export function DocumentsPanel(props: {
  claimId: string; documents: ClaimDocument[]; mayHandle: boolean; mayUpload: boolean; erased: boolean; timeZone: string;
  onUploaded: (revision: number) => void;
}) {
  const t = useT();
  const { locale } = useIntl();
  if (!props.mayHandle) return null;
  return (
    <section aria-labelledby="documents-title">
      <h2 id="documents-title">{t('documents.title')}</h2>
      {props.documents.length === 0 ? <p>{t('documents.none')}</p> : (
        <>
          <p>{props.erased ? t('documents.erased') : t('documents.recorded')}</p>
          <ul className="plain documents" data-testid="documents">
            {props.documents.map((d, i) => (
              <li key={d.documentId} data-testid={`document-${i + 1}`}>
                <strong>{t(`documentKind.${d.kind}` as MessageKey)}</strong>
                {' · '}{TYPE_NAMES[d.contentType] ?? d.contentType}{' · '}{formatSize(locale, d.size)}
                {' · '}{t('documents.uploaded', { by: d.attachedBy, at: formatInstant(locale, d.attachedAt, props.timeZone) })}
                {!props.erased && (
                  <>
                    {' '}
                    <a
                      className="download" href={`/api/queries/claims/${props.claimId}/documents/${d.documentId}`} download
                      aria-label={t('documents.downloadNamed', { number: i + 1, kind: t(`documentKind.${d.kind}` as MessageKey) })}
                    >
                      {t('documents.download')}
                    </a>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {props.mayUpload && !props.erased && <UploadForm claimId={props.claimId} onUploaded={props.onUploaded} />}
    </section>
  );
}

function UploadForm(props: { claimId: string; onUploaded: (revision: number) => void }) {
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
