/** Embedded mode: pick a demo user. Without it (production), sign-in is the identity provider's. */
import { useEffect, useState } from 'react';
import { api, ApiError, type Principal, type SessionView } from '../api.ts';
import { useJurisdictions, useRoles } from '../components/roles.ts';
import { useTitle } from '../components/use-title.ts';
import { useT } from '../i18n/use-t.ts';

export function SignInPage(props: { onSignedIn: (session: SessionView) => void }) {
  const t = useT();
  const roles = useRoles();
  const jurisdictions = useJurisdictions();
  useTitle(t('signIn.title'));
  const [users, setUsers] = useState<Principal[] | 'unavailable' | undefined>(undefined);
  const [csrfToken, setCsrfToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    api<{ users: Principal[]; csrfToken: string }>('/api/sign-in/users').then(({ body }) => {
      setCsrfToken(body.csrfToken);
      setUsers(body.users);
    }, (e: unknown) => {
      if (e instanceof ApiError && e.problem.status === 404) setUsers('unavailable');
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
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {users === undefined && !error && <p>{t('app.loading')}</p>}
      {users === 'unavailable' && <p>{t('signIn.unavailable')}</p>}
      {Array.isArray(users) && (
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
