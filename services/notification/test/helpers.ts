/**
 * A notification service on a real embedded event store, next to a real command service that
 * appends the claim events. Until the relay carries them over NATS, `pump()` plays the relay:
 * it reads $all and hands each claim event to the notifier as a messaging envelope would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { START, type EventStoreDBClient } from '@eventstore/db-client';
import type { Test } from 'tap';
import type { Jurisdiction, Role } from '@cfund/contracts';
import { buildApp as buildCommandApp, type CommandApp } from '@cfund/command-service';
import { FileKeyStore, PersonalDataProtector, createLogger } from '@cfund/eventstore';
import { signToken } from '@cfund/service-kit';
import { startTestEnvironment, type TestEnvironment } from '@cfund/test-support';
import { buildApp, NotificationStore, type BuildAppOptions, type ClaimEventEnvelope, type NotificationApp } from '../src/index.ts';

export const VICTIM_NAME = 'Jelena Testović';

export interface Harness {
  env: TestEnvironment;
  command: CommandApp;
  app: NotificationApp;
  store: NotificationStore;
  dataDir: string;
  secret: Uint8Array;
  logs: string[];
  token(sub: string, roles: Role[], jurisdictions?: Jurisdiction[]): Promise<string>;
  /** Feeds every claim event appended since the last pump to the notifier, in $all order. */
  pump(target?: NotificationApp): Promise<number>;
  /** A fresh notification app on a new SQLite file (as after losing the working state), same event store. */
  rebuild(options?: Partial<BuildAppOptions>): Promise<NotificationApp>;
}

/** A controllable clock. */
export function clock(start: string | Date = new Date()) {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (at: string | Date) => { t = new Date(at).getTime(); },
    advance: (ms: number) => { t += ms; },
  };
}

export async function readClaimEnvelopes(client: EventStoreDBClient): Promise<ClaimEventEnvelope[]> {
  const out: ClaimEventEnvelope[] = [];
  for await (const resolved of client.readAll({ fromPosition: START, resolveLinkTos: false, maxCount: Number.MAX_SAFE_INTEGER })) {
    const e = resolved.event;
    if (!e || !e.streamId.startsWith('claim-') || !e.isJson) continue;
    out.push({ eventId: e.id, streamId: e.streamId, revision: Number(e.revision), type: e.type, data: e.data, created: e.created.toISOString() });
  }
  return out;
}

export async function startHarness(t: Test, options: Partial<BuildAppOptions> = {}): Promise<Harness> {
  const env = await startTestEnvironment({ memDb: true });
  if (env.skipped !== undefined) throw new Error(env.skipped);
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-notification-'));
  const keyStore = await FileKeyStore.open(join(dataDir, 'keys'));
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore, masterKey });
  const secret = randomBytes(32);
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => { logs.push(line); } } });
  const command = await buildCommandApp({ client: env.eventStore, protector, jwtSecret: secret, fingerprintSecret: masterKey, logger });
  const apps: NotificationApp[] = [];
  const stores: NotificationStore[] = [];
  let n = 0;
  const make = async (extra: Partial<BuildAppOptions>) => {
    const store = NotificationStore.open(join(dataDir, `notification-${n++}.db`));
    stores.push(store);
    const app = await buildApp({ client: env.eventStore, store, jwtSecret: secret, logger, ...options, ...extra });
    apps.push(app);
    return app;
  };
  const app = await make({});
  t.teardown(async () => {
    for (const a of apps) await a.close();
    for (const s of stores) s.close();
    await command.close();
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const seen = new Map<NotificationApp, Set<string>>();
  return {
    env, command, app, store: app.store, dataDir, secret, logs,
    token: (sub, roles, jurisdictions = ['RS']) => signToken(secret, { sub, roles, jurisdictions }),
    pump: async (target = app) => {
      const done = seen.get(target) ?? new Set<string>();
      seen.set(target, done);
      let count = 0;
      for (const envelope of await readClaimEnvelopes(env.eventStore)) {
        if (done.has(envelope.eventId)) continue;
        await target.notifier.handle(envelope);
        done.add(envelope.eventId);
        count++;
      }
      return count;
    },
    rebuild: (extra = {}) => make(extra),
  };
}

const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });

/** The current year in Belgrade (the RS fund year an approval commits against). */
export const rsYear = (): number => Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Belgrade', year: 'numeric' }).format(new Date()));

/**
 * One RS claim through the real command service: filing, court track, application, assessment,
 * two approvals, service of the decision, appeal, appeal decision, payout schedule, an instalment
 * paid, returned (failed) and paid again, erasure. Returns the claim id.
 */
export async function lifecycle(h: Harness, options: { until?: string; lawyer?: string } = {}): Promise<string> {
  const lawyerSub = options.lawyer ?? 'lawyer-1';
  const tk = {
    lawyer: await h.token(lawyerSub, ['lawyer']), assessor: await h.token('assessor-1', ['fund-assessor']),
    approver1: await h.token('approver-1', ['fund-approver']), approver2: await h.token('approver-2', ['fund-approver']),
    finance: await h.token('finance-1', ['fund-finance']), admin: await h.token('admin-1', ['fund-admin']), dpo: await h.token('dpo-1', ['dpo']),
  };
  const post = async (url: string, token: string, body: unknown) => {
    const r = await h.command.inject({ method: 'POST', url, payload: body as object, headers: { authorization: `Bearer ${token}` } });
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json<{ claimId: string }>();
  };
  await post(`/funds/RS/${rsYear()}/budget`, tk.admin, { amount: RSD(10_000_000_000) });
  const { claimId } = await post('/claims', tk.lawyer, {
    jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: VICTIM_NAME, dateOfBirth: '1995-04-12', contacts: { email: 'jelena@example.org' } },
    formOfExploitation: 'labour', incidentOn: '2025-01-10', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }],
  });
  const steps: [string, string, unknown][] = [
    ['court-rulings', tk.lawyer, { court: 'Higher Court in Belgrade', caseNumber: 'K-1/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] }],
    ['ruling-finality', tk.lawyer, { finalOn: '2025-06-30' }],
    ['enforcement-failures', tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: '2025-09-01' }],
    ['fund-application', tk.lawyer, { otherCompensationDeclared: [] }],
    ['assessment', tk.assessor, { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(90_000_000) }], deductions: [] }],
    ['approvals', tk.approver1, {}],
    ['approvals', tk.approver2, {}],
    ['decision-notice', tk.approver1, { servedAt: new Date(Date.now() - 3600_000).toISOString() }],
    ['appeals', tk.lawyer, { grounds: `The assessment left out the costs of treatment of ${VICTIM_NAME}.` }],
    ['appeal-decision', tk.approver1, { outcome: 'increased', decidedOn: '2026-01-10', netAward: RSD(95_000_000) }],
    ['payout-schedule', tk.finance, { instalments: 2, firstDueOn: '2027-01-04', intervalMonths: 1 }],
    ['payouts/1/disbursement', tk.finance, { paymentReference: 'PAY-2026-1' }],
    ['payouts/1/failure', tk.finance, { reason: `Account of ${VICTIM_NAME} closed.` }],
    ['payouts/1/disbursement', tk.finance, { paymentReference: 'PAY-2026-2' }],
  ];
  for (const [path, token, body] of steps) {
    await post(`/claims/${claimId}/${path}`, token, body);
    if (options.until === path) return claimId;
  }
  await post(`/victims/vic-${claimId}/erasure`, tk.dpo, { reason: 'Erasure request of the data subject.' });
  return claimId;
}
