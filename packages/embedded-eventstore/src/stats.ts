import type { EventStore } from './store.js';

/**
 * Writes a `$statsCollected` event periodically, as EventStoreDB does, so that `$all` holds
 * system events here too and consumers that forget to filter them fail locally.
 */
export function startStatsCollector(store: EventStore, streamName: string, intervalMs: number, onError: (err: Error) => void): () => void {
  const started = Date.now();
  const write = (): void => {
    const data = Buffer.from(JSON.stringify({
      'proc-startTime': new Date(started).toISOString(),
      'proc-uptimeSeconds': Math.round((Date.now() - started) / 1000),
      'proc-mem': process.memoryUsage().rss,
      'es-eventCount': store.all.count,
      'es-writerPosition': store.endPosition,
    }));
    store.append(streamName, { kind: 'any' }, [{ id: crypto.randomUUID(), type: '$statsCollected', isJson: true, data, metadata: Buffer.alloc(0) }])
      .catch((err: Error) => onError(err));
  };
  // Keep a day of statistics readable, like EventStoreDB's own stats streams.
  const meta = store.stream(`$$${streamName}`);
  if (!meta || meta.events.length === 0) {
    store.append(`$$${streamName}`, { kind: 'any' }, [{ id: crypto.randomUUID(), type: '$metadata', isJson: true, data: Buffer.from('{"$maxAge":86400}'), metadata: Buffer.alloc(0) }])
      .catch((err: Error) => onError(err));
  }
  const timer = setInterval(write, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
