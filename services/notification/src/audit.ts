/**
 * The audit trail in the event store: one stream per notification (`notification-<id>`) whose
 * first event, NotificationIssued, is appended with expected revision `no_stream`. A second
 * issue of the same id (a redelivered message, a replay, a restart between the append and the
 * local commit) is refused by the store, so it is recognised and nothing is sent twice.
 * Later events (attempts, delivery, failure, reads) continue the stream's hash chain.
 */
import { NO_STREAM, WrongExpectedVersionError, type EventStoreDBClient, type JSONType } from '@eventstore/db-client';
import { GENESIS_HASH, appendEncoded, loadStream, type ChainSigner, type StoredEvent } from '@cfund/eventstore';
import { EVENT_DEFINITIONS, notificationSettingsStream, notificationStream, webhookStream, type EventData } from '@cfund/contracts';

type NotificationEventType = 'NotificationIssued' | 'NotificationDeliveryAttempted' | 'NotificationDelivered' | 'NotificationDeliveryFailed'
  | 'NotificationDeliveryRetried' | 'NotificationRead';
type WebhookEventType = 'WebhookRegistered' | 'WebhookDisabled' | 'WebhookEnabled' | 'WebhookDeleted';
type Data<T extends NotificationEventType | WebhookEventType | 'NotificationLocaleChosen'> = Omit<EventData<T>, 'schemaVersion'>;

/** The current schema version of each event type: what is appended. */
const SCHEMA_VERSIONS = new Map<string, number>(EVENT_DEFINITIONS.map((d) => [d.type, d.version]));
const schemaVersionOf = (type: string): number => SCHEMA_VERSIONS.get(type) ?? 1;

/** What the stream of a notification says about its delivery. */
export interface NotificationTrail {
  issued: boolean;
  delivered: boolean;
  failed: boolean;
  attempts: number;
}

const emptyTrail = (): NotificationTrail => ({ issued: false, delivered: false, failed: false, attempts: 0 });

function evolveTrail(s: NotificationTrail, e: StoredEvent): NotificationTrail {
  switch (e.type) {
    case 'NotificationIssued': return { ...s, issued: true };
    case 'NotificationDeliveryAttempted': return { ...s, attempts: Math.max(s.attempts, (e.data as { attempt: number }).attempt) };
    case 'NotificationDelivered': return { ...s, delivered: true, failed: false };
    case 'NotificationDeliveryFailed': return { ...s, failed: true };
    case 'NotificationDeliveryRetried': return { ...s, failed: false };
    default: return s;
  }
}

/** Most stream heads remembered (the oldest is forgotten first). */
const HEAD_CACHE_SIZE = 10_000;

export class AuditTrail {
  /**
   * The head (revision, hash) of delivery streams this process appended to last, so that the next
   * append needs no read first. A miss or a stale entry (another writer; the store answers with a
   * version conflict) falls back to reading the stream.
   */
  private readonly heads = new Map<string, { revision: bigint; hash: string }>();

  constructor(private readonly client: EventStoreDBClient, private readonly signer: ChainSigner, private readonly service = 'notification') {}

  private remember(stream: string, revision: bigint, hash: string): void {
    this.heads.delete(stream);
    this.heads.set(stream, { revision, hash });
    if (this.heads.size > HEAD_CACHE_SIZE) this.heads.delete(this.heads.keys().next().value!);
  }

  /** Records a new notification: true, or false when this id was issued before. */
  async issued(data: Data<'NotificationIssued'>): Promise<boolean> {
    try {
      const stream = notificationStream(data.notificationId);
      const result = await appendEncoded(this.client, stream, [{ type: 'NotificationIssued', data: { schemaVersion: 1, ...data } as JSONType, schemaVersion: 1 }], {
        expectedRevision: NO_STREAM, prevHash: GENESIS_HASH, signer: this.signer,
        // No idempotency key on purpose: with a deterministic event id the store would answer a second
        // append of the same event as an idempotent success; a fresh id makes it a version conflict.
        metadata: { actor: this.service, occurredAt: data.issuedAt, correlationId: data.sourceId, causationId: data.sourceId },
      });
      if (data.channel !== 'inbox') this.remember(stream, result.revision, result.lastHash); // a delivery will follow
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
  }

  /** Reads a notification's stream: whether it was issued, delivered, failed, and how many attempts. */
  async trail(notificationId: string): Promise<NotificationTrail> {
    const loaded = await loadStream(this.client, notificationStream(notificationId), { initialState: emptyTrail, evolve: evolveTrail }, { decode: (e) => e });
    return loaded.state;
  }

  async notification<T extends Exclude<NotificationEventType, 'NotificationIssued'>>(type: T, data: Data<T> & { notificationId: string }, actor?: string): Promise<void> {
    await this.continueStream(notificationStream(data.notificationId), [{ type, data: data as unknown as Record<string, unknown> }], actor ?? this.service);
  }

  /** A successful attempt: NotificationDeliveryAttempted and NotificationDelivered in one append. */
  async delivered(attempted: Data<'NotificationDeliveryAttempted'>, delivered: Data<'NotificationDelivered'>): Promise<void> {
    await this.continueStream(notificationStream(attempted.notificationId), [
      { type: 'NotificationDeliveryAttempted', data: attempted as unknown as Record<string, unknown> },
      { type: 'NotificationDelivered', data: delivered as unknown as Record<string, unknown> },
    ], this.service);
  }

  async webhook<T extends WebhookEventType>(type: T, data: Data<T> & { webhookId: string }, actor: string): Promise<void> {
    await this.continueStream(webhookStream(data.webhookId), [{ type, data: data as unknown as Record<string, unknown> }], actor);
  }

  /** The language a user chose (or, with null, forgot), in their settings stream. */
  async localeChosen(data: Data<'NotificationLocaleChosen'>): Promise<void> {
    await this.continueStream(notificationSettingsStream(data.userId), [{ type: 'NotificationLocaleChosen', data: data as unknown as Record<string, unknown> }], data.userId);
  }

  /**
   * Appends events after the stream's last, continuing its hash chain: from the remembered head,
   * else after reading it; re-reads on a version conflict.
   */
  private async continueStream(stream: string, events: { type: string; data: Record<string, unknown> }[], actor: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let head = this.heads.get(stream);
      if (!head) {
        const loaded = await loadStream(this.client, stream, { initialState: () => null, evolve: () => null }, { decode: () => null });
        head = { revision: loaded.revision as bigint, hash: loaded.lastHash };
        if (loaded.revision === NO_STREAM) head = undefined;
      }
      try {
        const result = await appendEncoded(this.client, stream, events.map((e) => ({ type: e.type, data: { schemaVersion: schemaVersionOf(e.type), ...e.data } as JSONType, schemaVersion: schemaVersionOf(e.type) })), {
          expectedRevision: head ? head.revision : NO_STREAM, prevHash: head ? head.hash : GENESIS_HASH, signer: this.signer,
          metadata: { actor, occurredAt: new Date().toISOString(), correlationId: stream, causationId: stream },
        });
        this.remember(stream, result.revision, result.lastHash);
        return;
      } catch (error) {
        this.heads.delete(stream);
        if (!(error instanceof WrongExpectedVersionError) || attempt >= 5) throw error;
      }
    }
  }
}
