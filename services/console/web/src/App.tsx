/** The console: the session, the language, and the page of the current route. */
import { lazy, Suspense, useEffect, useLayoutEffect, useState } from 'react';
import { IntlProvider } from 'react-intl';
import { api, ApiError, setCsrfToken, whenSignedOut, type Problem, type SessionView } from './api.ts';
import { Layout } from './components/Layout.tsx';
import { formattingLocale, isLocale, loadMessages, preferredLocale, type Locale, type Messages } from './i18n/locales.ts';
import { ClaimPage } from './pages/ClaimPage.tsx';
import { ClaimsPage } from './pages/ClaimsPage.tsx';
import { FileClaimPage } from './pages/FileClaimPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { WorkQueuePage } from './pages/WorkQueuePage.tsx';
import { ErasurePage } from './pages/ErasurePage.tsx';
import { InboxPage } from './pages/InboxPage.tsx';
import { PersonalDataReadsPage } from './pages/PersonalDataReadsPage.tsx';
import { FundsPage } from './pages/FundsPage.tsx';
import { mayOnlyMonitor, maySeeClaims } from './components/may.ts';
import { MonitoringPage } from './pages/MonitoringPage.tsx';
import { homeTimeZone } from './format.ts';
import { landingPage } from './components/roles.ts';
import { navigate, useRoute } from './router.ts';
import { useT } from './i18n/use-t.ts';

// The finance officer's payment screens load when first opened: the initial JavaScript stays within its budget.
const PaymentsPage = lazy(() => import('./pages/payments/PaymentsPage.tsx').then((m) => ({ default: m.PaymentsPage })));
const PaymentRunPage = lazy(() => import('./pages/payments/PaymentRunPage.tsx').then((m) => ({ default: m.PaymentRunPage })));
const PaymentRunsPage = lazy(() => import('./pages/payments/PaymentRunsPage.tsx').then((m) => ({ default: m.PaymentRunsPage })));
const BankStatementsPage = lazy(() => import('./pages/payments/BankStatementsPage.tsx').then((m) => ({ default: m.BankStatementsPage })));
const BankStatementPage = lazy(() => import('./pages/payments/BankStatementPage.tsx').then((m) => ({ default: m.BankStatementPage })));

const LOCALE_KEY = 'cfund.locale';

function initialLocale(): Locale {
  const saved = window.localStorage.getItem(LOCALE_KEY);
  return isLocale(saved) ? saved : preferredLocale(navigator.languages);
}

/**
 * The messages of `locale`, loaded when it is chosen; until they arrive, those of the language
 * shown before (no flash of keys), and nothing at the very start.
 */
function useMessages(locale: Locale): { locale: Locale; messages: Messages } | undefined {
  const [loaded, setLoaded] = useState<{ locale: Locale; messages: Messages }>();
  useEffect(() => {
    let current = true;
    const load = (l: Locale) => loadMessages(l).then((messages) => ({ locale: l, messages }));
    // A catalogue that cannot be fetched (the network failed): English rather than no screen; if
    // English cannot be fetched either, the console could not load at all.
    load(locale).catch(() => load('en')).then((m) => { if (current) setLoaded(m); }, () => undefined);
    return () => { current = false; };
  }, [locale]);
  return loaded;
}

function Loading() {
  return <p>{useT()('app.loading')}</p>;
}

export function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  // undefined while asking the console whether a session is open.
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const route = useRoute();
  const shown = useMessages(locale);

  useEffect(() => {
    whenSignedOut(signedOut);
    api<SessionView>('/api/session').then(({ body }) => {
      setCsrfToken(body.csrfToken);
      setSession(body);
      // Back from the identity provider's sign-in: the user's own first page.
      if (window.location.pathname === '/') navigate(landingPage(body.principal), { replace: true });
    }, (e: unknown) => signedOut(e instanceof ApiError ? e.problem : undefined));
  }, []);

  useEffect(() => {
    window.localStorage.setItem(LOCALE_KEY, locale);
  }, [locale]);
  // The page's language is that of the words on it: it changes with them, before they are painted.
  useLayoutEffect(() => {
    if (shown) document.documentElement.lang = shown.locale;
  }, [shown]);

  // Redirects happen here, where the session changes, never in an effect: a route change from
  // the History API renders before a pending session update and would be redirected with a stale one.
  function signedOut(problem?: Problem) {
    setCsrfToken(undefined);
    setSession(null);
    // A renewal the provider refused is said on the sign-in page.
    if (problem?.code === 'session-renewal-failed') navigate('/sign-in?ended=renewal', { replace: true });
    else if (window.location.pathname !== '/sign-in') navigate('/sign-in', { replace: true });
  }
  const signedIn = (view: SessionView) => {
    setCsrfToken(view.csrfToken);
    setSession(view);
    navigate(landingPage(view.principal));
  };
  const signOut = async () => {
    const out = await api<{ endSessionUrl?: string } | undefined>('/api/sign-out', { method: 'POST' }).catch(() => undefined);
    // Signed in at an identity provider: its own logout ends the session there too.
    if (out?.body?.endSessionUrl) window.location.assign(out.body.endSessionUrl);
    else signedOut();
  };

  let page;
  if (route.page === 'sign-in' || session === null) page = <SignInPage onSignedIn={signedIn} />;
  else if (session === undefined) page = null;
  else if (route.page === 'monitoring') page = <MonitoringPage year={route.year} />;
  // A monitor uses the published tables only: every other page is none of theirs (the API refuses it too).
  else if (mayOnlyMonitor(session.principal)) page = <NotFoundPage home={landingPage(session.principal)} />;
  else if (route.page === 'claims') page = <ClaimsPage offset={route.offset} status={route.status} sort={route.sort} principal={session.principal} />;
  else if (route.page === 'file-claim') page = <FileClaimPage principal={session.principal} />;
  else if (route.page === 'work') page = <WorkQueuePage assigns={session.principal.roles.includes('fund-admin')} />;
  else if (route.page === 'funds') page = <FundsPage principal={session.principal} year={route.year} />;
  else if (route.page === 'claim') page = <ClaimPage claimId={route.claimId} principal={session.principal} />;
  else if (route.page === 'reads') page = <PersonalDataReadsPage offset={route.offset} principal={session.principal} timeZone={homeTimeZone(session.principal.jurisdictions)} />;
  else if (route.page === 'erasure') page = <ErasurePage key={route.claimId} claimId={route.claimId} />;
  else if (route.page === 'payments') page = <PaymentsPage principal={session.principal} />;
  else if (route.page === 'payment-run') page = <PaymentRunPage key={route.runId} runId={route.runId} principal={session.principal} />;
  else if (route.page === 'payment-runs') page = <PaymentRunsPage principal={session.principal} offset={route.offset} status={route.status} />;
  else if (route.page === 'bank-statements') page = <BankStatementsPage principal={session.principal} offset={route.offset} state={route.state} />;
  else if (route.page === 'bank-statement') page = <BankStatementPage key={route.statementId} statementId={route.statementId} />;
  else if (route.page === 'inbox') {
    page = <InboxPage offset={route.offset} timeZone={homeTimeZone(session.principal.jurisdictions)} opensClaims={maySeeClaims(session.principal)} />;
  } else page = <NotFoundPage home={landingPage(session.principal)} />;

  if (!shown) return null;
  return (
    <IntlProvider locale={formattingLocale(shown.locale)} defaultLocale="en" messages={shown.messages}>
      <Layout locale={locale} onLocale={setLocale} principal={session?.principal} onSignOut={signOut}>
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </Layout>
    </IntlProvider>
  );
}
