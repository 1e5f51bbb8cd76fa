/**
 * startRelay: one relay instance. As a standby it tries to take the lease every standbyPollMs;
 * as the holder it renews the lease every renewIntervalMs and runs publishing sessions
 * (publish-session.ts) until it stops, loses the lease, or a publish is fenced.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventStoreDBClient } from '@eventstore/db-client';
import type { NatsConnection } from 'nats';
import { pino, type Logger } from 'pino';
import { messagingSettings, type RelaySettings } from '../settings.js';
import { Lease } from '../lease.js';
import { RelayFencedError, runPublishSession } from './publish-session.js';
import type { EventSigningKeys } from '../signature.js';

export interface RelayOptions {
  eventStore: EventStoreDBClient;
  nc: NatsConnection;
  /** Key of the Cfund-Signature on every message (eventSigningKey). */
  signingKey: EventSigningKeys;
  logger?: Logger;
  /** Names this instance in the lease and the logs; default host, pid and a random suffix. */
  instanceId?: string;
  /** Overrides of messagingSettings.relay (tests use a short TTL and their own bucket). */
  settings?: Partial<RelaySettings>;
  /** Replicas of CFUND_EVENTS and the lease bucket if the relay creates or aligns them (NATS_STREAM_REPLICAS). */
  replicas?: number;
}

export type RelayRole = 'standby' | 'leader' | 'stopped';

export interface RelayStatus {
  instanceId: string;
  role: RelayRole;
  /** Events this instance published since it started. */
  published: number;
  /** $all commit position of the last event it published. */
  lastPosition?: string;
  /** Times it took the lease. */
  leaderships: number;
  /** Sessions that ended because a publish was fenced. */
  fenced: number;
  /**
   * Publishing sessions that failed in a row, each soon after the one before (reset by a
   * publish): the relay is stuck, not merely waiting for events, once this reaches
   * settings.stuckAfterFailures.
   */
  consecutiveFailures: number;
  /** The last failure, one line, when consecutiveFailures > 0. */
  lastError?: string;
}

export interface Relay {
  status(): RelayStatus;
  /** Stops publishing, then releases the lease so a standby takes over at once. */
  stop(): Promise<void>;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const settings = { ...messagingSettings.relay, ...options.settings };
  const replicas = options.replicas !== undefined ? { replicas: options.replicas } : {};
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const logger = (options.logger ?? pino({ enabled: false })).child({ component: 'relay', relay: instanceId });
  const { nc, eventStore } = options;
  const js = nc.jetstream({ timeout: settings.publishTimeoutMs });
  const jsm = await nc.jetstreamManager();
  const lease = await Lease.open(nc, { bucket: settings.leaseBucket, key: settings.leaseKey, ttlMs: settings.leaseTtlMs, holder: instanceId, ...replicas });

  const status: RelayStatus = { instanceId, role: 'standby', published: 0, leaderships: 0, fenced: 0, consecutiveFailures: 0 };
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  // While NATS or the event store is down the same failure repeats every retry: log it once,
  // then at most every 30 s, so an outage does not flood the log.
  const lastLogged = new Map<string, number>();
  const logFailure = (where: string, error: unknown) => {
    const key = `${where}: ${describe(error)}`;
    const now = performance.now();
    if (now - (lastLogged.get(key) ?? -Infinity) < 30_000) return;
    lastLogged.set(key, now);
    logger.error({ error: describe(error) }, where);
  };

  // The running sessions of this leadership, and whether the last one ended fenced.
  let session: { abort: AbortController; done: Promise<void> } | undefined;
  let fencedSinceRenewal = false;

  const runSessions = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      const startedAt = performance.now();
      const foreign: number[] = [];
      try {
        await runPublishSession({
          eventStore,
          js,
          jsm,
          signal,
          signingKey: options.signingKey,
          publishTimeoutMs: settings.publishTimeoutMs,
          inFlight: settings.publishInFlight,
          ...replicas,
          onForeign: (sequence) => foreign.push(sequence),
          onCheckpoint: (c) => {
            // One line per session, however many there were (they are in every consumer's dead letters).
            if (foreign.length > 0) logger.warn({ skipped: foreign.length, newest: foreign[0] }, 'skipped messages of CFUND_EVENTS the relay did not sign');
            logger.info({ lastSequence: c.lastSequence, position: c.position?.commit.toString() ?? 'start' }, 'publishing from checkpoint');
          },
          onPublished: (envelope) => {
            status.published += 1;
            status.lastPosition = envelope.commitPosition;
            status.consecutiveFailures = 0;
            delete status.lastError;
          },
        });
      } catch (error) {
        if (error instanceof RelayFencedError) {
          // Stop publishing at once; the control loop checks whether the lease is still ours.
          status.fenced += 1;
          fencedSinceRenewal = true;
          logger.warn({ error: describe(error) }, 'publish fenced: stopping this session');
          wake?.();
          return;
        }
        if (signal.aborted) return;
        // A session that ran a while before failing (e.g. a NATS restart) starts a new run.
        const quick = performance.now() - startedAt < settings.retryDelayMs + settings.publishTimeoutMs;
        status.consecutiveFailures = quick ? status.consecutiveFailures + 1 : 1;
        status.lastError = describe(error).slice(0, 300);
        logFailure('publishing session failed; restarting from the checkpoint', error);
        await new Promise((resolve) => setTimeout(resolve, settings.retryDelayMs));
      }
    }
  };

  const startSessions = () => {
    fencedSinceRenewal = false;
    const abort = new AbortController();
    session = { abort, done: runSessions(abort.signal) };
  };

  const lead = () => {
    status.role = 'leader';
    status.leaderships += 1;
    startSessions();
  };

  const endSession = async () => {
    const current = session;
    session = undefined;
    if (!current) return;
    current.abort.abort();
    await current.done;
  };

  const stepDown = async (reason: string) => {
    logger.warn({ reason }, 'no longer the relay leader');
    status.role = 'standby';
    lease.forget();
    await endSession();
  };

  const control = (async () => {
    while (!stopped) {
      try {
        if (status.role !== 'leader') {
          if (await lease.tryAcquire()) {
            if (stopped) break; // stop() releases it
            logger.info('took the relay lease');
            lead();
          } else {
            await sleep(settings.standbyPollMs);
          }
          continue;
        }
        if (!fencedSinceRenewal) await sleep(settings.renewIntervalMs);
        if (stopped) break;
        let renewed: boolean;
        try {
          renewed = await lease.renew();
        } catch (error) {
          if (!lease.valid) await stepDown(`lease not renewed within its TTL (${describe(error)})`);
          continue;
        }
        if (stopped) break;
        if (!renewed) {
          await stepDown('the lease was taken by another relay');
        } else if (fencedSinceRenewal) {
          // Still ours: a deposed relay published in between. Continue from the new checkpoint.
          logger.warn('fenced while holding the lease; resuming from the stream checkpoint');
          await endSession();
          startSessions();
        }
      } catch (error) {
        logFailure('relay control loop error', error);
        await sleep(settings.retryDelayMs);
      }
    }
  })();

  const bounded = (work: Promise<unknown>, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void work.catch(() => undefined).finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      stopped = true;
      wake?.();
      // End the session at once; a publish or lease call in flight during a NATS outage may take
      // up to its timeout, so stop waits a bounded time (the fence makes a late publish harmless).
      const current = session;
      current?.abort.abort();
      await bounded(Promise.all([control, current?.done]), settings.stopTimeoutMs);
      status.role = 'stopped';
      // Also a lease taken just as stop() began (the control loop then ends without leading).
      if (lease.held) await bounded(lease.release(), settings.stopTimeoutMs);
      logger.info({ published: status.published }, 'relay stopped');
    })());

  // A closed connection never comes back (nats.js reconnects an open one on its own): stop.
  void nc.closed().then(() => {
    if (stopped) return;
    logger.warn('NATS connection closed: relay stops');
    void stop();
  });

  return { status: () => ({ ...status }), stop };
}
