/** The console: the session, the language, and the page of the current route. */
import { lazy, Suspense, useEffect, useLayoutEffect, useState, type ComponentProps, type ComponentType, type LazyExoticComponent } from 'react';
import { IntlProvider } from 'react-intl';
import { landingPage, lazyPageOf, PAGE_MODULES, routeOf, SESSION_ELEMENT_ID, type LazyPage } from '../../src/routes.ts';
import { api, ApiError, setCsrfToken, whenSignedOut, type Problem, type SessionView } from './api.ts';
import { Layout } from './components/Layout.tsx';
import { formattingLocale, isLocale, loadMessages, preferredLocale, type Locale, type Messages } from './i18n/locales.ts';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { mayOnlyMonitor, maySeeClaims } from './components/may.ts';
import { homeTimeZone } from './format.ts';
import { navigate, useRoute } from './router.ts';
import { useT } from './i18n/use-t.ts';
import type { ClaimPage as ClaimPageType } from './pages/ClaimPage.tsx';
import type { ClaimsPage as ClaimsPageType } from './pages/ClaimsPage.tsx';
import type { FileClaimPage as FileClaimPageType } from './pages/FileClaimPage.tsx';
import type { WorkQueuePage as WorkQueuePageType } from './pages/WorkQueuePage.tsx';
import type { ErasurePage as ErasurePageType } from './pages/ErasurePage.tsx';
import type { InboxPage as InboxPageType } from './pages/InboxPage.tsx';
import type { PersonalDataReadsPage as PersonalDataReadsPageType } from './pages/PersonalDataReadsPage.tsx';
import type { FundsPage as FundsPageType } from './pages/FundsPage.tsx';
import type { MonitoringPage as MonitoringPageType } from './pages/MonitoringPage.tsx';
import type { PaymentsPage as PaymentsPageType } from './pages/payments/PaymentsPage.tsx';
import type { PaymentRunPage as PaymentRunPageType } from './pages/payments/PaymentRunPage.tsx';
import type { PaymentRunsPage as PaymentRunsPageType } from './pages/payments/PaymentRunsPage.tsx';
import type { BankStatementsPage as BankStatementsPageType } from './pages/payments/BankStatementsPage.tsx';
import type { BankStatementPage as BankStatementPageType } from './pages/payments/BankStatementPage.tsx';

// Every page but sign-in and "not found" is a chunk of its own, imported when first shown (its
// module: PAGE_MODULES, which the console also names to the browser as a module preload).
const PAGE_LOADERS = import.meta.glob<Record<string, ComponentType<object>>>([
  '/src/pages/**/*Page.tsx', '!/src/pages/SignInPage.tsx', '!/src/pages/NotFoundPage.tsx', '!/src/pages/payments/ListPage.tsx',
]);

/** A page's module, imported once: the component it exports is named as its file. */
function importPage(page: LazyPage): Promise<{ default: ComponentType<object> }> {
  const module = PAGE_MODULES[page];
  const load = PAGE_LOADERS[`/${module}`];
  if (!load) throw new Error(`no page module ${module}`);
  const name = module.slice(module.lastIndexOf('/') + 1, -'.tsx'.length);
  return load().then((m) => ({ default: m[name]! }));
}

/** A page imported when first rendered; P: the props of the component its module exports. */
function lazyPage<P extends object>(page: LazyPage): LazyExoticComponent<ComponentType<P>> {
  return lazy(() => importPage(page) as Promise<{ default: ComponentType<P> }>);
}

const ClaimsPage = lazyPage<ComponentProps<typeof ClaimsPageType>>('claims');
const ClaimPage = lazyPage<ComponentProps<typeof ClaimPageType>>('claim');
const FileClaimPage = lazyPage<ComponentProps<typeof FileClaimPageType>>('file-claim');
const WorkQueuePage = lazyPage<ComponentProps<typeof WorkQueuePageType>>('work');
const ErasurePage = lazyPage<ComponentProps<typeof ErasurePageType>>('erasure');
const InboxPage = lazyPage<ComponentProps<typeof InboxPageType>>('inbox');
const PersonalDataReadsPage = lazyPage<ComponentProps<typeof PersonalDataReadsPageType>>('reads');
const FundsPage = lazyPage<ComponentProps<typeof FundsPageType>>('funds');
const MonitoringPage = lazyPage<ComponentProps<typeof MonitoringPageType>>('monitoring');
const PaymentsPage = lazyPage<ComponentProps<typeof PaymentsPageType>>('payments');
const PaymentRunPage = lazyPage<ComponentProps<typeof PaymentRunPageType>>('payment-run');
const PaymentRunsPage = lazyPage<ComponentProps<typeof PaymentRunsPageType>>('payment-runs');
const BankStatementsPage = lazyPage<ComponentProps<typeof BankStatementsPageType>>('bank-statements');
const BankStatementPage = lazyPage<ComponentProps<typeof BankStatementPageType>>('bank-statement');

const LOCALE_KEY = 'cfund.locale';

/**
 * The session the console put in the page (web.ts of the service), so that the page's queries
 * need not wait for GET /api/session; undefined when it did not (signed out, or a token to renew
 * first), and the app asks.
 */
function sessionInPage(): SessionView | undefined {
  const text = document.getElementById(SESSION_ELEMENT_ID)?.textContent;
  return text ? JSON.parse(text) as SessionView : undefined;
}

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

// What the first page needs, asked for at once and side by side, before React renders: the
// session (in the page, or asked), the page's module and the language's messages.
const START = { session: sessionInPage(), locale: initialLocale() };
// Signed in at the root (back from the identity provider's sign-in): the user's own first page, before any other loads.
if (START.session && window.location.pathname === '/') navigate(landingPage(START.session.principal), { replace: true });
const firstPage = lazyPageOf(routeOf(window.location.pathname, window.location.search));
// A failure is left to the page (React.lazy's own import reports it) and to useMessages.
if (firstPage) importPage(firstPage).catch(() => undefined);
loadMessages(START.locale).catch(() => undefined);

export function App() {
  const [locale, setLocale] = useState<Locale>(START.locale);
  // undefined while asking the console whether a session is open.
  const [session, setSession] = useState<SessionView | null | undefined>(START.session);
  const route = useRoute();
  const shown = useMessages(locale);

  useEffect(() => {
    whenSignedOut(signedOut);
    const opened = (view: SessionView) => {
      setCsrfToken(view.csrfToken);
      setSession(view);
      // Back from the identity provider's sign-in: the user's own first page.
      if (window.location.pathname === '/') navigate(landingPage(view.principal), { replace: true });
    };
    if (START.session) opened(START.session);
    else api<SessionView>('/api/session').then(({ body }) => opened(body), (e: unknown) => signedOut(e instanceof ApiError ? e.problem : undefined));
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

  // The language a person chooses here is theirs: their notifications follow it (the notification
  // service's setting, which every instance shares). A monitor has no inbox: the console never asks the
  // notification service for one.
  const chooseLocale = (l: Locale) => {
    setLocale(l);
    if (session && !mayOnlyMonitor(session.principal)) api('/api/notifications/notification-settings', { method: 'PUT', body: { locale: l } }).catch(() => undefined);
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
      <Layout locale={locale} onLocale={chooseLocale} principal={session?.principal} onSignOut={signOut}>
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </Layout>
    </IntlProvider>
  );
}
