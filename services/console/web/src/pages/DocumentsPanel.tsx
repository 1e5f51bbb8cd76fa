/**
 * A claim's documents: what each is, its size and type, who uploaded it and when (never its
 * name: that may name the victim and is stored encrypted); a download through the console (the
 * projection records it like a read of personal data, and the page says so first); and an
 * upload (kind and file, checked with the API's schema, streamed as multipart/form-data).
 */
import { lazy, Suspense } from 'react';
import { useIntl } from 'react-intl';
import { formatInstant } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

// The upload form checks with the API's schema (zod): it loads once the claim is on screen, as the action forms do.
const UploadForm = lazy(() => import('./DocumentUploadForm.tsx').then((m) => ({ default: m.DocumentUploadForm })));

export interface ClaimDocument {
  documentId: string; kind: string; size: number; contentType: string; attachedBy: string; attachedAt: string; request: number | null;
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
      {props.mayUpload && !props.erased && (
        <Suspense fallback={<p>{t('app.loading')}</p>}>
          <UploadForm claimId={props.claimId} onUploaded={props.onUploaded} />
        </Suspense>
      )}
    </section>
  );
}
