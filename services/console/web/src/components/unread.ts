/**
 * The number of unread notifications, for the header: asked of the notification service at each
 * page change, when the inbox changes it, and every minute. Unknown (undefined) while the service
 * cannot answer: the header then shows no number rather than a wrong one.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

const INBOX_CHANGED = 'cfund:inbox-changed';
const EVERY_MS = 60_000;

/** Tell the header the inbox changed (a notification was marked read). */
export const inboxChanged = (): void => { window.dispatchEvent(new Event(INBOX_CHANGED)); };

export function useUnreadCount(signedIn: boolean): number | undefined {
  const [unread, setUnread] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (!signedIn) return setUnread(undefined);
    let stopped = false;
    const ask = () => {
      api<{ unread: number }>('/api/notifications/notifications?limit=1&unread=true')
        .then(({ body }) => { if (!stopped) setUnread(body.unread); }, () => { if (!stopped) setUnread(undefined); });
    };
    ask();
    window.addEventListener('popstate', ask);
    window.addEventListener(INBOX_CHANGED, ask);
    const timer = setInterval(ask, EVERY_MS);
    return () => {
      stopped = true;
      window.removeEventListener('popstate', ask);
      window.removeEventListener(INBOX_CHANGED, ask);
      clearInterval(timer);
    };
  }, [signedIn]);
  return unread;
}
