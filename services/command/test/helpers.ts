import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
/** Builds the command service on a real embedded event store for a test, with tokens and a log capture. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import type { Jurisdiction, Role } from '@cfund/contracts';
import { ChainKeyring, ChainSigner, FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { createLogger } from '@cfund/service-kit';
import { freePort, startTestEnvironment, type TestEnvironment } from '@cfund/test-support';
import { buildApp, jwtSecretPath, loadOrCreateJwtSecret, signToken, type BuildAppOptions, type CommandApp } from '../src/index.ts';

/** An answer as the tests read it: from `inject`, or from `fetch` on a service process (remoteClient). */
export interface Reply { statusCode: number; body: string; json<T = unknown>(): T }

/** What the claim fixtures need: tokens and POST, in process (Harness) or over a socket (remoteClient). */
export interface Client {
  token(sub: string, roles: Role[], jurisdictions?: Jurisdiction[]): Promise<string>;
  post(url: string, token: string | undefined, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

export interface Harness {
  app: CommandApp;
  env: TestEnvironment;
  logs: string[];
  keyDir: string;
  protector: PersonalDataProtector;
  jwtSecret: Uint8Array;
  /** What the service fingerprints requests with (a second app on the same store must share it to replay an Idempotency-Key). */
  fingerprintSecret: Uint8Array;
  /** The key the service signs its events with, and the keyring that trusts it. */
  chainSigner: ChainSigner;
  chainKeyring: ChainKeyring;
  token(sub: string, roles: Role[], jurisdictions?: Jurisdiction[]): Promise<string>;
  post(url: string, token: string | undefined, body?: unknown, headers?: Record<string, string>): Promise<Awaited<ReturnType<CommandApp['inject']>>>;
}

export async function startService(t: Test, options: Partial<BuildAppOptions> = {}): Promise<Harness> {
  const env = await startTestEnvironment();
  if (env.skipped !== undefined) throw new Error(env.skipped);
  const keyDir = await mkdtemp(join(tmpdir(), 'cfund-command-keys-'));
  const keyStore = await FileKeyStore.open(keyDir);
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore, masterKey });
  const secret = randomBytes(32);
  const chainSigner = ChainSigner.generate();
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => { logs.push(line); } } });
  const app = await buildApp({
    client: env.eventStore, chainSigner, protector, jwtSecret: secret, fingerprintSecret: masterKey, logger, ...options,
  });
  t.teardown(async () => {
    await app.close();
    await env.close();
    await rm(keyDir, { recursive: true, force: true });
  });
  return {
    app, env, logs, keyDir, protector, jwtSecret: secret, fingerprintSecret: masterKey, chainSigner, chainKeyring: ChainKeyring.of(chainSigner),
    token: (sub, roles, jurisdictions = ['RS']) => signToken(secret, { sub, roles, jurisdictions }),
    post: (url, token, body = {}, headers = {}) => app.inject({
      method: 'POST', url, payload: body as object,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    }),
  };
}

export const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });

/** The current year in Belgrade (the RS fund year an approval commits against). */
export const rsYear = (): number => Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Belgrade', year: 'numeric' }).format(new Date()));

/**
 * Allocates `amountMinor` to the RS budgets of this fund year and the next, and returns their
 * statuses: a schedule made late in a year has instalments due in the next, committed there.
 */
export async function allocateBudgets(h: Client, admin: string, amountMinor: number): Promise<number[]> {
  const statuses: number[] = [];
  for (const year of [rsYear(), rsYear() + 1]) statuses.push((await h.post(`/funds/RS/${year}/budget`, admin, { amount: RSD(amountMinor) })).statusCode);
  return statuses;
}

export const claimBody = (overrides: Record<string, unknown> = {}) => ({
  jurisdiction: 'RS', applicantRole: 'direct',
  victim: { fullName: 'Test Victim', dateOfBirth: '1995-04-12' },
  formOfExploitation: 'labour', incidentOn: '2025-01-10',
  damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }],
  ...overrides,
});

export interface Tokens { lawyer: string; lawyer2: string; assessor: string; approver1: string; approver2: string; finance: string; admin: string; auditor: string; dpo: string }

export async function tokens(h: Client, jurisdiction: Jurisdiction = 'RS'): Promise<Tokens> {
  const j = [jurisdiction];
  return {
    lawyer: await h.token('lawyer-1', ['lawyer'], j),
    lawyer2: await h.token('lawyer-2', ['lawyer'], j),
    assessor: await h.token('assessor-1', ['fund-assessor'], j),
    approver1: await h.token('approver-1', ['fund-approver'], j),
    approver2: await h.token('approver-2', ['fund-approver'], j),
    finance: await h.token('finance-1', ['fund-finance'], j),
    admin: await h.token('admin-1', ['fund-admin'], j),
    auditor: await h.token('auditor-1', ['auditor'], j),
    dpo: await h.token('dpo-1', ['dpo'], j),
  };
}

/** Files a claim and takes it to 'assessed' (ruling, final, enforcement failed, application, assessment). */
export async function assessedClaim(h: Client, tk: Tokens, assessed = 90_000_000): Promise<string> {
  const filed = await h.post('/claims', tk.lawyer, claimBody());
  if (filed.statusCode !== 201) throw new Error(`file: ${filed.statusCode} ${filed.body}`);
  const id = filed.json<{ claimId: string }>().claimId;
  const steps: [string, string, unknown][] = [
    ['court-rulings', tk.lawyer, { court: 'Higher Court in Belgrade', caseNumber: 'K-1/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] }],
    ['ruling-finality', tk.lawyer, { finalOn: '2025-06-30' }],
    ['enforcement-failures', tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: '2025-09-01' }],
    ['fund-application', tk.lawyer, { otherCompensationDeclared: [] }],
    ['assessment', tk.assessor, { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(assessed) }], deductions: [] }],
  ];
  for (const [path, token, body] of steps) {
    const r = await h.post(`/claims/${id}/${path}`, token, body);
    if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${r.body}`);
  }
  return id;
}

/** The local date in Serbia `days` from now (an execution date of a run). */
export const daysAhead = (days: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date(Date.now() + days * 86_400_000));

/** Today's local date in Serbia (the RS scheme's time zone). */
export const today = (): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date());

/** A claim approved at RSD 400,000.00, served, scheduled in two instalments (the first due today), with a payee. */
export async function payableClaim(h: Client, tk: Tokens, payee: string): Promise<string> {
  const id = await assessedClaim(h, tk, 40_000_000);
  const steps: [string, string, unknown][] = [
    ['payee', tk.lawyer, { kind: 'victim', payee: { name: payee, iban: 'RS35 9085 0010 3195 8472 62' } }],
    ['approvals', tk.approver1, {}],
    ['decision-notice', tk.approver1, { servedAt: new Date(Date.now() - 3_600_000).toISOString() }],
    ['payout-schedule', tk.finance, { instalments: 2, firstDueOn: today(), intervalMonths: 1 }],
  ];
  for (const [path, token, body] of steps) {
    const r = await h.post(`/claims/${id}/${path}`, token, body);
    if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${r.body}`);
  }
  return id;
}

/** The compiled command service as child processes on one port and DATA_DIR, against a fresh embedded store (crash tests). */
export interface ServiceProcesses {
  env: TestEnvironment;
  dataDir: string;
  base: string;
  /** Tokens signed with the JWT secret the processes read from DATA_DIR, and POST to them. */
  client: Client;
  /** Starts the service with `extra` environment (a fault point, a setting) and waits until it is healthy. */
  start(extra?: Record<string, string>): Promise<ChildProcess>;
}

/** Builds the service, starts the store, and kills every process and removes DATA_DIR at the test's end; undefined when the store is skipped. */
export async function serviceProcesses(t: Test, name: string): Promise<ServiceProcesses | undefined> {
  const serviceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync('pnpm', ['exec', 'tsc', '-b', 'services/command'], { cwd: resolve(serviceDir, '../..'), stdio: 'inherit' });
  const env = await startTestEnvironment();
  if (env.skipped !== undefined) {
    t.plan(0, env.skipped);
    return undefined;
  }
  const dataDir = await mkdtemp(join(tmpdir(), `cfund-command-${name}-`));
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const { secret } = await loadOrCreateJwtSecret(jwtSecretPath(dataDir));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  return {
    env, dataDir, base, client: remoteClient(base, secret),
    start: (extra = {}) => startServiceProcess({
      serviceDir, base, children,
      env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ESDB_CONNECTION_STRING: env.esdbConnectionString, ...extra },
    }),
  };
}

/**
 * Starts the compiled command service (`dist/main.js`) as a child process and waits until it is
 * healthy: up to a minute, since a loaded two-core machine can take many seconds to start Node.
 */
export async function startServiceProcess(options: { serviceDir: string; base: string; env: Record<string, string | undefined>; children: ChildProcess[] }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: options.serviceDir, env: { PATH: process.env.PATH, ...options.env }, stdio: ['ignore', 'ignore', 'inherit'] });
  options.children.push(child);
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${options.base}/health`)).ok) return child;
    } catch { /* not yet listening */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the service did not start within a minute');
}

/** A Client of a command service process at `base` whose tokens are signed with `secret`. */
export function remoteClient(base: string, secret: Uint8Array): Client {
  return {
    token: (sub, roles, jurisdictions = ['RS']) => signToken(secret, { sub, roles, jurisdictions }),
    async post(url, token, body = {}, headers = {}) {
      const isText = typeof body === 'string';
      const r = await fetch(`${base}${url}`, {
        method: 'POST', body: isText ? body : JSON.stringify(body),
        headers: { 'content-type': isText ? 'application/xml' : 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      });
      const text = await r.text();
      return { statusCode: r.status, body: text, json: <T>() => JSON.parse(text) as T };
    },
  };
}

/** The embedded mode's demo fund account of Serbia (FUND_ACCOUNTS' default). */
export const FUND_IBAN = 'RS35260005601001611379';

export interface StatementLine { e2e?: string; amount: string; dir?: 'DBIT' | 'CRDT'; ref: string; status?: string; returnCode?: string; creditor?: string }

/** A camt.053.001.08 statement of the fund's account, each line an entry with one transaction. */
export function camt053(id: string, lines: StatementLine[]): string {
  const entry = (l: StatementLine) => `<Ntry><Amt Ccy="RSD">${l.amount}</Amt><CdtDbtInd>${l.dir ?? 'DBIT'}</CdtDbtInd><Sts><Cd>${l.status ?? 'BOOK'}</Cd></Sts>`
    + `<BookgDt><Dt>${today()}</Dt></BookgDt><AcctSvcrRef>${l.ref}</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>${l.ref}</AcctSvcrRef>`
    + `${l.e2e ? `<EndToEndId>${l.e2e}</EndToEndId>` : ''}</Refs><Amt Ccy="RSD">${l.amount}</Amt>`
    + `<RltdPties><Cdtr><Pty><Nm>${l.creditor ?? 'Someone'}</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>RS35908500103195847262</IBAN></Id></CdtrAcct></RltdPties>`
    + `${l.returnCode ? `<RtrInf><Rsn><Cd>${l.returnCode}</Cd></Rsn><AddtlInf>account of ${l.creditor ?? 'x'} closed</AddtlInf></RtrInf>` : ''}</TxDtls></NtryDtls></Ntry>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>`
    + `<GrpHdr><MsgId>MSG-${id}</MsgId><CreDtTm>${new Date().toISOString().slice(0, 19)}</CreDtTm></GrpHdr>`
    + `<Stmt><Id>STMT-${id}</Id><Acct><Id><IBAN>${FUND_IBAN}</IBAN></Id><Ccy>RSD</Ccy></Acct>${lines.map(entry).join('')}</Stmt></BkToCstmrStmt></Document>`;
}
