/**
 * A lease that keeps one instance of several active: one key in a NATS KV bucket whose TTL is the
 * lease time. The holder renews it with a compare-and-set on its revision; a standby can only
 * `create` the key, which succeeds once the holder's last renewal expired (or it released the
 * lease). The relay uses it (the lease says who should publish; the hard fence is the
 * expected-last-sequence of every publish, see relay/publish-session.ts), and so does the
 * notification service (only the holder sends), through `keepLease`.
 */
import type { Logger } from 'pino';
import { StorageType, nanos, type KV, type NatsConnection } from 'nats';
import { alignReplicas } from './streams.js';

export interface LeaseOptions {
  bucket: string;
  key: string;
  ttlMs: number;
  /** Who holds it: written in the value, for operators. */
  holder: string;
  /** Replicas of the bucket (NATS_STREAM_REPLICAS); default 1. */
  replicas?: number;
}

export interface LeaseHolder {
  holder: string;
  revision: number;
  renewedAt: Date;
}

/** nats-server's "wrong last sequence" (compare-and-set refused). */
export function isWrongLastSequence(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; message?: string } | undefined;
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(e?.message ?? '');
}

function isStreamNotFound(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; message?: string } | undefined;
  return e?.api_error?.err_code === 10059 || /stream not found/i.test(e?.message ?? '');
}

/** A publish nobody answered: no stream captures the subject (the bucket is gone). */
function isNoResponders(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === '503' || /no responders/i.test(e?.message ?? '');
}

async function openBucket(nc: NatsConnection, options: LeaseOptions): Promise<KV> {
  // File storage: the lease outlives a nats-server restart, so the holder keeps it.
  const replicas = options.replicas ?? 1;
  const kv = await nc.jetstream().views.kv(options.bucket, { ttl: options.ttlMs, history: 1, storage: StorageType.File, replicas });
  // An existing bucket keeps its configuration: bring its TTL and replicas in line with the settings.
  const jsm = await nc.jetstreamManager();
  const stream = `KV_${options.bucket}`;
  const info = await alignReplicas(jsm, await jsm.streams.info(stream), replicas);
  if (info.config.max_age !== nanos(options.ttlMs)) await jsm.streams.update(stream, { ...info.config, max_age: nanos(options.ttlMs) });
  return kv;
}

export class Lease {
  private revision: number | undefined;
  /** performance.now() when the last successful claim or renewal was sent. */
  private renewedAt = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private kv: KV,
    private readonly options: LeaseOptions,
  ) {}

  static async open(nc: NatsConnection, options: LeaseOptions): Promise<Lease> {
    return new Lease(nc, await openBucket(nc, options), options);
  }

  get held(): boolean {
    return this.revision !== undefined;
  }

  /**
   * Held and renewed less than a TTL ago, by this process's clock. The sending time counts, so
   * the server's expiry (from when it stored the renewal) is never earlier than ours.
   */
  get valid(): boolean {
    return this.held && performance.now() - this.renewedAt < this.options.ttlMs;
  }

  private value(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ holder: this.options.holder, renewedAt: new Date().toISOString() }));
  }

  /** Takes the lease if nobody holds it. False if someone does (or the server could not be asked). */
  async tryAcquire(): Promise<boolean> {
    const sentAt = performance.now();
    try {
      this.revision = await this.kv.create(this.options.key, this.value());
      this.renewedAt = sentAt;
      return true;
    } catch (error) {
      if (isWrongLastSequence(error) || /exists/i.test((error as Error)?.message ?? '')) return false;
      if (isStreamNotFound(error) || isNoResponders(error)) {
        // The bucket is gone (deleted by hand, or JetStream's data lost): make it again; next poll takes it.
        this.kv = await openBucket(this.nc, this.options);
        return false;
      }
      throw error;
    }
  }

  /** Extends the lease. False if it was lost (expired and taken, or deleted); throws if NATS could not answer. */
  async renew(): Promise<boolean> {
    if (this.revision === undefined) return false;
    const sentAt = performance.now();
    try {
      this.revision = await this.kv.update(this.options.key, this.value(), this.revision);
      this.renewedAt = sentAt;
      return true;
    } catch (error) {
      if (isWrongLastSequence(error) || isStreamNotFound(error)) {
        this.revision = undefined;
        return false;
      }
      throw error;
    }
  }

  /** Gives the lease up at once (only if still ours), so a standby need not wait for the TTL. */
  async release(): Promise<void> {
    const revision = this.revision;
    this.revision = undefined;
    if (revision === undefined) return;
    await this.kv.delete(this.options.key, { previousSeq: revision }).catch(() => undefined);
  }

  /** Forget the lease without telling the server (it expires after the TTL). */
  forget(): void {
    this.revision = undefined;
  }

  /** The current holder, if any (for status and tests). */
  async current(): Promise<LeaseHolder | undefined> {
    const entry = await this.kv.get(this.options.key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    const value = entry.json<{ holder: string }>();
    return { holder: value.holder, revision: entry.revision, renewedAt: entry.created };
  }
}

export interface LeaseKeeper {
  /** Held, and renewed less than a TTL ago by this process's clock: act as the one active instance. */
  active(): boolean;
  /** Stops renewing and releases the lease (a standby takes over at once). */
  stop(): Promise<void>;
}

/**
 * Keeps trying for the lease and, once held, renews it: a standby polls every `standbyPollMs`,
 * the holder renews every `renewIntervalMs`. `onAcquired` runs each time the lease is taken,
 * before `active()` turns true (the new holder settles what the old one may have done);
 * `onLost` when it is lost. Between the loss and the holder noticing it, `active()` turns false
 * by itself once the last renewal is a TTL old.
 */
export async function keepLease(options: LeaseOptions & {
  nc: NatsConnection;
  renewIntervalMs: number;
  standbyPollMs: number;
  onAcquired?: () => Promise<void>;
  onLost?: (reason: string) => void;
  logger?: Logger;
}): Promise<LeaseKeeper> {
  const lease = await Lease.open(options.nc, options);
  let stopped = false;
  let ready = false;
  // Each taking of the lease is a generation: a settling that ends after the lease was lost (and
  // perhaps taken again) must not make this instance active.
  let generation = 0;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => { clearTimeout(timer); resolve(); };
  });
  const lost = (reason: string) => {
    generation++;
    ready = false;
    lease.forget();
    options.logger?.warn({ lease: options.key, reason }, 'lease lost: standing by');
    options.onLost?.(reason);
  };
  // onAcquired runs beside the renewals, so that a long settling does not let the lease expire.
  const settle = async (mine: number) => {
    try {
      await options.onAcquired?.();
      if (mine === generation && lease.held && !stopped) ready = true;
    } catch (error) {
      options.logger?.error({ err: error, lease: options.key }, 'could not take over: giving the lease up');
      if (mine === generation && lease.held) {
        generation++;
        await lease.release();
      }
    }
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        if (!lease.held) {
          if (await lease.tryAcquire()) {
            if (stopped) break;
            options.logger?.info({ lease: options.key, holder: options.holder }, 'took the lease: taking over');
            void settle(++generation);
          } else {
            await sleep(options.standbyPollMs);
          }
          continue;
        }
        await sleep(options.renewIntervalMs);
        if (stopped) break;
        try {
          if (!(await lease.renew())) lost('taken by another instance');
        } catch (error) {
          if (!lease.valid) lost(`not renewed within its TTL (${(error as Error).message})`);
        }
      } catch (error) {
        options.logger?.error({ err: error, lease: options.key }, 'lease loop error');
        await sleep(options.standbyPollMs);
      }
    }
  })();
  return {
    active: () => ready && lease.valid,
    async stop() {
      stopped = true;
      ready = false;
      wake?.();
      await loop;
      if (lease.held) await lease.release();
    },
  };
}
