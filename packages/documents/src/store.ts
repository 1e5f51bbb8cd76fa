/**
 * Where the encrypted bytes of documents are kept: one interface, two implementations chosen by
 * configuration (DOCUMENT_STORE): the local file system under DATA_DIR (the embedded default)
 * and a NATS JetStream Object Store (replicated on a NATS cluster). Both hold only ciphertext.
 *
 * Write, then record: the service stores the bytes completely (durably) before it appends
 * DocumentAttached, and deletes them when the append is refused, so an event never points to
 * missing bytes. A crash between the two leaves an orphan (bytes no event names), never the reverse.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageType, type NatsConnection, type ObjectStore } from 'nats';
import { fsyncDir } from '@cfund/eventstore';
import { alignReplicas } from '@cfund/messaging';
import { ObjectChunks, type ChunkOptions } from './object-chunks.js';

export interface DocumentStore {
  readonly kind: 'fs' | 'nats';
  /** Stores the bytes under `key` (a new key), durably, before it resolves. */
  put(key: string, bytes: AsyncIterable<Uint8Array>): Promise<void>;
  /** The stored bytes from `offset` on, or undefined when nothing is stored under `key`. */
  get(key: string, offset?: number): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Removes what is stored under `key` (nothing if there is nothing). */
  delete(key: string): Promise<void>;
  /** Every key stored, with when it was stored (for the sweep of orphans). */
  list(): AsyncIterable<StoredDocument>;
  /**
   * Removes what puts that never completed left behind (under no key) before `storedBefore`: for
   * the sweep of orphans. Returns what was removed.
   */
  removeIncomplete(storedBefore: Date): Promise<string[]>;
}

export interface StoredDocument {
  key: string;
  storedAt: Date;
}

const KEY = /^[A-Za-z0-9._-]{1,200}$/;
function checkKey(key: string): void {
  if (!KEY.test(key) || key.startsWith('.')) throw new Error(`invalid document storage key ${JSON.stringify(key)}`);
}

/** Documents as files of one directory (0600, fsync'd, linked into place so a key is never overwritten). */
export class FileDocumentStore implements DocumentStore {
  readonly kind = 'fs' as const;
  private constructor(readonly dir: string) {}

  /**
   * Opens (creates) the directory and removes the temporary files of uploads a crash interrupted;
   * `readOnly` (a service that only reads, beside the writer): neither, the writer's uploads in
   * progress are left alone.
   */
  static async open(dir: string, options: { readOnly?: boolean } = {}): Promise<FileDocumentStore> {
    if (options.readOnly) return new FileDocumentStore(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(dir)) if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
    return new FileDocumentStore(dir);
  }

  async put(key: string, bytes: AsyncIterable<Uint8Array>): Promise<void> {
    checkKey(key);
    const path = join(this.dir, key);
    const tmp = `${path}.${randomUUID()}.tmp`;
    const handle = await open(tmp, 'wx', 0o600);
    try {
      try {
        for await (const chunk of bytes) await handle.write(chunk);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(tmp, path);
      await fsyncDir(this.dir);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string, offset = 0): Promise<AsyncIterable<Uint8Array> | undefined> {
    checkKey(key);
    const path = join(this.dir, key);
    try {
      await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return createReadStream(path, { start: offset, highWaterMark: 256 * 1024 });
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await rm(join(this.dir, key), { force: true });
  }

  /** The stored files (not the temporary ones of uploads in progress); their time is when they were written. */
  async *list(): AsyncGenerator<StoredDocument> {
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.tmp') || !KEY.test(name) || name.startsWith('.')) continue;
      const info = await lstat(join(this.dir, name)).catch(() => undefined); // removed meanwhile
      if (info?.isFile()) yield { key: name, storedAt: info.mtime };
    }
  }

  /** Nothing: a failed put removes its temporary file, and `open` those of a writer that was killed. */
  async removeIncomplete(): Promise<string[]> {
    return [];
  }
}

/**
 * Documents as objects of a JetStream Object Store bucket (file storage; `replicas` on a
 * cluster), written and read by `ObjectChunks` with bounded memory in the Object Store's format.
 * An object becomes visible only once all its chunks and then its metadata are stored, so an
 * interrupted upload leaves no half object under the key.
 */
export class ObjectDocumentStore implements DocumentStore {
  readonly kind = 'nats' as const;
  private constructor(private readonly bucket: ObjectStore, readonly chunks: ObjectChunks) {}

  static async open(nc: NatsConnection, options: { bucket?: string; replicas?: number } & ChunkOptions = {}): Promise<ObjectDocumentStore> {
    const name = options.bucket ?? 'cfund-documents';
    const replicas = options.replicas ?? 1;
    const bucket = await nc.jetstream().views.os(name, { storage: StorageType.File, replicas });
    // An existing bucket keeps its configuration: scale it to the replicas asked for (NATS_STREAM_REPLICAS).
    const jsm = await nc.jetstreamManager();
    await alignReplicas(jsm, await jsm.streams.info(`OBJ_${name}`), replicas);
    // Every object here is a chunked-cipher document, authenticated record by record when decrypted: no second pass for the digest.
    return new ObjectDocumentStore(bucket, new ObjectChunks(nc, jsm, name, { checkDigest: false, ...options }));
  }

  async put(key: string, bytes: AsyncIterable<Uint8Array>): Promise<void> {
    checkKey(key);
    await this.chunks.put(key, bytes);
  }

  async get(key: string, offset = 0): Promise<AsyncIterable<Uint8Array> | undefined> {
    checkKey(key);
    const meta = await this.chunks.meta(key);
    if (!meta || meta.deleted) return undefined;
    return this.chunks.read(meta, offset);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.bucket.delete(key).catch((error: unknown) => {
      if (!/not found/i.test(String(error))) throw error;
    });
  }

  /** The complete objects (their metadata is written last) and when that was. */
  async *list(): AsyncGenerator<StoredDocument> {
    for (const info of await this.bucket.list()) {
      if (!info.deleted) yield { key: info.name, storedAt: new Date(info.mtime) };
    }
  }

  /** The chunks of puts that were killed (or whose purge after a failure failed): `$O.<bucket>.C.<nuid>`. */
  async removeIncomplete(storedBefore: Date): Promise<string[]> {
    const purged = await this.chunks.purgeAbandoned(storedBefore, async () => new Set((await this.bucket.list()).filter((info) => !info.deleted).map((info) => info.nuid)));
    return purged.map((nuid) => this.chunks.chunkSubject(nuid));
  }
}

/** The store the configuration names (service-kit's documentEnv): `connectNats` is called only for `nats`. */
export async function openDocumentStore(
  config: {
    DOCUMENT_STORE: 'fs' | 'nats'; DOCUMENT_BUCKET: string; NATS_STREAM_REPLICAS: number; DOCUMENT_CHUNKS_IN_FLIGHT?: number;
    documentsDir: string; readOnly?: boolean;
  },
  connectNats: () => Promise<NatsConnection>,
): Promise<DocumentStore> {
  if (config.DOCUMENT_STORE === 'fs') return FileDocumentStore.open(config.documentsDir, { readOnly: config.readOnly ?? false });
  return ObjectDocumentStore.open(await connectNats(), {
    bucket: config.DOCUMENT_BUCKET, replicas: config.NATS_STREAM_REPLICAS,
    ...(config.DOCUMENT_CHUNKS_IN_FLIGHT === undefined ? {} : { maxChunksInFlight: config.DOCUMENT_CHUNKS_IN_FLIGHT }),
  });
}
