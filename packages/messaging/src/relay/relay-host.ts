/**
 * Runs a relay inside a service process: connects to NATS in the background (the service starts
 * and serves even while NATS is down; the relay catches up from its checkpoint once it is up),
 * and stops cleanly on shutdown.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import { pino, type Logger } from 'pino';
import { messagingSettings, type RelaySettings } from '../settings.js';
import { startRelay, type Relay, type RelayStatus } from './relay.js';
import type { EventSigningKeys } from '../signature.js';

export interface RelayHostOptions {
  eventStore: EventStoreDBClient;
  /** One server, or several nodes of a cluster. */
  natsUrl: string | string[];
  /** Further connection options, e.g. `user` and `pass` (never logged). */
  natsOptions?: Omit<ConnectionOptions, 'servers'>;
  /** Key of the Cfund-Signature on every message (eventSigningKey). */
  signingKey: EventSigningKeys;
  logger?: Logger;
  /** Pause between attempts to reach NATS at start-up (ms). */
  connectRetryMs?: number;
  settings?: Partial<RelaySettings>;
  /** Replicas of CFUND_EVENTS and the lease bucket (NATS_STREAM_REPLICAS). */
  replicas?: number;
}

export interface RelayHost {
  /** Undefined until NATS was reached and the relay started. */
  status(): RelayStatus | undefined;
  /** Whether the NATS connection is currently up. */
  natsConnected(): boolean;
  /**
   * Why the relay makes no progress although NATS is up (its sessions keep failing, or it could
   * not start at all), for /ready; undefined while it works or merely waits for NATS.
   */
  stuck(): string | undefined;
  stop(): Promise<void>;
}

export function startRelayHost(options: RelayHostOptions): RelayHost {
  const logger = options.logger ?? pino({ enabled: false });
  const retryMs = options.connectRetryMs ?? 2_000;
  let stopped = false;
  let nc: NatsConnection | undefined;
  let relay: Relay | undefined;
  let connected = false;
  let cancelWait: (() => void) | undefined;
  let startFailures = 0;
  let startError = '';
  const stuckAfter = { ...messagingSettings.relay, ...options.settings }.stuckAfterFailures;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      cancelWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = (async () => {
    let attempt = 0;
    while (!stopped) {
      try {
        // Reconnects forever once connected: a NATS restart does not end the relay.
        nc = await connect({ ...options.natsOptions, servers: options.natsUrl, name: 'cfund-relay', maxReconnectAttempts: -1, reconnectTimeWait: 1_000 });
        break;
      } catch (error) {
        attempt += 1;
        if (attempt === 1 || attempt % 30 === 0) logger.warn({ natsUrl: options.natsUrl, attempt, error: (error as Error).message }, 'relay: NATS not reachable yet; retrying');
        await pause();
      }
    }
    if (!nc) return;
    if (stopped) {
      await nc.close();
      return;
    }
    connected = true;
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') connected = false;
        if (s.type === 'reconnect') connected = true;
      }
    })();
    while (!stopped) {
      try {
        relay = await startRelay({ eventStore: options.eventStore, nc, signingKey: options.signingKey, logger,
          ...(options.settings ? { settings: options.settings } : {}),
          ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
        });
        logger.info({ natsUrl: options.natsUrl, relay: relay.status().instanceId }, 'relay started (standby until it holds the lease)');
        return;
      } catch (error) {
        startFailures += 1;
        startError = (error as Error).message;
        logger.warn({ error: startError }, 'relay: could not start (JetStream unavailable?); retrying');
        await pause();
      }
    }
  })().catch((error: unknown) => logger.error({ error: (error as Error).message }, 'relay could not start'));

  return {
    status: () => relay?.status(),
    natsConnected: () => connected && !!nc && !nc.isClosed(),
    stuck() {
      if (stopped || !connected || !nc || nc.isClosed()) return undefined;
      if (!relay) return startFailures >= stuckAfter ? `could not start ${startFailures} times: ${startError}` : undefined;
      const s = relay.status();
      if (s.role === 'leader' && s.consecutiveFailures >= stuckAfter) return `${s.consecutiveFailures} publishing sessions failed in a row: ${s.lastError ?? ''}`;
      return undefined;
    },
    async stop() {
      stopped = true;
      cancelWait?.();
      await run;
      await relay?.stop();
      const connection = nc;
      if (connection && !connection.isClosed()) {
        // Draining waits for the server: during an outage it would never end.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2_000);
          void connection.drain().catch(() => undefined).finally(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (!connection.isClosed()) await connection.close();
      }
      connected = false;
    },
  };
}
