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
import { RelayLease } from './lease.js';
import { RelayFencedError, runPublishSession } from './publish-session.js';

export interface RelayOptions {
  eventStore: EventStoreDBClient;
  nc: NatsConnection;
  logger?: Logger;
  /** Names this instance in the lease and the logs; default host, pid and a random suffix. */
  instanceId?: string;
  /** Overrides of messagingSettings.relay (tests use a short TTL and their own bucket). */
  settings?: Partial<RelaySettings>;
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
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const logger = (options.logger ?? pino({ enabled: false })).child({ component: 'relay', relay: instanceId });
  const { nc, eventStore } = options;
  const js = nc.jetstream({ timeout: settings.publishTimeoutMs });
  const jsm = await nc.jetstreamManager();
  const lease = await RelayLease.open(nc, { bucket: settings.leaseBucket, key: settings.leaseKey, ttlMs: settings.leaseTtlMs, holder: instanceId });

  const status: RelayStatus = { instanceId, role: 'standby', published: 0, leaderships: 0, fenced: 0 };
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

  // The running sessions of this leadership, and whether the last one ended fenced.
  let session: { abort: AbortController; done: Promise<void> } | undefined;
  let fencedSinceRenewal = false;

  const runSessions = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await runPublishSession({
          eventStore,
          js,
          jsm,
          signal,
          publishTimeoutMs: settings.publishTimeoutMs,
          onCheckpoint: (c) => logger.info({ lastSequence: c.lastSequence, position: c.position?.commit.toString() ?? 'start' }, 'publishing from checkpoint'),
          onPublished: (envelope) => {
            status.published += 1;
            status.lastPosition = envelope.commitPosition;
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
        logger.error({ error: describe(error) }, 'publishing session failed; restarting from the checkpoint');
        await new Promise((resolve) => setTimeout(resolve, settings.retryDelayMs));
      }
    }
  };

  const lead = () => {
    status.role = 'leader';
    status.leaderships += 1;
    fencedSinceRenewal = false;
    const abort = new AbortController();
    session = { abort, done: runSessions(abort.signal) };
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
        if (!renewed) {
          await stepDown('the lease was taken by another relay');
        } else if (fencedSinceRenewal) {
          // Still ours: a deposed relay published in between. Continue from the new checkpoint.
          logger.warn('fenced while holding the lease; resuming from the stream checkpoint');
          await endSession();
          status.role = 'standby';
          lead();
          status.leaderships -= 1;
        }
      } catch (error) {
        logger.error({ error: describe(error) }, 'relay control loop error');
        await sleep(settings.retryDelayMs);
      }
    }
  })();

  return {
    status: () => ({ ...status }),
    async stop() {
      if (stopped) return;
      stopped = true;
      wake?.();
      await control;
      const wasLeader = status.role === 'leader';
      await endSession();
      if (wasLeader) await lease.release();
      status.role = 'stopped';
      logger.info({ published: status.published }, 'relay stopped');
    },
  };
}
