import { StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from 'pino';
import { claimStream, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { sweepOrphans, type DocumentStore, type OrphanSweepResult } from '@cfund/documents';

/** The storage keys a claim's DocumentAttached events name, read from the event store (the source of truth). */
export async function recordedDocumentKeys(client: EventStoreDBClient, claimId: string): Promise<Set<string>> {
  const keys = new Set<string>();
  try {
    for await (const resolved of client.readStream(claimStream(claimId))) {
      const stored = resolved.event;
      if (stored?.type !== 'DocumentAttached') continue;
      // Validated and upcast like every read of the claim: the key as the current shape names it.
      const event = parseEvent('DocumentAttached', stored.data) as Extract<ClaimEvent, { type: 'DocumentAttached' }>;
      keys.add(event.data.storageKey);
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return keys;
}

export async function sweepDocuments(store: DocumentStore, client: EventStoreDBClient, graceMs: number): Promise<OrphanSweepResult> {
  return sweepOrphans(store, { graceMs, recordedKeys: (claimId) => recordedDocumentKeys(client, claimId) });
}

/**
 * Sweeps orphaned document bytes (stored, then a crash before DocumentAttached) at start-up and
 * then every `intervalMs` (0: at start-up only). Several instances may sweep at once: removing
 * an orphan twice is harmless. Returns a stop function.
 */
export function startDocumentSweep(store: DocumentStore, client: EventStoreDBClient, options: { intervalMs: number; graceMs: number }, logger: Logger): () => void {
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const result = await sweepDocuments(store, client, options.graceMs);
      if (result.removed.length > 0) logger.warn({ removed: result.removed, examined: result.examined }, 'document sweep removed bytes no claim event names (an upload interrupted between storing and recording)');
      if (result.incomplete.length > 0) logger.warn({ incomplete: result.incomplete }, 'document sweep removed what uploads that never completed left under no key');
      if (result.unattributed > 0) logger.info({ unattributed: result.unattributed }, 'document sweep left stored keys that name no claim alone');
    } catch (error) {
      logger.error({ err: error }, 'document sweep failed; it will run again');
    } finally {
      running = false;
    }
  };
  void run();
  if (options.intervalMs === 0) return () => undefined;
  const timer = setInterval(() => { void run(); }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
