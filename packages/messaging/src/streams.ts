import { nanos, type JetStreamManager, type StreamConfig, type StreamInfo } from 'nats';
import { messagingSettings, type StreamSettings } from './settings.js';

/** Where the system's streams and buckets live: replicas on a cluster (NATS_STREAM_REPLICAS), 1 on one server. */
export interface StreamPlacement {
  replicas?: number;
}

function streamConfig(settings: StreamSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: settings.name,
    subjects: [...settings.subjects],
    storage: settings.storage,
    retention: settings.retention,
    discard: settings.discard,
    max_age: nanos(settings.maxAgeMs),
    max_bytes: settings.maxBytes,
    max_msgs: settings.maxMsgs,
    duplicate_window: nanos(settings.duplicateWindowMs),
    num_replicas: settings.replicas,
    deny_delete: settings.denyDelete,
    deny_purge: settings.denyPurge,
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; code?: string; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === '404' || /stream not found/i.test(e?.message ?? '');
}

const SCALE_CHECKS = 10;
const SCALE_CHECK_INTERVAL_MS = 1_000;

/**
 * Gives an existing stream (an events stream, a KV or object store bucket's) the replicas asked
 * for. nats-server scales a stream up or down in place on a cluster; a single server refuses more
 * than one replica, and that refusal becomes an error naming both counts.
 */
export async function alignReplicas(jsm: JetStreamManager, info: StreamInfo, replicas: number): Promise<StreamInfo> {
  if ((info.config.num_replicas || 1) === replicas) return info;
  // A single server (no cluster in its answer) accepts the change and keeps one copy: refuse it here.
  if (replicas > 1 && !info.cluster) {
    throw new Error(`stream ${info.config.name}: ${replicas} replicas were asked for (NATS_STREAM_REPLICAS), but NATS is a single server, not a cluster`);
  }
  try {
    return await jsm.streams.update(info.config.name, { ...info.config, num_replicas: replicas });
  } catch (error) {
    // Scaling can outlast the request's timeout on a loaded cluster, and another service may be
    // scaling the same stream: what counts is the count the stream ends with.
    // A refusal the server answered is final; only an unanswered request is worth waiting for.
    const answered = (error as { api_error?: unknown }).api_error !== undefined;
    for (let attempt = 0; attempt < (answered ? 1 : SCALE_CHECKS); attempt += 1) {
      const now = await jsm.streams.info(info.config.name).catch(() => undefined);
      if (now && (now.config.num_replicas || 1) === replicas) return now;
      if (!answered) await new Promise((resolve) => setTimeout(resolve, SCALE_CHECK_INTERVAL_MS));
    }
    throw new Error(
      `stream ${info.config.name} has ${info.config.num_replicas || 1} replica(s) and ${replicas} were asked for (NATS_STREAM_REPLICAS); ` +
        `the server refused to change them: ${(error as Error).message}`,
    );
  }
}

/** Creates the stream, or brings an existing one's mutable limits and replicas in line with the settings. */
async function ensureStream(jsm: JetStreamManager, settings: StreamSettings, placement: StreamPlacement): Promise<StreamInfo> {
  const wanted = streamConfig({ ...settings, replicas: placement.replicas ?? settings.replicas });
  let existing: StreamInfo | undefined;
  try {
    existing = await jsm.streams.info(settings.name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (!existing) {
    // Adding with the same configuration is idempotent on the server, so two racing callers both succeed.
    return jsm.streams.add(wanted).catch((error: unknown) => {
      if (wanted.num_replicas === 1) throw error;
      throw new Error(`cannot create stream ${settings.name} with ${wanted.num_replicas} replica(s) (NATS_STREAM_REPLICAS): ${(error as Error).message}`);
    });
  }
  existing = await alignReplicas(jsm, existing, wanted.num_replicas!);
  const c = existing.config;
  const same =
    c.max_age === wanted.max_age &&
    c.max_bytes === wanted.max_bytes &&
    c.max_msgs === wanted.max_msgs &&
    c.duplicate_window === wanted.duplicate_window &&
    c.discard === wanted.discard &&
    Boolean(c.deny_delete) === wanted.deny_delete &&
    Boolean(c.deny_purge) === wanted.deny_purge &&
    c.subjects.join(' ') === wanted.subjects?.join(' ');
  if (same) return existing;
  return jsm.streams.update(settings.name, { ...c, ...wanted });
}

/** CFUND_EVENTS as in messagingSettings.eventsStream. */
export function ensureEventsStream(jsm: JetStreamManager, placement: StreamPlacement = {}): Promise<StreamInfo> {
  return ensureStream(jsm, messagingSettings.eventsStream, placement);
}

/** CFUND_DEAD_LETTERS as in messagingSettings.deadLettersStream. */
export function ensureDeadLettersStream(jsm: JetStreamManager, placement: StreamPlacement = {}): Promise<StreamInfo> {
  return ensureStream(jsm, messagingSettings.deadLettersStream, placement);
}
