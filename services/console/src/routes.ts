/**
 * The console's paths and what each names: no path holds personal data. Pure, shared by the web
 * app's router and the service that serves the app (which names the page's module to the browser).
 */
import { accessLogScope, readableClaims, seesOnlyAggregates, type Principal as DomainPrincipal } from '@cfund/domain';

export type Route =
  | { page: 'sign-in' }
  | { page: 'claims'; offset: number; status: string | undefined; sort: ClaimOrder }
  | { page: 'work' }
  | { page: 'file-claim' }
  | { page: 'claim'; claimId: string }
  | { page: 'reads'; offset: number }
  | { page: 'erasure'; claimId: string }
  | { page: 'inbox'; offset: number }
  | { page: 'funds'; year: number | undefined }
  | { page: 'monitoring'; year: number | undefined }
  | { page: 'payments' }
  | { page: 'payment-runs'; offset: number; status: RunStatus | undefined }
  | { page: 'payment-run'; runId: string }
  | { page: 'bank-statements'; offset: number; state: StatementState | undefined }
  | { page: 'bank-statement'; statementId: string }
  | { page: 'not-found' };

/** The orders of the claim list (the API's `sort`), by filing. */
export const CLAIM_ORDERS = ['newest', 'oldest'] as const;
export type ClaimOrder = (typeof CLAIM_ORDERS)[number];

/** The states the lists of payment runs and of bank statements filter on (the API's `status` and `state`). */
export const RUN_STATUSES = ['prepared', 'released', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const STATEMENT_STATES = ['incomplete', 'unresolved', 'settled'] as const;
export type StatementState = (typeof STATEMENT_STATES)[number];

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined => values.find((v) => v === value);

/** A page's offset in a list (`?offset=`); anything else is the first page. */
function offsetOf(query: URLSearchParams): number {
  const offset = Number(query.get('offset') ?? 0);
  return Number.isSafeInteger(offset) && offset > 0 ? offset : 0;
}

/** A year (`?year=`, four digits); anything else is none (the page's default). */
function yearOf(query: URLSearchParams): number | undefined {
  const year = query.get('year');
  return year && /^\d{4}$/.test(year) ? Number(year) : undefined;
}

/**
 * Only the offset, a status filter and the order are kept in the URL: free text typed in a search box could
 * be someone's name, and the URL lands in the history.
 */
export function routeOf(path: string, search: string): Route {
  const query = new URLSearchParams(search);
  if (path === '/' || path === '/claims') {
    const status = query.get('status');
    const sort = query.get('sort');
    return {
      page: 'claims', offset: offsetOf(query), status: status && /^[a-z]+$/.test(status) ? status : undefined,
      sort: CLAIM_ORDERS.find((o) => o === sort) ?? 'newest',
    };
  }
  if (path === '/personal-data-reads') return { page: 'reads', offset: offsetOf(query) };
  if (path === '/erasure') return { page: 'erasure', claimId: query.get('claim') ?? '' };
  if (path === '/inbox') return { page: 'inbox', offset: offsetOf(query) };
  if (path === '/funds') return { page: 'funds', year: yearOf(query) };
  if (path === '/monitoring') return { page: 'monitoring', year: yearOf(query) };
  if (path === '/sign-in') return { page: 'sign-in' };
  if (path === '/work') return { page: 'work' };
  if (path === '/claims/new') return { page: 'file-claim' };
  if (path === '/payments') return { page: 'payments' };
  if (path === '/payment-runs') return { page: 'payment-runs', offset: offsetOf(query), status: oneOf(RUN_STATUSES, query.get('status')) };
  if (path === '/bank-statements') return { page: 'bank-statements', offset: offsetOf(query), state: oneOf(STATEMENT_STATES, query.get('state')) };
  const run = /^\/payment-runs\/([0-9a-f-]{36})$/.exec(path);
  if (run) return { page: 'payment-run', runId: run[1]! };
  // A statement's id is the SHA-256 of its file: nothing personal.
  const statement = /^\/bank-statements\/([0-9a-f]{64})$/.exec(path);
  if (statement) return { page: 'bank-statement', statementId: statement[1]! };
  const claim = /^\/claims\/([0-9a-f-]{36})$/.exec(path);
  if (claim) return { page: 'claim', claimId: claim[1]! };
  return { page: 'not-found' };
}

/** The element of the served page that holds the signed-in session (a JSON data block): the service writes it, the app reads it. */
export const SESSION_ELEMENT_ID = 'cfund-session';

/** The pages in the app's own script: the first a signed-out user sees, and the fallback. */
type EagerPage = 'sign-in' | 'not-found';

/**
 * The module of every other page, as the build's manifest names it (relative to web/; the
 * component it exports is named as the file). The app imports a page's module when the page is
 * first shown, so the first script carries none of them; the console names the current page's
 * module and its imports to the browser as module preloads in the HTML, so they are fetched beside
 * the app's script rather than after it ran.
 */
export const PAGE_MODULES: Readonly<Record<Exclude<Route['page'], EagerPage>, string>> = {
  claims: 'src/pages/ClaimsPage.tsx',
  work: 'src/pages/WorkQueuePage.tsx',
  'file-claim': 'src/pages/FileClaimPage.tsx',
  claim: 'src/pages/ClaimPage.tsx',
  reads: 'src/pages/PersonalDataReadsPage.tsx',
  erasure: 'src/pages/ErasurePage.tsx',
  inbox: 'src/pages/InboxPage.tsx',
  funds: 'src/pages/FundsPage.tsx',
  monitoring: 'src/pages/MonitoringPage.tsx',
  payments: 'src/pages/payments/PaymentsPage.tsx',
  'payment-runs': 'src/pages/payments/PaymentRunsPage.tsx',
  'payment-run': 'src/pages/payments/PaymentRunPage.tsx',
  'bank-statements': 'src/pages/payments/BankStatementsPage.tsx',
  'bank-statement': 'src/pages/payments/BankStatementPage.tsx',
};

export type LazyPage = keyof typeof PAGE_MODULES;

/** A route's page when it is loaded on demand; none when it is in the app's own script. */
export const lazyPageOf = (route: Route): LazyPage | undefined => (route.page === 'sign-in' || route.page === 'not-found' ? undefined : route.page);

/** Who is signed in, as a session holds them. */
interface Person { sub: string; roles: readonly string[]; jurisdictions: readonly string[] }

const domain = (p: Person): DomainPrincipal => p as unknown as DomainPrincipal;

export const isFundStaff = (p: Person): boolean => p.roles.some((r) => r.startsWith('fund-'));

/**
 * Where a person starts (at `/`, and after signing in), by the domain's rules of who sees what:
 * fund staff work from their queue; others start from the claims they may see; the
 * data-protection officer (who reads no claim) from the reads of personal data; a monitor from
 * the published tables; anyone else from their inbox. The service decides by it which page's
 * chunk the HTML of `/` names, the app where `/` goes: the same page, so only its chunk loads.
 */
export function landingPage(p: Person): string {
  if (seesOnlyAggregates(domain(p))) return '/monitoring';
  if (isFundStaff(p)) return '/work';
  if (readableClaims(domain(p)).allowed) return '/claims';
  return accessLogScope(domain(p)).allowed ? '/personal-data-reads' : '/inbox';
}
