/**
 * pnpm bench:documents: store and read throughput (MiB/s) of 1 MiB and 20 MiB documents, 8 in
 * flight, through ingestDocument (size limit, SHA-256, type check, chunked AES-256-GCM) into each
 * store and back through decryptDocument, against a plain fs stream with the same encryption in
 * the same run. The storage layer only: HTTP and the event store are not in these figures.
 * Downloads in rounds, fair to both sides: each side's first round (cold: the process's first
 * reads of that kind) is printed apart, then each side gets WARM_ROUNDS more rounds unmeasured
 * (the reader's code and the client's receive path take a few hundred reads to reach their steady
 * speed, and the reference's own first round is as slow against its later ones), then
 * MEASURED_ROUNDS rounds alternate between the reference and the store, each round's share of the
 * reference round just before it printed; later ratios are to the median of those reference rounds.
 * NATS: a nats-server started here (Debian's, on PATH). DOCUMENT_STORE=fs or nats: that store
 * only (both by default). Each line also gives the process's peak resident memory so far.
 * The Object Store's download is also measured, on the same objects, always through a pull
 * consumer (with the digest checked as the reader before did, and without as the store reads
 * now) and always by direct gets of the chunks' recorded sequences (ObjectChunks picks a consumer
 * or direct gets by the number of chunks to read), alternated twice in the same run; then one
 * download at a time with the readers taking turns, document by document (median time of each).
 * As a ceiling of the stack without ObjectChunks, nats.js's own Object Store reader of the same
 * objects is timed in each pass too.
 * BENCH_SCALE (default 1) multiplies the number of documents of each round.
 * Figures on stdout, the progress of each round on stderr.
 */
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { connect } from 'nats';
import { startNatsServer } from '@cfund/infra';
import { withProgress } from '@cfund/service-kit';
import { decryptDocument, encryptDocument } from '../chunked-cipher.js';
import { ingestDocument } from '../ingest.js';
import { ObjectChunks } from '../object-chunks.js';
import { FileDocumentStore, ObjectDocumentStore, type DocumentStore } from '../store.js';

const IN_FLIGHT = 8;
const WARM_ROUNDS = 2;
const MEASURED_ROUNDS = 3;
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
if (!(SCALE > 0)) throw new Error('BENCH_SCALE: a positive number');
const key = randomBytes(32);

async function* pieces(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
async function drain(source: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of source) void chunk;
}
const peakRss = (): number => Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
const pdfOf = (size: number): Buffer => { const b = randomBytes(size); b.write('%PDF-1.7\n', 0, 'latin1'); return b; };

/** CPU milliseconds of nats-server (its pid), from /proc (clock ticks of 10 ms); undefined where there is none. */
let serverPid: number | undefined;
function serverCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
/** CPU milliseconds per MiB of the last round: this process's (the reader's and the decryption's) and nats-server's. */
let lastRound = { processMsPerMiB: 0, serverMsPerMiB: undefined as number | undefined };
const cpuOfRound = (): string => `CPU ms per MiB: this process ${lastRound.processMsPerMiB.toFixed(2)}${lastRound.serverMsPerMiB === undefined ? '' : `, nats-server ${lastRound.serverMsPerMiB.toFixed(2)}`}`;

/** Runs `n` jobs `IN_FLIGHT` at a time, its progress told as `round`; MiB/s over all of them (and its CPU in `lastRound`). */
async function throughput(round: string, n: number, bytes: number, job: (i: number) => Promise<void>): Promise<number> {
  const cpuBefore = process.cpuUsage();
  const serverBefore = serverCpuMs();
  const started = performance.now();
  let next = 0;
  await withProgress(round, { total: n, unit: 'documents' }, (progress) => Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < n) {
      await job(next++);
      progress.advance(1);
    }
  })));
  const seconds = (performance.now() - started) / 1000;
  const mib = (n * bytes) / (1024 * 1024);
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = serverCpuMs();
  lastRound = {
    processMsPerMiB: (cpu.user + cpu.system) / 1000 / mib,
    serverMsPerMiB: serverBefore === undefined || serverAfter === undefined ? undefined : (serverAfter - serverBefore) / mib,
  };
  return mib / seconds;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-docs-bench-'));
  const nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: 0 });
  serverPid = nats.pid;
  // As the command service's NATS user, on its bucket.
  const nc = await connect({ servers: nats.url, ...nats.credentials.command });
  try {
    const only = process.env.DOCUMENT_STORE;
    if (only !== undefined && only !== 'fs' && only !== 'nats') throw new Error('DOCUMENT_STORE: fs or nats');
    const stores: [string, DocumentStore][] = [];
    if (only !== 'nats') stores.push(['fs', await FileDocumentStore.open(join(dir, 'documents'))]);
    if (only !== 'fs') stores.push(['nats', await ObjectDocumentStore.open(nc)]);
    for (const [label, size, count] of [['1 MiB', 1024 * 1024, Math.ceil(64 * SCALE)], ['20 MiB', 20 * 1024 * 1024, Math.ceil(16 * SCALE)]] as const) {
      const doc = pdfOf(size);
      const ids = Array.from({ length: count }, () => randomUUID());
      const refDir = join(dir, `ref-${size}`);
      await mkdir(refDir, { recursive: true });
      // A first round warms the cipher and the disk cache up; the second is the reference.
      await throughput(`${label} reference: warm-up`, count, size, (i) => pipeline(Readable.from(encryptDocument(key, ids[i]!, pieces(doc))), createWriteStream(join(refDir, ids[i]!))));
      const refUp = await throughput(`${label} reference: upload`, count, size, (i) => pipeline(Readable.from(encryptDocument(key, ids[i]!, pieces(doc))), createWriteStream(join(refDir, ids[i]!))));
      const refUpCpu = cpuOfRound();
      const refRead = (i: number): Promise<void> => drain(decryptDocument(key, ids[i]!, createReadStream(join(refDir, ids[i]!), { highWaterMark: 256 * 1024 })));
      const refCold = await throughput(`${label} reference: download, first round`, count, size, refRead);
      const refColdCpu = cpuOfRound();
      process.stdout.write(`${label} reference (plain fs stream, same encryption): upload ${refUp.toFixed(0)} MiB/s, download's first round ${refCold.toFixed(0)} MiB/s\n`);
      for (const [name, store] of stores) {
        try {
          const up = await throughput(`${label} ${name}: upload`, count, size, async (i) => {
            await ingestDocument(pieces(doc), { store, storageKey: `${ids[i]}-${size}.cfd`, key, documentId: ids[i]!, maxBytes: 32 * 1024 * 1024 });
          });
          process.stdout.write(`${label} ${name.padEnd(4)}: upload ${up.toFixed(0)} MiB/s (${(up / refUp).toFixed(2)} of the reference); ${cpuOfRound()} (the reference's ${refUpCpu})\n`);
          const storeRead = async (i: number): Promise<void> => drain(decryptDocument(key, ids[i]!, (await store.get(`${ids[i]}-${size}.cfd`))!));
          const cold = await throughput(`${label} ${name}: download, first round`, count, size, storeRead);
          process.stdout.write(`${label} ${name.padEnd(4)}: download's first round ${cold.toFixed(0)} MiB/s (${(cold / refCold).toFixed(2)} of the reference's first round); ${cpuOfRound()} (the reference's ${refColdCpu})\n`);
          for (let round = 1; round <= WARM_ROUNDS; round += 1) {
            await throughput(`${label} reference: download, warm-up ${round}`, count, size, refRead);
            await throughput(`${label} ${name}: download, warm-up ${round}`, count, size, storeRead);
          }
          const refRounds: number[] = [];
          for (let round = 1; round <= MEASURED_ROUNDS; round += 1) {
            const ref = await throughput(`${label} reference: download, round ${round}`, count, size, refRead);
            const refCpu = cpuOfRound();
            const down = await throughput(`${label} ${name}: download, round ${round}`, count, size, storeRead);
            refRounds.push(ref);
            process.stdout.write(`${label} ${name.padEnd(4)}: download round ${round} (warm): ${down.toFixed(0)} MiB/s against the reference's ${ref.toFixed(0)} MiB/s (${(down / ref).toFixed(2)}); ${cpuOfRound()} (the reference's ${refCpu}); peak RSS so far ${peakRss()} MiB\n`);
          }
          const refDown = [...refRounds].sort((a, b) => a - b)[refRounds.length >> 1]!;
          if (store instanceof ObjectDocumentStore) {
            // The same objects read always through a consumer, and always by direct gets of their recorded sequences, alternated twice.
            const jsm = await nc.jetstreamManager();
            const variants = [
              ['pull consumer, digest checked (the reader before)', { directReadMaxChunks: 0, checkDigest: true }],
              ['pull consumer', { directReadMaxChunks: 0, checkDigest: false }],
              ['direct gets by recorded sequence', { directReadMaxChunks: Number.MAX_SAFE_INTEGER, checkDigest: false }],
            ] as const;
            // The client's own reader of the same objects (nats.js's Object Store get, which takes every
            // chunk through an ordered consumer): the stack's ceiling without ObjectChunks, as bench:commands
            // has its minimal append service.
            const clientStore = await nc.jetstream().views.os(store.chunks.bucket);
            for (const pass of [1, 2]) {
              const client = await throughput(`${label} ${name}: download, nats.js's own reader (${pass})`, count, size, async (i) => {
                const result = await clientStore.get(`${ids[i]}-${size}.cfd`);
                await drain(decryptDocument(key, ids[i]!, result!.data as unknown as AsyncIterable<Uint8Array>));
              });
              process.stdout.write(`${label} ${name}, nats.js's own reader, no ObjectChunks (pass ${pass}): download ${client.toFixed(0)} MiB/s (${(client / refDown).toFixed(2)}), peak RSS so far ${peakRss()} MiB\n`);
              for (const [variant, options] of variants) {
                const chunks = new ObjectChunks(nc, jsm, store.chunks.bucket, options);
                const mibs = await throughput(`${label} ${name}: download, ${variant} (${pass})`, count, size, async (i) => {
                  const meta = await chunks.meta(`${ids[i]}-${size}.cfd`);
                  await drain(decryptDocument(key, ids[i]!, chunks.read(meta!)));
                });
                process.stdout.write(`${label} ${name}, ${variant} (pass ${pass}): download ${mibs.toFixed(0)} MiB/s (${(mibs / refDown).toFixed(2)}), peak RSS so far ${peakRss()} MiB\n`);
              }
            }
            // One download at a time (what one user waits for), the readers taking turns document by document (and going first in turn) so that a change of load hits them alike.
            const readers = [
              ...variants.map(([variant, options]) => [variant, new ObjectChunks(nc, jsm, store.chunks.bucket, options), [] as number[]] as const),
              ['the store\'s reader', store.chunks, [] as number[]] as const,
            ];
            await withProgress(`${label} ${name}: one download at a time, each reader`, { total: count, unit: 'documents' }, async (progress) => {
              for (let i = 0; i < count; i += 1) {
                for (let k = 0; k < readers.length; k += 1) {
                  const [, chunks, times] = readers[(i + k) % readers.length]!; // each goes first in turn
                  const started = performance.now();
                  await drain(decryptDocument(key, ids[i]!, chunks.read((await chunks.meta(`${ids[i]}-${size}.cfd`))!)));
                  times.push(performance.now() - started);
                }
                progress.advance(1);
              }
            });
            const median = (times: number[]): number => [...times].sort((a, b) => a - b)[times.length >> 1]!;
            process.stdout.write(`${label} ${name}, one download at a time, median ms: ${readers.map(([variant, , times]) => `${variant} ${median(times).toFixed(1)}`).join('; ')}\n`);
          }
        } catch (error) {
          process.stdout.write(`${label} ${name.padEnd(4)}: FAILED (${(error as Error).message})\n`);
        }
        for (const id of ids) await store.delete(`${id}-${size}.cfd`).catch(() => undefined);
      }
    }
  } finally {
    await nc.close();
    await nats.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
