/**
 * Sign in. Embedded mode: pick a demo user. With an identity provider (OpenID Connect): a link
 * to its sign-in, which comes back to the console. Says why the user is here when the console
 * sent them (a failed sign-in, a session that could not be renewed, a sign-out).
 */
import { useEffect, useState } from 'react';
import { api, ApiError, type Principal, type SessionView } from '../api.ts';
import { useJurisdictions, useRoles } from '../components/roles.ts';
import { useTitle } from '../components/use-title.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

type Method = 'embedded' | 'oidc' | null;

function noticeOf(search: string): MessageKey | undefined {
  const q = new URLSearchParams(search);
  if (q.has('failed')) return 'signIn.failed';
  if (q.get('ended') === 'renewal') return 'signIn.renewalFailed';
  if (q.has('signed-out')) return 'signIn.signedOut';
  return undefined;
}

export function SignInPage(props: { onSignedIn: (session: SessionView) => void }) {
  const t = useT();
  const roles = useRoles();
  const jurisdictions = useJurisdictions();
  useTitle(t('signIn.title'));
  const [method, setMethod] = useState<Method | undefined>(undefined);
  const [users, setUsers] = useState<Principal[] | undefined>(undefined);
  const [csrfToken, setCsrfToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const notice = noticeOf(window.location.search);

  useEffect(() => {
    api<{ method: Method }>('/api/sign-in').then(async ({ body }) => {
      if (body.method === 'embedded') {
        const list = await api<{ users: Principal[]; csrfToken: string }>('/api/sign-in/users');
        setCsrfToken(list.body.csrfToken);
        setUsers(list.body.users);
      }
      setMethod(body.method);
    }).catch((e: unknown) => {
      if (e instanceof ApiError && e.problem.status === 404) setMethod(null);
      else setError((e as Error).message);
    });
  }, []);

  const signIn = async (sub: string) => {
    try {
      const { body } = await api<SessionView>('/api/sign-in', { method: 'POST', body: { sub }, headers: { 'x-csrf-token': csrfToken } });
      props.onSignedIn(body);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t('signIn.title')}</h1>
      {notice && <p role="status" className={notice === 'signIn.signedOut' ? undefined : 'error'}>{t(notice)}</p>}
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {method === undefined && !error && <p>{t('app.loading')}</p>}
      {method === null && <p>{t('signIn.unavailable')}</p>}
      {method === 'oidc' && (
        <>
          <p>{t('signIn.providerIntro')}</p>
          {/* A navigation, not a call: the browser goes to the provider and comes back. */}
          <p><a className="button" href="/api/sign-in/oidc">{t('signIn.provider')}</a></p>
        </>
      )}
      {method === 'embedded' && users && (
        <>
          <p>{t('signIn.intro')}</p>
          <ul className="user-list">
            {users.map((u) => (
              <li key={u.sub}>
                <button type="button" onClick={() => void signIn(u.sub)}>
                  <span className="user-name">{t('signIn.as', { name: u.name })}</span>
                  <span className="user-detail">{t('signIn.roleAndJurisdiction', { roles: roles(u.roles), jurisdictions: jurisdictions(u.jurisdictions) })}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
