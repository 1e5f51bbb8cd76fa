/**
 * A test harness: the real command service (its buildApp, on a real embedded event store) to
 * write claims, and the projection's read model in a temporary DATA_DIR, fed either directly with
 * the events of `$all` (catchUp) or through NATS once a consumer runs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { START, type EventStoreDBClient } from '@eventstore/db-client';
import type { Jurisdiction, Role } from '@cfund/contracts';
import { FileKeyStore, PersonalDataProtector, type ChainKeyring, type ChainSigner } from '@cfund/eventstore';
import type { DocumentStore } from '@cfund/documents';
import { buildApp as buildCommandApp, type CommandApp, type FaultAt } from '@cfund/command-service';
import { createLogger, keyStoreDir, loadOrCreateChainKeys, signToken } from '@cfund/service-kit';
import { startTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from '@cfund/test-support';
import { storedEventOf, type StoredEvent } from '@cfund/messaging';
import { ProjectionRunner, ReadModelStore, readModelPath } from '../src/index.ts';

export const silent = () => createLogger({ level: 'silent' });

/** A settable clock for the command service (fund years and deadlines follow it). */
export class Clock {
  private at: number;
  /** `tickMs`: each reading advances the clock by that much, so that commands get distinct instants. */
  constructor(start: Date = new Date(), private readonly tickMs = 0) { this.at = start.getTime(); }
  get now(): Date {
    const d = new Date(this.at);
    this.at += this.tickMs;
    return d;
  }
  set(iso: string): void { this.at = Date.parse(iso); }
  advance(ms: number): void { this.at += ms; }
}

export interface Harness {
  env: TestEnvironment;
  command: CommandApp;
  clock: Clock;
  dataDir: string;
  masterKey: Buffer;
  jwtSecret: Uint8Array;
  /** The embedded mode's chain keys of dataDir (both services sign with them; integrity verifies with the keyring). */
  chainSigner: ChainSigner;
  chainKeyring: ChainKeyring;
  store: ReadModelStore;
  runner: ProjectionRunner;
  token(sub: string, roles: Role[], jurisdictions?: Jurisdiction[]): Promise<string>;
  post(url: string, token: string, body?: unknown): Promise<{ statusCode: number; json: <T = unknown>() => T; body: string }>;
  /** Where documents are stored, when the harness was started with a document store. */
  documents?: DocumentStore;
  /** Feeds every user event of $all to the runner (as the NATS consumer would); returns the outcomes. */
  catchUp(): Promise<Record<string, number>>;
}

export async function readAllEnvelopes(client: EventStoreDBClient): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const r of client.readAll({ fromPosition: START, resolveLinkTos: false })) {
    const e = storedEventOf(r);
    if (e) out.push(e);
  }
  return out;
}

export async function startHarness(t: Test, options: { clock?: Clock; environment?: TestEnvironmentOptions; documents?: (env: TestEnvironment) => Promise<{ store: DocumentStore; maxBytes?: number }>; faultAt?: FaultAt } = {}): Promise<Harness> {
  const env = await startTestEnvironment(options.environment);
  if (env.skipped !== undefined) throw new Error(env.skipped);
  // Closed even when what follows throws (a test then fails at once instead of hanging on the servers).
  let closeApps: () => Promise<void> = async () => {};
  t.teardown(async () => {
    await closeApps();
    await env.close();
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-projection-'));
  const masterKey = randomBytes(32);
  const jwtSecret = randomBytes(32);
  const keyStore = await FileKeyStore.open(keyStoreDir(dataDir));
  const protector = await PersonalDataProtector.open({ keyStore, masterKey });
  const clock = options.clock ?? new Clock();
  const { signer: chainSigner, keyring: chainKeyring } = await loadOrCreateChainKeys(dataDir);
  const documents = options.documents ? await options.documents(env) : undefined;
  const command = await buildCommandApp({
    client: env.eventStore, chainSigner, protector, jwtSecret, fingerprintSecret: masterKey, logger: silent(), now: () => clock.now,
    ...(documents ? { documents } : {}),
    ...(options.faultAt ? { faultAt: options.faultAt } : {}),
  });
  const store = new ReadModelStore(readModelPath(dataDir));
  const runner = new ProjectionRunner(store, env.eventStore);
  const h: Harness = {
    env, command, clock, dataDir, masterKey, jwtSecret, chainSigner, chainKeyring, store, runner,
    ...(documents ? { documents: documents.store } : {}),
    token: (sub, roles, jurisdictions = ['RS']) => signToken(jwtSecret, { sub, roles, jurisdictions }),
    post: async (url, token, body = {}) => {
      const r = await command.inject({ method: 'POST', url, payload: body as object, headers: { authorization: `Bearer ${token}` } });
      return { statusCode: r.statusCode, json: <T>() => r.json<T>(), body: r.body };
    },
    catchUp: async () => {
      const counts: Record<string, number> = {};
      for (const e of await readAllEnvelopes(env.eventStore)) {
        const outcome = await h.runner.handle(e);
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
      return counts;
    },
  };
  closeApps = async () => {
    await command.close();
    h.store.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  return h;
}

export const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });

export const claimBody = (overrides: Record<string, unknown> = {}) => ({
  jurisdiction: 'RS', applicantRole: 'direct',
  victim: { fullName: 'Projection Test Victim', dateOfBirth: '1995-04-12' },
  formOfExploitation: 'labour', incidentOn: '2025-01-10',
  damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }, { head: 'lost-earnings', amount: RSD(30_000_000) }],
  ...overrides,
});

export interface Tokens { lawyer: string; lawyer2: string; assessor: string; approver1: string; approver2: string; finance: string; admin: string; auditor: string; dpo: string }

export async function tokens(h: Harness, jurisdiction: Jurisdiction = 'RS'): Promise<Tokens> {
  const j = [jurisdiction];
  const p = jurisdiction === 'RS' ? '' : `-${jurisdiction.toLowerCase()}`;
  return {
    lawyer: await h.token(`lawyer-1${p}`, ['lawyer'], j),
    lawyer2: await h.token(`lawyer-2${p}`, ['lawyer'], j),
    assessor: await h.token(`assessor-1${p}`, ['fund-assessor'], j),
    approver1: await h.token(`approver-1${p}`, ['fund-approver'], j),
    approver2: await h.token(`approver-2${p}`, ['fund-approver'], j),
    finance: await h.token(`finance-1${p}`, ['fund-finance'], j),
    admin: await h.token(`admin-1${p}`, ['fund-admin'], j),
    auditor: await h.token('auditor-1', ['auditor'], j),
    dpo: await h.token('dpo-1', ['dpo'], j),
  };
}

async function step(h: Harness, id: string, path: string, token: string, body: unknown): Promise<void> {
  const r = await h.post(`/claims/${id}/${path}`, token, body);
  if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${r.body}`);
}

export async function fileClaim(h: Harness, token: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const r = await h.post('/claims', token, claimBody(overrides));
  if (r.statusCode !== 201) throw new Error(`file: ${r.statusCode} ${r.body}`);
  return r.json<{ claimId: string }>().claimId;
}

/** Ruling, finality, failed enforcement and the application to the fund: status 'applied'. */
export async function appliedClaim(h: Harness, tk: Tokens, overrides: Record<string, unknown> = {}): Promise<string> {
  const id = await fileClaim(h, tk.lawyer, overrides);
  await step(h, id, 'court-rulings', tk.lawyer, { court: 'Higher Court in Belgrade', caseNumber: 'K-7/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] });
  await step(h, id, 'ruling-finality', tk.lawyer, { finalOn: '2025-06-30' });
  await step(h, id, 'enforcement-failures', tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: '2025-09-01' });
  await step(h, id, 'fund-application', tk.lawyer, { otherCompensationDeclared: [] });
  return id;
}

export async function assess(h: Harness, id: string, tk: Tokens, amount = 90_000_000): Promise<void> {
  await step(h, id, 'assessment', tk.assessor, { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(amount) }], deductions: [] });
}

/** Budgets `year` and the next year (`scheduledClaim`'s second instalment falls due in January 2027, committed in that year). */
export async function allocateBudget(h: Harness, tk: Tokens, year: number, amount = 10_000_000_000): Promise<void> {
  for (const y of [year, year + 1]) {
    const r = await h.post(`/funds/RS/${y}/budget`, tk.admin, { amount: RSD(amount) });
    if (r.statusCode !== 200) throw new Error(`budget: ${r.statusCode} ${r.body}`);
  }
}

/** Assessed for `amount`, approved (one or two approvers as the scheme requires), notified, scheduled in `instalments`. */
export async function scheduledClaim(h: Harness, tk: Tokens, amount = 90_000_000, instalments = 2): Promise<string> {
  const id = await appliedClaim(h, tk);
  await assess(h, id, tk, amount);
  await step(h, id, 'approvals', tk.approver1, {});
  // RS: awards above RSD 500,000 (50,000,000 minor units) need a second approver.
  if (amount > 50_000_000) await step(h, id, 'approvals', tk.approver2, {});
  await step(h, id, 'decision-notice', tk.approver1, { servedAt: new Date(h.clock.now.getTime() - 3600_000).toISOString() });
  await step(h, id, 'payout-schedule', tk.finance, { instalments, firstDueOn: '2026-12-01', intervalMonths: 1 });
  return id;
}

export async function disburse(h: Harness, id: string, tk: Tokens, n: number): Promise<void> {
  await step(h, id, `payouts/${n}/disbursement`, tk.finance, { paymentReference: `PAY-${id.slice(0, 8)}-${n}` });
}

export { step };

/** The current year in Belgrade (the RS fund year an approval commits against). */
export const rsYear = (at: Date = new Date()): number => Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Belgrade', year: 'numeric' }).format(at));

/** The projection app on the harness's read model; `h.runner` becomes the app's runner. */
/** `client`: the event store client the app reads with (the harness's, unless a test watches its reads). */
export async function startProjection(h: Harness, options: { now?: () => Date; store?: ReadModelStore; checks?: Record<string, () => Promise<boolean>>; openData?: boolean; client?: EventStoreDBClient } = {}): Promise<import('../src/index.ts').ProjectionApp> {
  const { buildApp } = await import('../src/index.ts');
  const keyStore = await FileKeyStore.open(keyStoreDir(h.dataDir));
  const app = await buildApp({
    client: options.client ?? h.env.eventStore, store: options.store ?? h.store, keyStore, masterKey: h.masterKey, chainSigner: h.chainSigner, chainKeyring: h.chainKeyring,
    jwtSecret: h.jwtSecret, logger: silent(),
    ...(options.now ? { now: options.now } : {}),
    ...(options.checks ? { checks: options.checks } : {}),
    ...(options.openData ? { openData: true } : {}),
    ...(h.documents ? { documents: h.documents } : {}),
  });
  h.runner = app.runner;
  return app;
}

export async function get(app: { inject: CommandApp['inject'] }, url: string, token?: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** A multipart/form-data body: the fields, then the file. */
export function form(fields: Record<string, string>, file?: { name: string; bytes: Buffer; type?: string }): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----cfund${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/pdf'}\r\n\r\n`), file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A document uploaded to the command service (POST /claims/{id}/documents). */
export async function upload(h: Harness, id: string, token: string, fields: Record<string, string>, file?: { name: string; bytes: Buffer; type?: string }, extra: Record<string, string> = {}) {
  const { payload, headers } = form(fields, file);
  return h.command.inject({ method: 'POST', url: `/claims/${id}/documents`, payload, headers: { ...headers, ...extra, authorization: `Bearer ${token}` } });
}
