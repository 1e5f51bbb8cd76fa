/**
 * A notification service on a real embedded event store, next to a real command service that
 * appends the claim events. `pump()` plays the relay and the durable consumer: it reads $all (as
 * admin) and hands each claim event to the notifier as a messaging envelope would. With `nats`,
 * the real relay publishes to a real nats-server too, and every app built here gets the reads of
 * CFUND_EVENTS it positions itself (shared state, catch-up) as the service's NATS user; with
 * `serviceUser`, the apps reach the event store as `cfund-notification` under the stream policy.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKWARDS, END, EventStoreDBClient, START } from '@eventstore/db-client';
import type { Test } from 'tap';
import type { Jurisdiction, Role } from '@cfund/contracts';
import { buildApp as buildCommandApp, type CommandApp } from '@cfund/command-service';
import { ChainKeyring, ChainSigner, FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { createLogger, signToken } from '@cfund/service-kit';
import { startTestEnvironment, type TestEnvironment } from '@cfund/test-support';
import { eventSigningKey, isSystemEvent, startRelay, storedEventOf, type Relay, type StoredEvent } from '@cfund/messaging';
import type { NatsConnection } from 'nats';
import { buildApp, NotificationStore, type BuildAppOptions, type NotificationApp } from '../src/index.ts';
import { notificationEvents, type NotificationEvents } from '../src/consumer.ts';

export const VICTIM_NAME = 'Jelena Testović';

export interface Harness {
  env: TestEnvironment;
  command: CommandApp;
  app: NotificationApp;
  store: NotificationStore;
  dataDir: string;
  secret: Uint8Array;
  /** The master key the notification stores seal webhook secrets with. */
  masterKey: Buffer;
  /** The key both services sign their events with, and the keyring that trusts it. */
  chainSigner: ChainSigner;
  chainKeyring: ChainKeyring;
  logs: string[];
  token(sub: string, roles: Role[], jurisdictions?: Jurisdiction[]): Promise<string>;
  /** Feeds every claim event appended since the last pump to the notifier, in $all order, then records the notifications in the event store. */
  pump(target?: NotificationApp): Promise<number>;
  /** A fresh notification app on a new SQLite file (as after losing the working state), same event store. */
  rebuild(options?: Partial<BuildAppOptions>): Promise<NotificationApp>;
  /** Closes the app and its SQLite file, then opens the same file in a new app (a restart). */
  restart(): Promise<NotificationApp>;
  /** A new app on the SQLite file at `path` (e.g. a copy of another's, as a power loss left it). */
  reopen(path: string, options?: Partial<BuildAppOptions>): Promise<NotificationApp>;
  /** With `nats`: the relay, the notification service's NATS connection and its reads of CFUND_EVENTS. */
  nats?: { relay: Relay; nc: NatsConnection; events: NotificationEvents; relayed(): Promise<void> };
  /** The client the apps reach the event store with (`cfund-notification` with `serviceUser`). */
  client: EventStoreDBClient;
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

export async function readClaimEnvelopes(client: EventStoreDBClient): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const resolved of client.readAll({ fromPosition: START, resolveLinkTos: false, maxCount: Number.MAX_SAFE_INTEGER })) {
    const e = resolved.event?.isJson ? storedEventOf(resolved) : undefined;
    if (e?.streamId.startsWith('claim-')) out.push(e);
  }
  return out;
}

export async function startHarness(t: Test, options: Partial<BuildAppOptions> = {}, extra: {
  commandNow?: () => Date; synchronous?: 'full' | 'normal'; nats?: boolean; serviceUser?: boolean;
} = {}): Promise<Harness> {
  const env = await startTestEnvironment({ memDb: true });
  if (env.skipped !== undefined) throw new Error(env.skipped);
  const dataDir = await mkdtemp(join(tmpdir(), 'cfund-notification-'));
  const keyStore = await FileKeyStore.open(join(dataDir, 'keys'));
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore, masterKey });
  const secret = randomBytes(32);
  const chainSigner = ChainSigner.generate();
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => { logs.push(line); } } });
  const command = await buildCommandApp({
    client: env.eventStore, chainSigner, protector, jwtSecret: secret, fingerprintSecret: masterKey, logger, ...(extra.commandNow ? { now: extra.commandNow } : {}),
  });
  const client = extra.serviceUser ? EventStoreDBClient.connectionString(await env.esdbConnectionStringFor('notification')) : env.eventStore;
  let relay: Relay | undefined;
  let nats: Harness['nats'];
  if (extra.nats) {
    relay = await startRelay({ eventStore: env.eventStore, nc: await env.connectNats(), signingKey: eventSigningKey(masterKey) });
    const nc = await env.connectNats(env.natsOptions('notification'));
    const started = relay;
    nats = {
      relay: started, nc, events: notificationEvents(nc, eventSigningKey(masterKey)),
      // Until the relay published the newest user event of $all.
      async relayed() {
        let last: bigint | undefined;
        for await (const r of env.eventStore.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 100 })) {
          if (last === undefined && r.event && !isSystemEvent(r.event)) last = r.event.position.commit;
        }
        const deadline = Date.now() + 30_000;
        while (last !== undefined && BigInt(started.status().lastPosition ?? -1) < last) {
          if (Date.now() > deadline) throw new Error('timed out waiting for the relay');
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    };
  }
  const apps: NotificationApp[] = [];
  const stores: NotificationStore[] = [];
  let n = 0;
  const make = async (more: Partial<BuildAppOptions>, path = join(dataDir, `notification-${n++}.db`)) => {
    const store = NotificationStore.open(path, { synchronous: extra.synchronous ?? 'full', masterKey });
    stores.push(store);
    // The tests' webhook receivers listen on 127.0.0.1.
    const built = await buildApp({
      client, chainSigner, store, jwtSecret: secret, logger, ...(nats ? { events: nats.events } : {}), ...options, ...more,
      settings: { allowPrivateWebhookTargets: true, ...options.settings, ...more.settings },
    });
    apps.push(built);
    paths.set(built, path);
    return built;
  };
  const paths = new Map<NotificationApp, string>();
  const app = await make({});
  t.teardown(async () => {
    for (const a of apps) await a.close();
    for (const s of stores) s.close();
    await relay?.stop();
    if (client !== env.eventStore) await client.dispose();
    await command.close();
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const seen = new Map<NotificationApp, Set<string>>();
  const h: Harness = {
    env, command, app, store: app.store, dataDir, client, ...(nats ? { nats } : {}), secret, masterKey, chainSigner, chainKeyring: ChainKeyring.of(chainSigner), logs,
    token: (sub, roles, jurisdictions = ['RS']) => signToken(secret, { sub, roles, jurisdictions }),
    pump: async (target = h.app) => {
      const done = seen.get(target) ?? new Set<string>();
      seen.set(target, done);
      let count = 0;
      for (const envelope of await readClaimEnvelopes(env.eventStore)) {
        if (done.has(envelope.eventId)) continue;
        await target.notifier.handle(envelope);
        done.add(envelope.eventId);
        count++;
      }
      await target.notifier.recordIssued(); // what the scheduler does next, in the background
      return count;
    },
    rebuild: (more = {}) => make(more),
    reopen: (path, more = {}) => make(more, path),
    restart: async () => {
      const old = h.app;
      await old.close();
      old.store.close();
      h.app = await make({}, paths.get(old));
      h.store = h.app.store;
      seen.set(h.app, seen.get(old) ?? new Set());
      return h.app;
    },
  };
  return h;
}

export interface LifecycleOptions {
  /** Stop after this step (its path, e.g. 'assessment'). */
  until?: string;
  lawyer?: string;
  jurisdiction?: 'RS' | 'AL';
  /** When the decision was served (default an hour ago). */
  servedAt?: string;
  /** The fund year of the budget (default the current year in the scheme's zone). */
  fundYear?: number;
}

/**
 * One RS claim through the real command service: filing, court track, application, assessment,
 * two approvals, service of the decision, appeal, appeal decision, payout schedule, an instalment
 * paid, returned (failed) and paid again, erasure. Returns the claim id.
 */
export async function lifecycle(h: Harness, options: LifecycleOptions = {}): Promise<string> {
  const lawyerSub = options.lawyer ?? 'lawyer-1';
  const j = options.jurisdiction ?? 'RS';
  const currency = j === 'RS' ? 'RSD' as const : 'ALL' as const;
  const RSD = (amountMinor: number) => ({ amountMinor: j === 'RS' ? amountMinor : amountMinor / 2, currency });
  const zone = j === 'RS' ? 'Europe/Belgrade' : 'Europe/Tirane';
  const year = options.fundYear ?? Number(new Intl.DateTimeFormat('en', { timeZone: zone, year: 'numeric' }).format(new Date()));
  const js = [j];
  const tk = {
    lawyer: await h.token(lawyerSub, ['lawyer'], js), assessor: await h.token('assessor-1', ['fund-assessor'], js),
    approver1: await h.token('approver-1', ['fund-approver'], js), approver2: await h.token('approver-2', ['fund-approver'], js),
    finance: await h.token('finance-1', ['fund-finance'], js), admin: await h.token('admin-1', ['fund-admin'], js), dpo: await h.token('dpo-1', ['dpo'], js),
  };
  const post = async (url: string, token: string, body: unknown) => {
    const r = await h.command.inject({ method: 'POST', url, payload: body as object, headers: { authorization: `Bearer ${token}` } });
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json<{ claimId: string }>();
  };
  // Next year's too: an instalment falling due then is committed in that year's ledger.
  for (const y of [year, year + 1]) await post(`/funds/${j}/${y}/budget`, tk.admin, { amount: RSD(10_000_000_000) });
  const { claimId } = await post('/claims', tk.lawyer, {
    jurisdiction: j, applicantRole: 'direct', victim: { fullName: VICTIM_NAME, dateOfBirth: '1995-04-12', contacts: { email: 'jelena@example.org' } },
    formOfExploitation: 'labour', incidentOn: '2025-01-10', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }],
  });
  const steps: [string, string, unknown][] = [
    ['court-rulings', tk.lawyer, { court: 'Higher Court in Belgrade', caseNumber: 'K-1/2025', decidedOn: j === 'RS' ? '2025-05-20' : '2025-12-01', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] }],
    // Albania counts 12 months from the final ruling: a later ruling keeps an autumn 2026 application in time.
    ['ruling-finality', tk.lawyer, { finalOn: j === 'RS' ? '2025-06-30' : '2026-01-15' }],
    ['enforcement-failures', tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: j === 'RS' ? '2025-09-01' : '2026-02-01' }],
    ['fund-application', tk.lawyer, { otherCompensationDeclared: [] }],
    ['assessment', tk.assessor, { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(90_000_000) }], deductions: [] }],
    ['approvals', tk.approver1, {}],
    ['approvals', tk.approver2, {}],
    ['decision-notice', tk.approver1, { servedAt: options.servedAt ?? new Date(Date.now() - 3600_000).toISOString() }],
    ['appeals', tk.lawyer, { grounds: `The assessment left out the costs of treatment of ${VICTIM_NAME}.` }],
    ['appeal-decision', tk.approver1, { outcome: 'increased', decidedOn: '2026-01-10', netAward: RSD(95_000_000) }],
    // Above the threshold the increase needs a second approver, as an award of that amount does.
    ['appeal-decision', tk.approver2, { outcome: 'increased', decidedOn: '2026-01-10', netAward: RSD(95_000_000) }],
    ['payout-schedule', tk.finance, { instalments: 2, firstDueOn: '2027-01-04', intervalMonths: 1 }],
    ['payouts/1/disbursement', tk.finance, { paymentReference: 'PAY-2026-1', earlyPayment: true }],
    ['payouts/1/failure', tk.finance, { reason: `Account of ${VICTIM_NAME} closed.` }],
    ['payouts/1/disbursement', tk.finance, { paymentReference: 'PAY-2026-2', earlyPayment: true }],
  ];
  for (const [path, token, body] of steps) {
    await post(`/claims/${claimId}/${path}`, token, body);
    if (options.until === path) return claimId;
  }
  await post(`/victims/vic-${claimId}/erasure`, tk.dpo, { reason: 'Erasure request of the data subject.' });
  return claimId;
}
