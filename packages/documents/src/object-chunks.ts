/**
 * Objects of a JetStream Object Store bucket written and read chunk by chunk with bounded memory,
 * in the Object Store's own format, so nats.js's `ObjectStore.get`/`info` and the `nats` CLI read
 * what is written here and the other way round.
 *
 * Why not nats.js's own: its `put` (nats.js 2.29.3, node_modules/nats/lib/jetstream/objectstore.js,
 * `ObjectStoreImpl._put`) publishes every chunk without waiting and awaits all the acks at the end,
 * so a whole upload sits in the client's buffers and 8 concurrent 20 MiB puts time out; its `get`
 * (same file, `ObjectStoreImpl.get`) enqueues every chunk of an ordered push consumer into a
 * ReadableStream as it arrives, however slowly the reader reads.
 *
 * The format, as that file writes it:
 * - a stream `OBJ_<bucket>` with the subjects `$O.<bucket>.C.>` and `$O.<bucket>.M.>`
 *   (`ObjectStoreImpl.init`);
 * - the object's bytes as messages on `$O.<bucket>.C.<nuid>`, each `options.max_chunk_size` long
 *   but the last (`_chunkSubject`, `_put`);
 * - then its ObjectInfo as JSON on `$O.<bucket>.M.<name in padded base64url>` (`_metaSubject`,
 *   `Base64UrlPaddedCodec` in nats-base-client/base64.js) with the header `Nats-Rollup: sub`, so
 *   only the latest meta of a name is kept: `{ name, description, options: { max_chunk_size },
 *   bucket, nuid, size, chunks, mtime (ISO), digest: "SHA-256=<padded base64url>", deleted }`;
 * - a deleted object is its meta with `deleted: true`, its chunks purged (`delete`).
 */
import { createHash } from 'node:crypto';
import { AckPolicy, createInbox, DeliverPolicy, headers, JSONCodec, nanos, nuid, type JetStreamClient, type JetStreamManager, type Msg, type NatsConnection, type StoredMsg, type Subscription } from 'nats';

/** The ObjectInfo JSON of the meta message, as nats.js and the Go client write it. */
export interface ObjectMeta {
  name: string;
  description?: string;
  options?: { max_chunk_size?: number };
  bucket: string;
  nuid: string;
  size: number;
  chunks: number;
  mtime: string;
  digest: string;
  deleted?: boolean;
  /** Free-form strings (the Object Store's own); here `CHUNK_SEQUENCES`. */
  metadata?: Record<string, string>;
}

/**
 * The metadata key under which a put records the stream sequence of each of its chunks, as runs of
 * consecutive sequences, `<first>+<count>` joined by commas (`1041+9`; interleaved: `12+3,19+2,…`).
 * A read then fetches chunk n by its sequence, and a range starts at its chunk, without reading the
 * chunks before, even when other puts' chunks lie between. Objects without it (written by nats.js or
 * before it was recorded) are read as before. Left out when longer than `MAX_SEQUENCES_TEXT`.
 */
export const CHUNK_SEQUENCES = 'cfund-chunk-seqs';
const MAX_SEQUENCES_TEXT = 32 * 1024;

export interface ChunkOptions {
  /** Bytes per chunk message (nats.js's default, 128 KiB), never above the server's max_payload. */
  chunkBytes?: number;
  /**
   * Chunks in flight at most, both ways. A put: publishes awaiting their acknowledgement; the
   * input is read no further until the oldest is acknowledged, so an upload holds about
   * `chunkBytes × maxChunksInFlight` and its sender is slowed to what JetStream stores. A read:
   * chunks its consumer is asked for at a time, so it holds about as much, however slowly it reads.
   */
  maxChunksInFlight?: number;
  /**
   * Chunks in flight at most over all the puts running at once (`DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS`);
   * a put past it waits its turn. Beyond a few MiB the chunks only queue in the client's socket
   * buffer while the server stores the ones ahead, long enough to outlive the young generation, so
   * each costs a full garbage collection and no throughput (docs/benchmarks.md).
   */
  maxChunksInFlightAllPuts?: number;
  /** How long a put waits for a chunk's (or its meta's) acknowledgement (`PUBLISH_ACK_TIMEOUT_MS`, nats.js's JetStream default, unless set). */
  ackTimeoutMs?: number;
  /** A read of at most so many chunks with recorded sequences goes by direct gets (`DEFAULT_DIRECT_READ_MAX_CHUNKS`; 0: always a consumer). */
  directReadMaxChunks?: number;
  /**
   * Whether a read from the start checks the object's SHA-256 (default true). ObjectDocumentStore's
   * objects are chunked-cipher documents whose records authenticate themselves (and their order
   * and end) when decrypted, so it skips this second pass over every byte.
   */
  checkDigest?: boolean;
}

export const DEFAULT_CHUNK_BYTES = 128 * 1024;
export const DEFAULT_CHUNKS_IN_FLIGHT = 8;
export const DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS = 4 * DEFAULT_CHUNKS_IN_FLIGHT;
/**
 * Up to so many chunks (those from a range's first on) a read whose chunk sequences are recorded
 * fetches by direct gets instead of through a consumer: a small object comes sooner so, alone or
 * 8 at once (a consumer's create, info and delete are three round trips to the stream leader, and
 * JSON for both sides); a large one's consumer batches carried as much or more (docs/benchmarks.md).
 */
export const DEFAULT_DIRECT_READ_MAX_CHUNKS = 16;
/** How long a read waits for a chunk it asked for by direct get (nats.js's default for JetStream requests). */
const DIRECT_GET_TIMEOUT_MS = 5_000;
/** How long a put waits for a chunk's acknowledgement unless `ackTimeoutMs` says otherwise (the same default). */
const PUBLISH_ACK_TIMEOUT_MS = 5_000;
/** A read's consumer is removed by the server once nobody pulled from it for so long (its reader killed). */
const READ_IDLE_MS = 10 * 60_000;

const base64UrlPadded = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
const jc = JSONCodec<ObjectMeta>();

/** nats.js's `jsm.direct` (the Object Store's streams allow direct gets), which its JetStreamManager type leaves out. */
interface DirectGet {
  direct: { getMessage(stream: string, query: { seq: number; next_by_subj?: string } | { last_by_subj: string }): Promise<StoredMsg> };
}

/** One bucket's subjects and the reads and writes of its objects. */
export class ObjectChunks {
  readonly stream: string;
  private readonly js: JetStreamClient;
  private readonly chunkBytes: number;
  private readonly maxChunksInFlight: number;
  private readonly putRoom: PutRoom;
  private readonly ackTimeoutMs: number | undefined;
  private readonly directReadMaxChunks: number;
  private readonly checkDigest: boolean;
  private replies: InboxReplies | undefined;
  private readonly directGetSubject: string;
  private readonly expectStream = headers();

  constructor(private readonly nc: NatsConnection, private readonly jsm: JetStreamManager, readonly bucket: string, options: ChunkOptions = {}) {
    this.stream = `OBJ_${bucket}`;
    this.directGetSubject = `$JS.API.DIRECT.GET.${this.stream}`;
    this.expectStream.set('Nats-Expected-Stream', this.stream);
    this.js = nc.jetstream();
    this.chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, nc.info?.max_payload ?? DEFAULT_CHUNK_BYTES);
    this.maxChunksInFlight = Math.max(1, options.maxChunksInFlight ?? DEFAULT_CHUNKS_IN_FLIGHT);
    this.putRoom = new PutRoom(Math.max(1, options.maxChunksInFlightAllPuts ?? DEFAULT_CHUNKS_IN_FLIGHT_ALL_PUTS));
    this.ackTimeoutMs = options.ackTimeoutMs;
    this.directReadMaxChunks = Math.max(0, options.directReadMaxChunks ?? DEFAULT_DIRECT_READ_MAX_CHUNKS);
    this.checkDigest = options.checkDigest ?? true;
  }

  private inboxReplies(): InboxReplies {
    return (this.replies ??= new InboxReplies(this.nc));
  }

  chunkSubject(id: string): string {
    return `$O.${this.bucket}.C.${id}`;
  }

  metaSubject(name: string): string {
    return `$O.${this.bucket}.M.${base64UrlPadded(Buffer.from(name, 'utf8'))}`;
  }

  /** The latest meta of `name` (deleted ones too), or undefined. */
  async meta(name: string): Promise<ObjectMeta | undefined> {
    try {
      return jc.decode((await this.jsm.streams.getMessage(this.stream, { last_by_subj: this.metaSubject(name) })).data);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Writes `bytes` as the object `name`. The chunks go first, at most `maxChunksInFlight` of them
   * unacknowledged; the meta, which makes the object visible, only once every chunk is stored.
   * On any failure (the input, an acknowledgement) the chunks written so far are purged once the
   * publishes in flight have settled; a purge that fails too (or a process killed mid-put) leaves
   * chunks no meta names, which `purgeAbandoned` removes (run by the orphan sweep).
   */
  async put(name: string, bytes: AsyncIterable<Uint8Array>): Promise<ObjectMeta> {
    const id = nuid.next();
    const subject = this.chunkSubject(id);
    const timeout = this.ackTimeoutMs === undefined ? {} : { timeout: this.ackTimeoutMs };
    const sha = createHash('sha256');
    const sequences: number[] = [];
    const unacknowledgedBuffers: (Buffer | undefined)[] = [];
    let size = 0;
    let chunks = 0;
    let metaSent: ObjectMeta | undefined;
    // The chunks' acknowledgements come to one inbox subscription (no nats.js request per chunk).
    let unacknowledged = 0;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const acks = this.inboxReplies().open((index, reply) => {
      unacknowledged -= 1;
      this.putRoom.free(1);
      const ack = publishAck(reply);
      const buffer = unacknowledgedBuffers[index];
      unacknowledgedBuffers[index] = undefined;
      if (buffer !== undefined) this.putRoom.giveBack(buffer);
      if (typeof ack === 'number') sequences[index] = ack;
      else failure ??= new Error(`object ${name}: chunk ${index} not stored: ${ack.error}`);
      wake?.();
    });
    /** Until at most `most` chunks await their acknowledgement (each wait at most the ack timeout); a refused chunk throws unless `whatever`. */
    const ackTimeoutMs = this.ackTimeoutMs ?? PUBLISH_ACK_TIMEOUT_MS;
    const acknowledged = async (most: number, whatever = false): Promise<void> => {
      while (unacknowledged > most && (whatever || failure === undefined)) {
        await woken(ackTimeoutMs, () => new Error(`object ${name}: no acknowledgement within ${ackTimeoutMs} ms`), (w) => { wake = w; });
        wake = undefined;
      }
      if (failure !== undefined && !whatever) throw failure;
    };
    const publish = async (payload: Buffer): Promise<void> => {
      await acknowledged(this.maxChunksInFlight - 1);
      await this.putRoom.take(ackTimeoutMs, () => new Error(`object ${name}: no room among the puts' chunks in flight within ${ackTimeoutMs} ms`));
      sha.update(payload);
      size += payload.length;
      const index = chunks++;
      if (payload.length === this.chunkBytes) unacknowledgedBuffers[index] = payload;
      unacknowledged += 1;
      this.nc.publish(subject, payload, { reply: acks.replyTo(index), headers: this.expectStream });
    };
    try {
      let chunk = this.putRoom.buffer(this.chunkBytes);
      let filled = 0;
      for await (const piece of bytes) {
        for (let at = 0; at < piece.length;) {
          const n = Math.min(this.chunkBytes - filled, piece.length - at);
          chunk.set(piece.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === this.chunkBytes) {
            await publish(chunk);
            chunk = this.putRoom.buffer(this.chunkBytes);
            filled = 0;
          }
        }
      }
      if (filled > 0) await publish(chunk.subarray(0, filled));
      await acknowledged(0);
      const previous = await this.meta(name);
      const meta: ObjectMeta = {
        name, description: '', options: { max_chunk_size: this.chunkBytes },
        bucket: this.bucket, nuid: id, size, chunks,
        mtime: new Date().toISOString(), digest: `SHA-256=${base64UrlPadded(sha.digest())}`, deleted: false,
      };
      const recorded = sequenceRuns(sequences);
      if (chunks > 0 && recorded.length <= MAX_SEQUENCES_TEXT) meta.metadata = { [CHUNK_SEQUENCES]: recorded };
      const h = headers();
      h.set('Nats-Rollup', 'sub');
      metaSent = meta;
      await this.js.publish(this.metaSubject(name), jc.encode(meta), { ...timeout, headers: h, expect: { streamName: this.stream } });
      // The object is live: an earlier one of the same name leaves its chunks behind (as nats.js does).
      if (previous && !previous.deleted && previous.nuid !== id) await this.purgeChunks(previous.nuid).catch(() => undefined);
      return meta;
    } catch (error) {
      // The meta's acknowledgement lost, the meta stored: the object is complete, its chunks stay.
      if (metaSent && (await this.meta(name).catch(() => undefined))?.nuid === id) return metaSent;
      // A publish still in flight could land after the purge: let them all settle first.
      await acknowledged(0, true).catch(() => undefined);
      await this.purgeChunks(id).catch(() => undefined);
      throw error;
    } finally {
      acks.close();
      this.putRoom.free(unacknowledged); // acknowledgements still to come are dropped now
    }
  }

  /**
   * The object's bytes from `offset` on, from the chunk holding `offset`. With its chunks'
   * sequences recorded (`CHUNK_SEQUENCES`): that chunk is found by its sequence, and the chunks
   * are fetched by direct gets when at most `directReadMaxChunks` are to be read, through a pull
   * consumer from that sequence otherwise.
   * Without: through a consumer, from that chunk when the object's chunks are consecutive messages
   * of the stream (`firstChunkSeq`), from the first otherwise. Size and chunk count are checked at
   * the end, and the digest when read from the start (unless `checkDigest` is false).
   */
  async *read(meta: ObjectMeta, offset = 0): AsyncGenerator<Uint8Array> {
    const subject = this.chunkSubject(meta.nuid);
    const expected = meta.digest.startsWith('SHA-256=') ? meta.digest.slice('SHA-256='.length).replace(/=+$/, '') : undefined;
    if (expected === undefined) throw new Error(`object ${meta.name}: unknown digest ${meta.digest}`);
    const chunkBytes = meta.options?.max_chunk_size;
    const wanted = chunkBytes === undefined || meta.chunks === 0 ? 0 : Math.min(Math.floor(offset / chunkBytes), meta.chunks - 1);
    let sequences = chunkSequences(meta);
    let first = 0;
    let source: AsyncIterator<Uint8Array> | undefined;
    let data: IteratorResult<Uint8Array> | undefined;
    if (sequences !== undefined && meta.chunks > 0) {
      first = wanted;
      const count = meta.chunks - first;
      const from = sequences.slice(first);
      source = (count <= this.directReadMaxChunks ? this.chunksAt(subject, from, meta) : this.chunksFrom(subject, from[0], count, meta, from[0]))[Symbol.asyncIterator]();
      try {
        data = await source.next();
      } catch (error) {
        if (!(error instanceof StaleSequences)) throw error;
        sequences = undefined; // the stream's sequences are not those recorded (moved to another stream?): read as if none were
      }
    }
    if (sequences === undefined || meta.chunks === 0) {
      const startSeq = wanted === 0 ? undefined : await this.firstChunkSeq(subject, meta, wanted);
      first = startSeq === undefined ? 0 : wanted;
      source = this.chunksFrom(subject, startSeq, meta.chunks - first, meta)[Symbol.asyncIterator]();
      data = await source.next();
    }
    // Only a read of every chunk can check the digest; a range relies on what is stored in it (the documents' records authenticate themselves).
    const sha = first === 0 && this.checkDigest ? createHash('sha256') : undefined;
    let seen = first * (chunkBytes ?? 0);
    let index = first;
    try {
      for (; !data!.done; data = await source!.next()) {
        const chunk = data!.value;
        if (first > 0 && index < meta.chunks - 1 && chunk.length !== chunkBytes) throw new Error(`object ${meta.name}: chunk ${index} is not ${chunkBytes} bytes`);
        index += 1;
        sha?.update(chunk);
        const start = seen;
        seen += chunk.length;
        if (seen > offset) yield start >= offset ? chunk : chunk.subarray(offset - start);
      }
    } finally {
      await source!.return?.();
    }
    if (seen !== meta.size || (sha !== undefined && sha.digest('base64url') !== expected)) {
      throw new Error(`object ${meta.name}: the chunks read do not match its size and digest`);
    }
  }

  /**
   * The chunks at the stream sequences `sequences` of `subject`, by direct gets (any replica
   * answers; the stream leader when that replica has not stored one yet), at most
   * `maxChunksInFlight` of them asked for ahead of the reader. A message of another subject at the
   * first sequence: `StaleSequences`; at a later one, or none at all: the read fails.
   */
  private async *chunksAt(subject: string, sequences: number[], meta: ObjectMeta): AsyncGenerator<Uint8Array> {
    const replies: (Msg | undefined)[] = new Array<Msg | undefined>(sequences.length);
    let waiting: { index: number; wake: () => void } | undefined;
    const read = this.inboxReplies().open((index, reply) => {
      replies[index] = reply;
      if (waiting?.index === index) waiting.wake();
    });
    let asked = 0;
    const askUpTo = (end: number): void => {
      for (; asked < Math.min(end, sequences.length); asked += 1) this.nc.publish(this.directGetSubject, requestBody(sequences[asked]!), { reply: read.replyTo(asked) });
    };
    try {
      askUpTo(this.maxChunksInFlight);
      for (let index = 0; index < sequences.length; index += 1) {
        if (replies[index] === undefined) {
          await woken(DIRECT_GET_TIMEOUT_MS, () => new Error(`object ${meta.name}: no answer for chunk ${index} within ${DIRECT_GET_TIMEOUT_MS} ms`), (wake) => { waiting = { index, wake }; });
        }
        waiting = undefined;
        const reply = replies[index]!;
        replies[index] = undefined;
        // 404: a replica that has not stored it yet (or nothing there); 503: the stream answers no direct gets.
        const status = reply.headers?.code ?? 0;
        if (status !== 0 && status !== 404 && status !== 503) throw new Error(`object ${meta.name}: chunk ${index}: ${status} ${reply.headers!.description}`);
        const message = status === 0 ? { subject: reply.headers?.get('Nats-Subject'), data: reply.data } : await this.leaderMessageAt(sequences[index]!);
        if (message?.subject !== subject) {
          if (index === 0) throw new StaleSequences(); // the read without the record tells a missing chunk from a record not of this stream
          throw new Error(`object ${meta.name}: fewer chunks stored than its ${meta.chunks}`);
        }
        askUpTo(index + 1 + this.maxChunksInFlight);
        yield message.data;
      }
    } finally {
      read.close();
    }
  }

  /**
   * The stream sequence of chunk `index` when the object's chunks are consecutive messages (the
   * first and the last `chunks - 1` apart, as when no other put wrote meanwhile): the first plus
   * `index`. Undefined when they are not: which message is the n-th of a subject is then known
   * only by reading the ones before it.
   */
  private async firstChunkSeq(subject: string, meta: ObjectMeta, index: number): Promise<number | undefined> {
    const [first, last] = await Promise.all([this.chunkAfter(subject, 1), this.lastChunk(subject)]);
    if (first === undefined || last === undefined) throw new Error(`object ${meta.name}: fewer chunks stored than its ${meta.chunks}`);
    return last.seq - first.seq + 1 === meta.chunks ? first.seq + index : undefined;
  }

  /**
   * `count` chunks of `subject` from stream sequence `seq` on (from its first chunk when
   * undefined), through a pull consumer of that subject (no acknowledgements, in memory, removed
   * at the end, or by the server once idle for `READ_IDLE_MS` if the reader is killed). It asks for
   * at most `maxChunksInFlight` chunks at a time and more only as the reader takes them, so a slow
   * reader holds about that window. Faster than direct gets for many chunks, or many reads at once:
   * packages/documents/README.md, docs/benchmarks.md. From a recorded sequence
   * (`expectedFirstSeq`), a consumer that does not find the object's chunks there: `StaleSequences`.
   */
  private async *chunksFrom(subject: string, seq: number | undefined, count: number, meta: ObjectMeta, expectedFirstSeq?: number): AsyncGenerator<Uint8Array> {
    const consumer = await this.jsm.consumers.add(this.stream, {
      ack_policy: AckPolicy.None, filter_subject: subject, mem_storage: true, inactive_threshold: nanos(READ_IDLE_MS),
      ...(seq === undefined ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq }),
    });
    try {
      // From a recorded sequence, exactly the chunks from there on follow; else the record is not this stream's (the read without it tells a missing chunk).
      if (expectedFirstSeq !== undefined && consumer.num_pending !== count) throw new StaleSequences();
      if (consumer.num_pending < count) throw new Error(`object ${meta.name}: fewer chunks stored than its ${meta.chunks}`);
      if (count === 0) return;
      const messages = await (await this.js.consumers.get(this.stream, consumer.name)).consume({ max_messages: this.maxChunksInFlight });
      let got = 0;
      try {
        for await (const message of messages) {
          if (got === 0 && expectedFirstSeq !== undefined && message.seq !== expectedFirstSeq) throw new StaleSequences();
          yield message.data;
          if (++got === count) return;
        }
      } finally {
        messages.stop(); // not close(): with several reads at once its promise never settled (nats.js 2.29.3, nats-server 2.9.10)
      }
      throw new Error(`object ${meta.name}: its chunks stopped coming after ${got} of ${count}`);
    } finally {
      await this.jsm.consumers.delete(this.stream, consumer.name).catch(() => undefined); // else the server removes it once idle
    }
  }

  /**
   * The first chunk on `subject` from stream sequence `seq` on: a direct get (any replica answers),
   * and from the stream leader when that replica has not stored it yet; undefined when neither has it.
   */
  private async chunkAfter(subject: string, seq: number): Promise<StoredMsg | undefined> {
    try {
      return await (this.jsm as JetStreamManager & DirectGet).direct.getMessage(this.stream, { seq, next_by_subj: subject });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      return await this.jsm.streams.getMessage(this.stream, { seq, next_by_subj: subject } as unknown as { seq: number });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The message at stream sequence `seq` from the stream leader; undefined when there is none. */
  private async leaderMessageAt(seq: number): Promise<StoredMsg | undefined> {
    try {
      return await this.jsm.streams.getMessage(this.stream, { seq });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The last chunk on `subject` (a direct get, or from the leader when this replica has none). */
  private async lastChunk(subject: string): Promise<StoredMsg | undefined> {
    try {
      return await (this.jsm as JetStreamManager & DirectGet).direct.getMessage(this.stream, { last_by_subj: subject });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      return await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Purges the chunks that no live object's meta names and whose first chunk was stored before
   * `cutoff`: what a put leaves when its process is killed, or when the purge after a failure
   * failed too. The chunk subjects are listed before the metas, so an object whose meta is written
   * meanwhile is seen as live; a put still running is younger than any sensible cutoff.
   * Returns the nuids purged.
   */
  async purgeAbandoned(cutoff: Date, liveNuids: () => Promise<ReadonlySet<string>>): Promise<string[]> {
    const prefix = this.chunkSubject('');
    const { state } = await this.jsm.streams.info(this.stream, { subjects_filter: `${prefix}>` });
    const ids = Object.keys(state.subjects ?? {}).filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
    if (ids.length === 0) return [];
    const live = await liveNuids();
    const purged: string[] = [];
    for (const id of ids) {
      if (live.has(id)) continue;
      const first = await this.chunkAfter(this.chunkSubject(id), 1);
      if (first === undefined || first.time.getTime() >= cutoff.getTime()) continue;
      await this.purgeChunks(id);
      purged.push(id);
    }
    return purged;
  }

  async purgeChunks(id: string): Promise<void> {
    await this.jsm.streams.purge(this.stream, { filter: this.chunkSubject(id) });
  }
}

/**
 * Replies to many publishes (direct gets, chunk acknowledgements) on one inbox subscription of the
 * connection, each handed to its operation by the reply subject's last two tokens (operation,
 * index). A nats.js request per message costs a timer, two captured stacks and a promise: with 8
 * downloads at once that was more of the client's time than decrypting the chunks (docs/benchmarks.md).
 */
class InboxReplies {
  private readonly inbox = createInbox();
  private readonly operations = new Map<string, (index: number, reply: Msg) => void>();
  private nextOperation = 0;
  private subscription: Subscription | undefined;

  constructor(private readonly nc: NatsConnection) {}

  /** An operation whose replies go to `onReply`; `replyTo(index)` is the reply subject of its message `index`; `close` it at its end (later replies are dropped). */
  open(onReply: (index: number, reply: Msg) => void): { replyTo(index: number): string; close(): void } {
    if (this.subscription === undefined || this.subscription.isClosed()) {
      this.subscription = this.nc.subscribe(`${this.inbox}.*.*`, {
        callback: (error, reply) => {
          if (error) return;
          const last = reply.subject.lastIndexOf('.');
          const before = reply.subject.lastIndexOf('.', last - 1);
          this.operations.get(reply.subject.slice(before + 1, last))?.(Number(reply.subject.slice(last + 1)), reply);
        },
      });
    }
    const id = String(this.nextOperation++);
    this.operations.set(id, onReply);
    return {
      replyTo: (index) => `${this.inbox}.${id}.${index}`,
      close: () => { this.operations.delete(id); },
    };
  }
}

/**
 * The one shape of this file's waits (a chunk's acknowledgement, a direct get's answer, room among
 * the puts' chunks): until the wake `register` is given is called, or `timedOut()` after
 * `timeoutMs`, `forget` first taking that wake back from wherever `register` put it.
 */
function woken(timeoutMs: number, timedOut: () => Error, register: (wake: () => void) => void, forget?: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const wake = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      forget?.(wake);
      reject(timedOut());
    }, timeoutMs);
    register(wake);
  });
}

/**
 * The chunks in flight over all puts (`maxChunksInFlightAllPuts`): taken before a chunk is
 * published, freed by its acknowledgement; puts wait their turn in order. And the chunks' buffers:
 * one is filled again once its chunk is acknowledged (the server has the bytes, so the client,
 * which copies a payload into its outbound frame when it writes, holds it no more); kept for the
 * next chunk of any put, up to the room's count. A fresh buffer per chunk, freed only by a full
 * garbage collection once it outlived the young generation, kept the collector busy (docs/benchmarks.md).
 */
class PutRoom {
  private taken = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly buffers: Buffer[] = [];

  constructor(private readonly most: number) {}

  /** Room for one chunk; `timedOut` rejects it after `timeoutMs` (the puts ahead hold their room at most until their acknowledgements time out). */
  take(timeoutMs: number, timedOut: () => Error): Promise<void> | undefined {
    if (this.taken < this.most && this.waiting.length === 0) {
      this.taken += 1;
      return undefined;
    }
    return woken(timeoutMs, timedOut, (turn) => this.waiting.push(turn), (turn) => this.waiting.splice(this.waiting.indexOf(turn), 1));
  }

  /** A buffer of `bytes` for the next chunk: one given back, or a new one. */
  buffer(bytes: number): Buffer {
    for (let buffer = this.buffers.pop(); buffer !== undefined; buffer = this.buffers.pop()) if (buffer.length === bytes) return buffer;
    return Buffer.allocUnsafe(bytes);
  }

  /** The buffer of an acknowledged chunk. */
  giveBack(buffer: Buffer): void {
    if (this.buffers.length < this.most) this.buffers.push(buffer);
  }

  free(chunks: number): void {
    this.taken -= chunks;
    while (this.taken < this.most && this.waiting.length > 0) {
      this.taken += 1;
      this.waiting.shift()!();
    }
  }
}

/** A JetStream publish's acknowledgement: the stream sequence stored, or why not. */
function publishAck(reply: Msg): number | { error: string } {
  const status = reply.headers?.code ?? 0;
  if (status !== 0) return { error: `${status} ${reply.headers!.description}` }; // 503: no stream takes the subject
  try {
    const ack = reply.json<{ seq?: number; error?: { description?: string } }>();
    return typeof ack.seq === 'number' && ack.error === undefined ? ack.seq : { error: ack.error?.description ?? 'no sequence in the acknowledgement' };
  } catch {
    return { error: 'an acknowledgement that is not JSON' };
  }
}

const requestBody = (seq: number): Uint8Array => Buffer.from(`{"seq":${seq}}`, 'latin1');

/** The chunk sequences recorded in a meta do not name the object's chunks in this stream: read without them. */
class StaleSequences extends Error {}

/** `sequences` as runs of consecutive numbers, `<first>+<count>` joined by commas (`CHUNK_SEQUENCES`). */
function sequenceRuns(sequences: readonly number[]): string {
  const runs: string[] = [];
  for (let at = 0; at < sequences.length;) {
    let end = at + 1;
    while (end < sequences.length && sequences[end] === sequences[end - 1]! + 1) end += 1;
    runs.push(`${sequences[at]}+${end - at}`);
    at = end;
  }
  return runs.join(',');
}

/** The stream sequence of each chunk, as the put recorded them; undefined when not recorded or not one per chunk, increasing. */
export function chunkSequences(meta: ObjectMeta): number[] | undefined {
  const text = meta.metadata?.[CHUNK_SEQUENCES];
  if (text === undefined || !/^\d+\+\d+(,\d+\+\d+)*$/.test(text)) return undefined;
  const sequences: number[] = [];
  for (const run of text.split(',')) {
    const [first, count] = run.split('+').map(Number) as [number, number];
    if (first < 1 || count < 1 || first <= (sequences.at(-1) ?? 0) || sequences.length + count > meta.chunks) return undefined;
    for (let i = 0; i < count; i += 1) sequences.push(first + i);
  }
  return sequences.length === meta.chunks ? sequences : undefined;
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '404' || /no message found|not found/i.test(e.message ?? '');
}
