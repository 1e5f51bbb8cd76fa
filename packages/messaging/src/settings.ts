/**
 * Every JetStream stream and consumer setting of the system, in one place. The README explains
 * what each gives and why it was chosen; change a value here and there together.
 */
import { DiscardPolicy, RetentionPolicy, StorageType } from 'nats';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const GIB = 1024 ** 3;

/** Stream names and subject roots (part of the messaging contract). */
export const EVENTS_STREAM = 'CFUND_EVENTS';
export const EVENTS_SUBJECT_ROOT = 'cfund.events';
export const DEAD_LETTERS_STREAM = 'CFUND_DEAD_LETTERS';
export const DEAD_LETTER_SUBJECT_ROOT = 'cfund.dead-letter';

export interface StreamSettings {
  name: string;
  subjects: string[];
  storage: StorageType;
  retention: RetentionPolicy;
  discard: DiscardPolicy;
  /** 0 = no age limit. */
  maxAgeMs: number;
  /** -1 = unlimited. */
  maxBytes: number;
  maxMsgs: number;
  /** Window in which a second publish with the same Nats-Msg-Id is dropped. */
  duplicateWindowMs: number;
  replicas: number;
  denyDelete: boolean;
  denyPurge: boolean;
}

export interface RelaySettings {
  leaseBucket: string;
  leaseKey: string;
  leaseTtlMs: number;
  renewIntervalMs: number;
  standbyPollMs: number;
  publishTimeoutMs: number;
  publishInFlight: number;
  retryDelayMs: number;
  stopTimeoutMs: number;
  stuckAfterFailures: number;
}

export const messagingSettings = {
  /**
   * Every event of EventStoreDB `$all` except system events, published by the relay.
   * No age limit: the newest message is the relay's checkpoint (its Cfund-Position header), and
   * an age limit would delete it after a quiet period, making the relay replay `$all` from the
   * start. Bounded by size instead, discarding the oldest: the newest message always stays.
   * EventStoreDB stays the source of truth; a consumer that needs older events rebuilds from it.
   */
  eventsStream: {
    name: EVENTS_STREAM,
    subjects: [`${EVENTS_SUBJECT_ROOT}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    maxAgeMs: 0,
    maxBytes: 20 * GIB,
    maxMsgs: -1,
    duplicateWindowMs: 10 * MINUTE_MS,
    replicas: 1,
    // Deleting single messages would punch holes a consumer cannot notice; a purge stays possible
    // for operators (the relay then republishes from the start of $all: consumers are idempotent).
    denyDelete: true,
    denyPurge: false,
  } satisfies StreamSettings,

  /** Messages a consumer gave up on, kept for inspection and replay by hand. */
  deadLettersStream: {
    name: DEAD_LETTERS_STREAM,
    subjects: [`${DEAD_LETTER_SUBJECT_ROOT}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    maxAgeMs: 90 * DAY_MS,
    maxBytes: 1 * GIB,
    maxMsgs: -1,
    duplicateWindowMs: 10 * MINUTE_MS,
    replicas: 1,
    denyDelete: false,
    denyPurge: false,
  } satisfies StreamSettings,

  /** Durable pull consumers made by consumeEvents. */
  consumer: {
    /** Attempts at one message (deliveries that reached `handle`) before it is dead-lettered. */
    maxDeliver: 5,
    /** Unacknowledged this long, a message is redelivered; a running handler extends it (working()). */
    ackWaitMs: 30_000,
    /**
     * One message in flight: the next is not delivered before the current one is acked or
     * terminated, so a nak'd message keeps its place and order holds per consumer.
     */
    maxAckPending: 1,
    /**
     * Messages in flight for a consumer whose handler puts each stream in order itself
     * (OrderedApplier; `inFlight` of consumeEvents): no round trip to the server between two
     * events, so its throughput is its handler's.
     */
    orderedInFlight: 64,
    /**
     * The server's max_deliver stays unlimited on purpose: the consumer counts deliveries and
     * dead-letters itself, so a message is never dropped silently (e.g. when the process died
     * during the last attempt, or the dead-letter publish failed).
     */
    serverMaxDeliver: -1,
    /**
     * Life of one pull request; the server sends heartbeats at half of it and the client re-pulls
     * after two missed ones. On a cluster, a consumer whose leader node died gets no more
     * messages until then: nats.js's 30 s default meant 30 s without events after a node crash,
     * this means about 5 s, for one small request every 5 s while idle.
     */
    pullExpiresMs: 5_000,
    /** nak delay after a failed attempt n: min(base * 2^(n-1), max). */
    nakDelayBaseMs: 1_000,
    nakDelayMaxMs: 60_000,
    /**
     * A consumer with messages pending that settled none for this long counts as stalled in its
     * service's /ready (longer than every retry of one message: nak delays and the ack wait).
     */
    stallAfterMs: 5 * MINUTE_MS,
  },

  /** The ephemeral consumers of followEvents (one at a time per follower, made again after a loss). */
  follower: {
    /**
     * The server deletes such a consumer this long after its last pull request while none with
     * a listener waits: a stopped or crashed follower leaves nothing behind for longer, since a
     * service's user may not delete consumers (a subject cannot restrict that to its own). A
     * live one pulls again every `consumer.pullExpiresMs`, so it must be longer than that; a
     * disconnection longer than this costs the consumer, which the follower then makes again.
     */
    inactiveThresholdMs: 30_000,
    /** Messages asked for per pull request. */
    maxMessages: 256,
  },

  /** The relay from EventStoreDB $all to CFUND_EVENTS, and the lease that keeps it single. */
  relay: {
    /** KV bucket (file storage) and key of the lease. */
    leaseBucket: 'CFUND_RELAY_LEASE',
    leaseKey: 'relay',
    /** A holder that has not renewed for this long has lost the lease (the bucket's TTL). */
    leaseTtlMs: 5_000,
    /** The holder renews this often (several renewals fit in one TTL). */
    renewIntervalMs: 1_000,
    /** A standby tries to take the lease this often. */
    standbyPollMs: 500,
    /** Waiting for one publish's JetStream ack. */
    publishTimeoutMs: 5_000,
    /**
     * Publishes awaiting their JetStream ack at once. One at a time, the round trip (1-3 ms, more
     * under load) capped the relay near 300 events/s and queued events behind it; each still
     * expects the sequence of the one before, so the fence holds for every message.
     */
    publishInFlight: 64,
    /** Pause before a new publishing session after an error. */
    retryDelayMs: 1_000,
    /** stop() waits at most this long for the session, and again for the lease release. */
    stopTimeoutMs: 2_000,
    /**
     * Publishing sessions failing in a row (while NATS is reachable) before the relay counts as
     * stuck in its host's /ready: about this many seconds at one retry per retryDelayMs.
     */
    stuckAfterFailures: 5,
  } satisfies RelaySettings as RelaySettings,

  /**
   * Durability of JetStream file storage. nats-server (2.9) writes each message to its file on
   * publish but fsyncs on an interval (`sync_interval`, default 2 minutes), not per message; we
   * keep that default (see README): after a machine crash the stream may lose its newest
   * messages, and the relay, whose checkpoint is the newest message that survived, publishes them
   * again from EventStoreDB.
   */
  durability: {
    storage: 'file',
    fsync: 'server default interval (2 min)',
  },
} as const;
