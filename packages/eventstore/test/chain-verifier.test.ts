/**
 * Model test of the signed chain: streams of random appends (one signature each, as the writer
 * writes them now, after a random history signed per event, as it was written before
 * 2026-12-07), then one random tampering. Untouched, a stream verifies `ok`; tampered, it is
 * `broken` and no event from the first one tampered with counts as proven. Truncation at an
 * append's boundary is the one change the chain cannot show (documented), so it is not drawn.
 *
 * The events are written by the real `appendEncoded` into a stream held in memory as the store
 * holds it (data and metadata as JSON text); `chain-signature.test.ts` runs the named cases
 * through the real client and store.
 */
import fc from 'fast-check';
import t from 'tap';
import type { AppendResult, EventStoreDBClient, JSONEventData } from '@eventstore/db-client';
import { ChainKeyring, ChainSigner, ChainVerifier, GENESIS_HASH, appendEncoded, computeEventHash, type ChainedEvent, type VerifyResult } from '../src/index.ts';

const STREAM = 'account-model';
const A = ChainSigner.generate();
const B = ChainSigner.generate();
const FORGER = ChainSigner.generate();

interface StoredEvent extends ChainedEvent {
  data: { amount: number };
  metadata: Record<string, unknown>;
}

/** The metadata's JSON text as the client sends it: bytes as they are, a value through JSON.stringify. */
const metadataText = (metadata: unknown): string => (metadata instanceof Uint8Array ? Buffer.from(metadata).toString('utf8') : JSON.stringify(metadata));

/** A client whose only stream is an array: what appendEncoded writes, as the store returns it. */
function memoryClient(events: StoredEvent[]): EventStoreDBClient {
  const appendToStream = (_stream: string, written: JSONEventData[]): Promise<AppendResult> => {
    for (const e of written) {
      events.push({
        streamId: STREAM, revision: BigInt(events.length), type: e.type, isJson: true,
        data: JSON.parse(JSON.stringify(e.data)) as { amount: number }, metadata: JSON.parse(metadataText(e.metadata)) as Record<string, unknown>,
      });
    }
    return Promise.resolve({ success: true, nextExpectedRevision: BigInt(events.length - 1) } as AppendResult);
  };
  return { appendToStream } as unknown as EventStoreDBClient;
}

/** History as written before 2026-12-07: every event of an append signed. */
function perEventAppend(events: StoredEvent[], amounts: number[], signer: ChainSigner): void {
  for (const amount of amounts) {
    const metadata: Record<string, unknown> = { actor: 'user-1', prevHash: events.at(-1)?.metadata.hash ?? GENESIS_HASH, schemaVersion: 1, keyId: signer.keyId };
    metadata.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount })), metadata);
    metadata.signature = signer.sign(STREAM, metadata.hash as string);
    events.push({ streamId: STREAM, revision: BigInt(events.length), type: 'Deposited', isJson: true, data: { amount }, metadata });
  }
}

interface Append { amounts: number[]; byA: boolean; perEvent: boolean }

async function write(appends: Append[]): Promise<{ events: StoredEvent[]; boundaries: Set<number> }> {
  const events: StoredEvent[] = [];
  const client = memoryClient(events);
  const boundaries = new Set<number>([0]);
  for (const { amounts, byA, perEvent } of appends) {
    const signer = byA ? A : B;
    if (perEvent) perEventAppend(events, amounts, signer);
    else {
      await appendEncoded(client, STREAM, amounts.map((amount) => ({ type: 'Deposited', data: { amount }, schemaVersion: 1 })), {
        expectedRevision: events.length === 0 ? 'no_stream' : BigInt(events.length - 1),
        prevHash: (events.at(-1)?.metadata.hash as string | undefined) ?? GENESIS_HASH, metadata: { actor: 'user-1' }, signer,
      });
    }
    // Per-event history proves each event alone: every event is a boundary.
    if (perEvent) for (let i = events.length - amounts.length + 1; i <= events.length; i += 1) boundaries.add(i);
    boundaries.add(events.length);
  }
  return { events, boundaries };
}

function verify(events: readonly StoredEvent[], keyring: ChainKeyring): VerifyResult {
  const verifier = new ChainVerifier(keyring);
  for (const [i, e] of events.entries()) verifier.add({ ...e, revision: BigInt(i) });
  return verifier.result();
}

/** A forger without the key: recomputes every link and hash from `from` on, leaves signatures as they are. */
function rechain(events: StoredEvent[], from: number): void {
  for (let i = Math.max(from, 0); i < events.length; i += 1) {
    const meta = events[i]!.metadata;
    meta.prevHash = i === 0 ? GENESIS_HASH : events[i - 1]!.metadata.hash;
    meta.hash = computeEventHash(events[i]!.type, Buffer.from(JSON.stringify(events[i]!.data)), meta);
  }
}

const contents = (events: readonly StoredEvent[]) => JSON.stringify(events.map(({ type, data, metadata }) => ({ type, data, metadata })));
const copy = (events: StoredEvent[]): StoredEvent[] => events.map((e) => ({ ...e, data: { ...e.data }, metadata: { ...e.metadata } }));

type Tampering =
  | { kind: 'alter'; at: number; rehash: boolean }
  | { kind: 'remove'; at: number; rehash: boolean }
  | { kind: 'insert'; at: number; keyed: boolean }
  | { kind: 'swap'; at: number }
  | { kind: 'strip-signature'; at: number }
  | { kind: 'batch-size'; at: number; delta: number }
  | { kind: 'resign'; at: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'retire-a' };

/**
 * Applies the tampering; returns the first index from which no event may count as proven (the
 * first changed, or the start of its append), or undefined for a change not to be drawn.
 */
function tamper(events: StoredEvent[], boundaries: Set<number>, appends: Append[], how: Tampering): number | undefined {
  const n = events.length;
  const signedAt = (i: number) => events[i]!.metadata.signature !== undefined;
  // Nothing of an append is proven without its signature: a change inside one unproves it from its start.
  const appendStart = (i: number) => Math.max(...[...boundaries].filter((b) => b <= i));
  switch (how.kind) {
    case 'alter': {
      const at = how.at % n;
      events[at]!.data.amount += 1;
      if (how.rehash) rechain(events, at);
      return appendStart(at);
    }
    case 'remove': {
      const at = how.at % n;
      // Removing the stream's last append as a whole is truncation: not detectable by design.
      if (at === n - 1 && boundaries.has(n - 1)) return undefined;
      events.splice(at, 1);
      if (how.rehash) rechain(events, at);
      return at;
    }
    case 'insert': {
      const at = how.at % (n + 1);
      const metadata: Record<string, unknown> = { actor: 'forger', prevHash: GENESIS_HASH, schemaVersion: 1, ...(how.keyed ? { keyId: A.keyId } : {}) };
      events.splice(at, 0, { streamId: STREAM, revision: 0n, type: 'Deposited', isJson: true, data: { amount: 900 }, metadata });
      rechain(events, at);
      return at;
    }
    case 'swap': {
      const at = how.at % n;
      if (at === n - 1 || events[at]!.data.amount === events[at + 1]!.data.amount) return undefined;
      [events[at], events[at + 1]] = [events[at + 1]!, events[at]!];
      rechain(events, at);
      return at;
    }
    case 'strip-signature': {
      const signed = events.map((_, i) => i).filter(signedAt);
      const at = signed[how.at % signed.length]!;
      delete events[at]!.metadata.signature;
      return appendStart(at);
    }
    case 'batch-size': {
      const signed = events.map((_, i) => i).filter(signedAt);
      const at = signed[how.at % signed.length]!;
      const size = ((events[at]!.metadata.batchSize as number | undefined) ?? 1) + how.delta;
      if (size === 1) delete events[at]!.metadata.batchSize;
      else events[at]!.metadata.batchSize = size;
      return appendStart(at);
    }
    case 'resign': {
      // A forged append of one event at the end, chained, keyed and signed by a key not in the keyring.
      const at = how.at % (n + 1);
      events.splice(at, 0, { streamId: STREAM, revision: 0n, type: 'Deposited', isJson: true, data: { amount: 900 }, metadata: { actor: 'forger', prevHash: GENESIS_HASH, keyId: FORGER.keyId } });
      rechain(events, at);
      events[at]!.metadata.signature = FORGER.sign(STREAM, events[at]!.metadata.hash as string);
      return at;
    }
    case 'truncate': {
      // A cut inside an append (one at a boundary is undetectable, as documented).
      const cut = how.at % n;
      if (boundaries.has(cut)) return undefined;
      events.splice(cut);
      return appendStart(cut);
    }
    case 'retire-a': {
      let index = 0;
      for (const append of appends) {
        if (append.byA) return index;
        index += append.amounts.length;
      }
      return undefined;
    }
  }
}

const appendArb: fc.Arbitrary<Append> = fc.record({
  amounts: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 5 }),
  byA: fc.boolean(),
  perEvent: fc.boolean(),
});
/** History signed per event first (when any), then appends signed once, as a stream's life goes. */
const streamArb = fc.tuple(fc.array(appendArb, { maxLength: 2 }), fc.array(appendArb, { minLength: 1, maxLength: 5 }))
  .map(([old, recent]) => [...old.map((a) => ({ ...a, perEvent: true })), ...recent.map((a) => ({ ...a, perEvent: false }))]);
const at = fc.nat({ max: 1000 });
const tamperingArb: fc.Arbitrary<Tampering> = fc.oneof(
  fc.record({ kind: fc.constant('alter' as const), at, rehash: fc.boolean() }),
  fc.record({ kind: fc.constant('remove' as const), at, rehash: fc.boolean() }),
  fc.record({ kind: fc.constant('insert' as const), at, keyed: fc.boolean() }),
  fc.record({ kind: fc.constant('swap' as const), at }),
  fc.record({ kind: fc.constant('strip-signature' as const), at }),
  fc.record({ kind: fc.constant('batch-size' as const), at, delta: fc.constantFrom(-2, -1, 1, 2) }),
  fc.record({ kind: fc.constant('resign' as const), at }),
  fc.record({ kind: fc.constant('truncate' as const), at }),
  fc.constant({ kind: 'retire-a' as const }),
);

t.test('an untouched stream, in either form of signing, verifies ok', async (t) => {
  await fc.assert(fc.asyncProperty(streamArb, async (appends) => {
    const { events } = await write(appends);
    const result = verify(events, ChainKeyring.of(A, B));
    return result.status === 'ok' && result.count === events.length && result.headHash === events.at(-1)!.metadata.hash;
  }), { numRuns: 200 });
  t.pass('200 random streams');
});

t.test('any tampering of a random stream is detected, and nothing from it on counts as proven', async (t) => {
  const kinds = new Map<string, number>();
  await fc.assert(fc.asyncProperty(streamArb, tamperingArb, async (appends, how) => {
    const { events: honest, boundaries } = await write(appends);
    const events = copy(honest);
    const first = tamper(events, boundaries, appends, how);
    fc.pre(first !== undefined && (events.length !== honest.length || contents(events) !== contents(honest) || how.kind === 'retire-a'));
    kinds.set(how.kind, (kinds.get(how.kind) ?? 0) + 1);
    const keyring = how.kind === 'retire-a' ? ChainKeyring.of(B) : ChainKeyring.of(A, B);
    const result = verify(events, keyring);
    if (result.status !== 'broken') return false;
    // An unkeyed event put first reads as history from before signing: counted, but as unsigned.
    const unsignedFirst = how.kind === 'insert' && !how.keyed && first === 0 ? 1 : 0;
    return result.unkeyedCount === unsignedFirst && result.count <= first + unsignedFirst && result.firstBrokenRevision === BigInt(result.count);
  }), { numRuns: 1500 });
  t.ok([...kinds.values()].every((n) => n >= 50) && kinds.size === 9, `every kind drawn often: ${JSON.stringify(Object.fromEntries(kinds))}`);
});
