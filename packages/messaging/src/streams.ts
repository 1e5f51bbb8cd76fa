import { nanos, type JetStreamManager, type StreamConfig, type StreamInfo } from 'nats';
import { messagingSettings, type StreamSettings } from './settings.js';

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

/** Creates the stream, or brings an existing one's mutable limits in line with the settings. */
async function ensureStream(jsm: JetStreamManager, settings: StreamSettings): Promise<StreamInfo> {
  const wanted = streamConfig(settings);
  let existing: StreamInfo | undefined;
  try {
    existing = await jsm.streams.info(settings.name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (!existing) {
    // Adding with the same configuration is idempotent on the server, so two racing callers both succeed.
    return jsm.streams.add(wanted);
  }
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
export function ensureEventsStream(jsm: JetStreamManager): Promise<StreamInfo> {
  return ensureStream(jsm, messagingSettings.eventsStream);
}

/** CFUND_DEAD_LETTERS as in messagingSettings.deadLettersStream. */
export function ensureDeadLettersStream(jsm: JetStreamManager): Promise<StreamInfo> {
  return ensureStream(jsm, messagingSettings.deadLettersStream);
}
