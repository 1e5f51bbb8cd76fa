/** The key store the configuration names (service-kit's keyStoreEnv). */
import type { NatsConnection } from 'nats';
import { NatsKeyStore } from './nats-key-store.js';
import { FileKeyStore, type RewrappableKeyStore } from './personal-data.js';

export interface KeyStoreConfig {
  KEY_STORE: 'file' | 'nats';
  KEY_STORE_BUCKET: string;
  /** Replicas of the bucket at its creation. */
  NATS_STREAM_REPLICAS: number;
  /** The file store's directory (service-kit's keyStoreDir). */
  keyStoreDir: string;
  /** A service that only decrypts. */
  readOnly?: boolean;
}

/** `connectNats` is called only for `nats`. */
export async function openKeyStore(config: KeyStoreConfig, connectNats: () => Promise<NatsConnection>): Promise<RewrappableKeyStore> {
  const readOnly = config.readOnly ?? false;
  if (config.KEY_STORE === 'file') return FileKeyStore.open(config.keyStoreDir, { readOnly });
  return NatsKeyStore.open(await connectNats(), { bucket: config.KEY_STORE_BUCKET, replicas: config.NATS_STREAM_REPLICAS, readOnly });
}
