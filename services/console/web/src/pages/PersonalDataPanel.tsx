/**
 * The victim's personal data on the claim page: never fetched until the user asks, saying first
 * that the read is recorded (who and when; auditors and the data-protection officer see it). What
 * is shown lives in this component's memory only: not in the URL, the title or any storage.
 */
import { useState } from 'react';
import { api, ApiError } from '../api.ts';
import { formatLocalDate } from '../format.ts';
import { useIntl } from 'react-intl';
import { LOCALE_LABELS, type Locale } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

export const ERASED = '[erased]';

/** `preferredLanguage`: the one in force (filed, or set since); absent: none, the scheme's language. */
interface PersonalData { fullName: string; dateOfBirth?: string; contacts?: { email?: string; phone?: string }; address?: string; preferredLanguage?: Locale }

/**
 * `onLanguage`: the victim's language in force once the data is shown (null: none), undefined once
 * hidden (the claim page's form of it starts on it); `language`: the one in force as the claim page
 * knows it since (set by its form), shown instead of the one read.
 */
export function PersonalDataPanel(props: {
  claimId: string; erased: boolean; mayRead: boolean; language?: Locale | null | undefined; onLanguage?: (language: Locale | null | undefined) => void;
}) {
  const t = useT();
  const { locale } = useIntl();
  const [shown, setShown] = useState<PersonalData | typeof ERASED | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reading, setReading] = useState(false);
  if (!props.erased && !props.mayRead) return null;

  const show = async () => {
    setError(undefined);
    setReading(true);
    try {
      const { body } = await api<{ personalData: PersonalData | typeof ERASED }>(`/api/queries/claims/${props.claimId}/personal-data`);
      setShown(body.personalData);
      props.onLanguage?.(body.personalData === ERASED ? undefined : body.personalData.preferredLanguage ?? null);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setReading(false);
    }
  };

  const hide = () => {
    setShown(undefined);
    props.onLanguage?.(undefined);
  };
  const data = props.erased ? ERASED : shown;
  const language = props.language !== undefined ? props.language : data && data !== ERASED ? data.preferredLanguage : undefined;
  return (
    <section aria-labelledby="personal-data-title" className="personal-data">
      <h2 id="personal-data-title">{t('personalData.title')}</h2>
      {data === ERASED && <p data-testid="personal-data">{ERASED} <span className="muted">{t('personalData.erased')}</span></p>}
      {data && data !== ERASED && (
        <>
          <dl className="facts" data-testid="personal-data">
            <dt>{t('file.fullName')}</dt><dd>{data.fullName}</dd>
            {data.dateOfBirth && <><dt>{t('personalData.dateOfBirth')}</dt><dd>{formatLocalDate(locale, data.dateOfBirth)}</dd></>}
            {data.contacts?.email && <><dt>{t('personalData.email')}</dt><dd>{data.contacts.email}</dd></>}
            {data.contacts?.phone && <><dt>{t('personalData.phone')}</dt><dd>{data.contacts.phone}</dd></>}
            {data.address && <><dt>{t('personalData.address')}</dt><dd>{data.address}</dd></>}
            <dt>{t('field.preferredLanguage')}</dt>
            <dd data-testid="preferred-language" lang={language ?? undefined}>{language ? LOCALE_LABELS[language] : t('preferredLanguage.none')}</dd>
          </dl>
          <button type="button" onClick={hide}>{t('personalData.hide')}</button>
        </>
      )}
      {!data && (
        <>
          <p>{t('personalData.recorded')}</p>
          <button type="button" disabled={reading} onClick={() => void show()}>{t('personalData.show')}</button>
        </>
      )}
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
    </section>
  );
}
