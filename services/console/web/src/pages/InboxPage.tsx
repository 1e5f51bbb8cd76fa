/**
 * The signed-in user's notifications (the notification service's inbox: their own and their
 * roles'), newest first, a page at a time, each marked read when the user says so. The texts
 * name claims by public reference only, never a victim.
 */
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.ts';
import { Link } from '../components/Link.tsx';
import { inboxChanged } from '../components/unread.ts';
import { useTitle } from '../components/use-title.ts';
import { formatDateTimeZoned } from '../format.ts';
import { useT } from '../i18n/use-t.ts';
import { navigate } from '../router.ts';

const PAGE_SIZE = 20;

interface Notification { id: string; subject: string; text: string; claimId: string | null; publicReference: string | null; createdAt: string; read: boolean }
interface Inbox { items: Notification[]; total: number; unread: number; limit: number; offset: number }

export function InboxPage(props: { offset: number; timeZone: string; opensClaims: boolean }) {
  const t = useT();
  const { locale } = useIntl();
  const title = t('inbox.title');
  useTitle(title);
  const [inbox, setInbox] = useState<Inbox | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    api<Inbox>(`/api/notifications/notifications?limit=${PAGE_SIZE}&offset=${props.offset}`)
      .then(({ body }) => setInbox(body), (e: unknown) => setError((e as Error).message));
  }, [props.offset, reloads]);

  const markRead = async (id: string) => {
    try {
      await api(`/api/notifications/notifications/${id}/read`, { method: 'POST' });
      setReloads((n) => n + 1);
      inboxChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const go = (offset: number) => navigate(offset > 0 ? `/inbox?offset=${offset}` : '/inbox');

  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">{title}</h1>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!inbox && !error && <p>{t('app.loading')}</p>}
      {inbox && (
        <p aria-live="polite" data-testid="inbox-count">{t('inbox.count', { total: inbox.total, unread: inbox.unread })}</p>
      )}
      {inbox && inbox.items.length > 0 && (
        <>
          <ul className="inbox">
            {inbox.items.map((n) => (
              <li key={n.id} className={n.read ? 'read' : 'unread'}>
                <article aria-labelledby={`n-${n.id}`}>
                  <h2 id={`n-${n.id}`} className="subject">{!n.read && <span className="badge">{t('inbox.new')}</span>} {n.subject}</h2>
                  <p className="muted">
                    {formatDateTimeZoned(locale, n.createdAt, props.timeZone)}
                    {n.claimId && props.opensClaims && <> · <Link to={`/claims/${n.claimId}`}>{t('claims.open', { reference: n.publicReference ?? n.claimId })}</Link></>}
                  </p>
                  <p className="text">{n.text}</p>
                  {!n.read && <button type="button" className="secondary" onClick={() => void markRead(n.id)}>{t('inbox.markRead')}</button>}
                </article>
              </li>
            ))}
          </ul>
          {inbox.total > inbox.items.length && (
            <nav className="pager" aria-label={title}>
              <button type="button" disabled={inbox.offset === 0} onClick={() => go(Math.max(0, inbox.offset - PAGE_SIZE))}>{t('claims.previous')}</button>
              <button type="button" disabled={inbox.offset + inbox.items.length >= inbox.total} onClick={() => go(inbox.offset + PAGE_SIZE)}>{t('claims.next')}</button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
