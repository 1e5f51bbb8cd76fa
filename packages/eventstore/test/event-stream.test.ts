/**
 * Event stream access, idempotency and the hash chain, through the real client against the
 * embedded event store (or the one ESDB_CONNECTION_STRING names).
 */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { NO_STREAM, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { startTestEnvironment } from '@cfund/test-support';
import {
  ConcurrencyConflictError,
  EventStreams,
  GENESIS_HASH,
  IdempotencyInProgressError,
  IdempotencyMismatchError,
  IdempotencyStore,
  BatchedStreamWriter,
  ChainKeyring,
  ChainSigner,
  RevisionMismatchError,
  StreamStateCache,
  appendEncoded,
  canonicalJson,
  computeEventHash,
  deterministicUuid,
  handleCommand,
  hashIdempotencyKey,
  loadStream,
  requestFingerprint,
  verifyStream,
  type HandleResult,
} from '../src/index.ts';
import {
  InsufficientFunds,
  accountCodec,
  accountDecider,
  gatedClient,
  interferingClient,
  metadata,
  readEvents,
  uniqueStream,
  type AccountEvent,
  type AccountState,
} from './fixtures.ts';

// One environment for the file, closed when this outer test ends.
t.test('event store access', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  t.comment(env.description);
  suite(t, env.eventStore);
});

function suite(t: Test, client: EventStoreDBClient) {
  // The writers' key, and the keyring that trusts it.
  const signer = ChainSigner.generate();
  const keyring = ChainKeyring.of(signer);
  const streams = new EventStreams(client, signer);
  const codec = accountCodec;

  t.test('load and append', async (t) => {
    const stream = uniqueStream();
    const empty = await streams.load(stream, accountDecider, codec);
    t.same(empty, { state: { balance: 0, transactions: 0 }, revision: NO_STREAM, lastHash: GENESIS_HASH, eventCount: 0 }, 'a missing stream is the initial state at no_stream');

    const meta = { ...metadata('lawyer-7'), schemaVersion: 3 };
    const first = await streams.handle(stream, { type: 'deposit', amount: 100 }, accountDecider, { codec, metadata: meta });
    t.same(first.events, [{ type: 'Deposited', amount: 100 }]);
    t.equal(first.revision, 0n);
    t.same(first.state, { balance: 100, transactions: 1 });
    t.equal(first.attempts, 1);
    t.equal(first.replayed, false);

    const second = await streams.handle(stream, { type: 'withdraw', amount: 30 }, accountDecider, { codec, metadata: metadata() });
    t.equal(second.revision, 1n);
    t.same(second.state, { balance: 70, transactions: 2 });

    const loaded = await streams.load(stream, accountDecider, codec);
    t.same(loaded.state, { balance: 70, transactions: 2 });
    t.equal(loaded.revision, 1n);
    t.equal(loaded.eventCount, 2);

    const stored = await readEvents(client, stream);
    t.equal(stored.length, 2);
    const m0 = stored[0]!.metadata as Record<string, unknown>;
    t.equal(stored[0]!.isJson, true, 'JSON data');
    t.same(stored[0]!.data, { amount: 100 });
    t.equal(m0.actor, 'lawyer-7');
    t.equal(m0.occurredAt, meta.occurredAt);
    t.equal(m0.correlationId, meta.correlationId);
    t.equal(m0.causationId, meta.causationId);
    t.equal(m0.schemaVersion, 1, "the codec's schema version wins over the caller's default");
    t.equal(m0.prevHash, GENESIS_HASH);
    t.match(m0.hash, /^[0-9a-f]{64}$/);
    t.equal((stored[1]!.metadata as Record<string, unknown>).prevHash, m0.hash, 'chained');
    t.equal(loaded.lastHash, (stored[1]!.metadata as Record<string, unknown>).hash);

    const noop = await streams.handle(stream, { type: 'deposit', amount: 0 }, accountDecider, { codec, metadata: metadata() });
    t.same(noop.events, [], 'a decision without events appends nothing');
    t.equal(noop.revision, 1n);
    t.equal((await readEvents(client, stream)).length, 2);

    await t.rejects(
      streams.handle(stream, { type: 'withdraw', amount: 1000 }, accountDecider, { codec, metadata: metadata() }),
      InsufficientFunds,
      'domain refusals propagate unchanged',
    );

    await t.rejects(
      streams.handle(stream, { type: 'deposit', amount: 1 }, accountDecider, { codec, metadata: metadata(), expectedRevision: 0n }),
      new RevisionMismatchError(stream, 0n, 1n),
      'If-Match on a stale revision: RevisionMismatchError',
    );
    const pinned = await streams.handle(stream, { type: 'deposit', amount: 1 }, accountDecider, { codec, metadata: metadata(), expectedRevision: 1n });
    t.equal(pinned.revision, 2n, 'If-Match on the current revision');
    await t.rejects(
      streams.handle(uniqueStream(), { type: 'deposit', amount: 1 }, accountDecider, { codec, metadata: metadata(), expectedRevision: 0n }),
      RevisionMismatchError,
      'If-Match on a stream that does not exist',
    );
  });

  t.test('catching up from a snapshot reads only what came after it', async (t) => {
    const stream = uniqueStream();
    for (const amount of [10, 20, 30]) await streams.handle(stream, { type: 'deposit', amount }, accountDecider, { codec, metadata: metadata() });
    const snapshot = await loadStream(client, stream, accountDecider, codec);
    for (const amount of [40, 50]) await streams.handle(stream, { type: 'deposit', amount }, accountDecider, { codec, metadata: metadata() });
    const full = await loadStream(client, stream, accountDecider, codec);
    const from = { state: snapshot.state, revision: snapshot.revision as bigint, lastHash: snapshot.lastHash, eventCount: snapshot.eventCount };
    const caughtUp = await loadStream(client, stream, accountDecider, codec, { from });
    t.same(caughtUp, full, 'the same state, revision, hash and count as a full read');
    t.same(await loadStream(client, stream, accountDecider, codec, { from: { ...from, state: full.state, revision: full.revision as bigint, lastHash: full.lastHash, eventCount: full.eventCount } }), full, 'nothing newer: the snapshot itself');
    let loads = 0;
    const viaSnapshot = await handleCommand(client, stream, { type: 'withdraw', amount: 5 }, accountDecider, {
      codec, signer, metadata: metadata(), load: () => { loads += 1; return loadStream(client, stream, accountDecider, codec, { from: { ...from } }); },
    });
    t.equal(loads, 1, 'handleCommand used the given loader');
    t.same(viaSnapshot.state, { balance: 145, transactions: 6 });
    t.same((await verifyStream(client, stream, keyring)).ok, true, 'the chain continues from the snapshot\'s last hash');
  });

  t.test('a state cache: no read while this process writes, correct when another does', async (t) => {
    const stream = uniqueStream();
    const cache = new StreamStateCache(accountDecider, codec);
    const handle = (command: Parameters<typeof accountDecider.decide>[0], extra: { expectedRevision?: bigint | typeof NO_STREAM } = {}) =>
      handleCommand(client, stream, command, accountDecider, { codec, signer, metadata: metadata(), cache, ...extra });

    const opened = await handle({ type: 'deposit', amount: 100 }, { expectedRevision: NO_STREAM });
    t.equal(opened.revision, 0n);
    for (const amount of [10, 20]) await handle({ type: 'withdraw', amount });
    t.equal(cache.reads, 0, 'creating the stream and two more commands read nothing');
    t.same(cache.peek(stream)?.state, { balance: 70, transactions: 3 });

    // Another writer (no cache) withdraws 60: the cached state (70) is stale.
    await handleCommand(client, stream, { type: 'withdraw', amount: 60 }, accountDecider, { codec, signer, metadata: metadata() });
    const conflicted = await handle({ type: 'withdraw', amount: 5 });
    t.equal(conflicted.attempts, 2, 'the append at the cached revision was refused, then re-decided');
    t.same(conflicted.state, { balance: 5, transactions: 5 }, 'decided on the store\'s state');
    t.equal(cache.reads, 1, 'one catch-up read');

    // The cache says 5; another writer deposits 100: a withdrawal of 50 is allowed by the store's state.
    await handleCommand(client, stream, { type: 'deposit', amount: 100 }, accountDecider, { codec, signer, metadata: metadata() });
    const allowed = await handle({ type: 'withdraw', amount: 50 });
    t.same(allowed.state, { balance: 55, transactions: 7 }, 'a refusal on the cached state is checked against the store first');
    t.equal(allowed.attempts, 1);
    await t.rejects(handle({ type: 'withdraw', amount: 1000 }), InsufficientFunds, 'a refusal the store confirms is still a refusal');
    t.same(await handle({ type: 'deposit', amount: 0 }).then((r) => r.events), [], 'deciding nothing is fine');

    // If-Match equal to the store's revision while the cache is behind: not a mismatch.
    await handleCommand(client, stream, { type: 'deposit', amount: 1 }, accountDecider, { codec, signer, metadata: metadata() });
    const current = (await loadStream(client, stream, accountDecider, codec)).revision as bigint;
    const pinned = await handle({ type: 'deposit', amount: 2 }, { expectedRevision: current });
    t.equal(pinned.revision, current + 1n);
    await t.rejects(handle({ type: 'deposit', amount: 3 }, { expectedRevision: current }), RevisionMismatchError, 'a stale If-Match is still 412');

    const full = await loadStream(client, stream, accountDecider, codec);
    t.same(cache.peek(stream), { state: full.state, revision: full.revision, lastHash: full.lastHash, eventCount: full.eventCount }, 'the cache equals a full read');
    t.equal((await verifyStream(client, stream, keyring)).ok, true, 'the hash chain is unbroken across cached and uncached writers');

    // A stream created elsewhere: the cached command creating it is refused by the store.
    const taken = uniqueStream();
    await handleCommand(client, taken, { type: 'deposit', amount: 1 }, accountDecider, { codec, signer, metadata: metadata() });
    await t.rejects(handleCommand(client, taken, { type: 'deposit', amount: 1 }, accountDecider, { codec, signer, metadata: metadata(), cache, expectedRevision: NO_STREAM }), RevisionMismatchError);

    const small = new StreamStateCache(accountDecider, codec, { maxStreams: 2 });
    for (const name of ['a', 'b', 'c']) small.remember(name, { state: { balance: 1, transactions: 1 }, revision: 0n, lastHash: GENESIS_HASH, eventCount: 1 });
    t.equal(small.size, 2, 'bounded');
    t.equal(small.peek('a'), undefined, 'the least recently used went first');
    small.remember('b', { state: { balance: 9, transactions: 9 }, revision: 0n, lastHash: GENESIS_HASH, eventCount: 1 });
    t.same(small.peek('b')?.state, { balance: 1, transactions: 1 }, 'an older or equal revision does not replace a snapshot');
    t.same(small.view('b'), { balance: 1, transactions: 1 }, 'view: the cached state without copying');
    t.equal(small.view('a'), undefined);
  });

  t.test('a state cache over a fold that updates in place: refresh copies only when events follow, catchUp hands out a copy', async (t) => {
    const stream = uniqueStream();
    type Ledger = { balance: number; amounts: number[] };
    let copies = 0;
    // Like the fund ledger's fold: the state given is changed and returned.
    const inPlace = {
      initialState: (): Ledger => ({ balance: 0, amounts: [] }),
      evolve: (s: Ledger, e: AccountEvent): Ledger => {
        const amount = e.type === 'Deposited' ? e.amount : -e.amount;
        s.balance += amount;
        s.amounts.push(amount);
        return s;
      },
    };
    const cache = new StreamStateCache(inPlace, codec, { clone: (s) => { copies += 1; return { balance: s.balance, amounts: [...s.amounts] }; } });
    const deposit = (amount: number) => handleCommand(client, stream, { type: 'deposit', amount }, accountDecider, { codec, signer, metadata: metadata() });
    await deposit(10);
    const first = await cache.refresh(client, stream);
    t.same(first.state, { balance: 10, amounts: [10] });
    t.equal(copies, 0, 'a stream read from its start is folded into a new state: nothing to copy');
    const unchanged = await cache.refresh(client, stream);
    t.equal(unchanged.state, first.state, 'nothing new: the cached state itself');
    t.equal(copies, 0, 'and no copy');

    await deposit(5);
    const moved = await cache.refresh(client, stream);
    t.same(moved.state, { balance: 15, amounts: [10, 5] }, 'the new events folded');
    t.equal(copies, 1, 'one copy, before the first new event');
    t.same(first.state, { balance: 10, amounts: [10] }, 'a state handed out earlier is never changed');

    const owned = await cache.catchUp(client, stream);
    owned.state.amounts.push(999);
    t.same(cache.view(stream), { balance: 15, amounts: [10, 5] }, 'catchUp hands out a copy: changing it leaves the cache alone');
    t.equal(cache.reads, 4);
  });

  t.test('a batched writer: concurrent commands on one stream, one append per batch', async (t) => {
    const stream = uniqueStream();
    const cache = new StreamStateCache(accountDecider, codec);
    const batches: number[] = [];
    let conflicts = 0;
    const writer = new BatchedStreamWriter(client, accountDecider, codec, cache, {
      signer,
      onBatch: (_s, commands) => batches.push(commands), onConflict: () => { conflicts += 1; },
    });
    await writer.submit(stream, { type: 'deposit', amount: 100 }, metadata('admin'));
    // 20 withdrawals of 10 against a balance of 100, all at once: exactly 10 succeed.
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) =>
      writer.submit(stream, { type: 'withdraw', amount: 10 }, metadata(`clerk-${i}`))));
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    t.equal(done.length, 10, '10 withdrawals written');
    t.ok(refused.every((o) => o.reason instanceof InsufficientFunds), 'the other 10 refused by the decider, each on its own');
    t.ok(batches.slice(1).some((n) => n > 1), `commands were batched (batch sizes ${batches.join(', ')})`);
    const revisions = done.map((o) => (o as PromiseFulfilledResult<{ revision: unknown }>).value.revision).sort();
    t.same(revisions, Array.from({ length: 10 }, (_, i) => BigInt(i + 1)).sort(), 'each command got the revision of its own event');
    const stored = await readEvents(client, stream);
    t.equal(stored.length, 11);
    const actors = stored.slice(1).map((e) => (e.metadata as { actor: string }).actor);
    t.equal(new Set(actors).size, 10, 'each event carries the metadata of its own command');
    const full = await loadStream(client, stream, accountDecider, codec);
    t.same(full.state, { balance: 0, transactions: 11 });
    t.equal((await verifyStream(client, stream, keyring)).ok, true, 'the hash chain runs through the batches');

    // Another writer deposits behind the cache's back. A withdrawal the cached state (0) refuses
    // is checked against the store, which allows it.
    await handleCommand(client, stream, { type: 'deposit', amount: 50 }, accountDecider, { codec, signer, metadata: metadata() });
    const readsBefore = cache.reads;
    const after = await writer.submit(stream, { type: 'withdraw', amount: 30 }, metadata());
    t.equal(after.revision, 12n);
    t.equal(cache.reads, readsBefore + 1, 'the refusal on the cached state was checked against the store');
    t.same(cache.peek(stream)?.state, { balance: 20, transactions: 13 }, 'the withdrawal allowed only by the store\'s state was written');
    // A deposit (never refused) at a stale cached revision: the store refuses the append, the batch is re-decided.
    await handleCommand(client, stream, { type: 'deposit', amount: 5 }, accountDecider, { codec, signer, metadata: metadata() });
    const deposit = await writer.submit(stream, { type: 'deposit', amount: 7 }, metadata());
    t.equal(conflicts, 1, 'one version conflict');
    t.equal(deposit.revision, 14n);
    t.same(cache.peek(stream)?.state, { balance: 32, transactions: 15 });
    t.equal((await verifyStream(client, stream, keyring)).ok, true);
  });

  t.test('version conflicts', async (t) => {
    t.test('two concurrent handles both succeed through a re-decide', async (t) => {
      const stream = uniqueStream();
      const gated = new EventStreams(gatedClient(client, 2), signer);
      const conflicts: number[] = [];
      const results = await Promise.all([
        gated.handle(stream, { type: 'deposit', amount: 10 }, accountDecider, { codec, metadata: metadata(), onConflict: (n) => conflicts.push(n) }),
        gated.handle(stream, { type: 'deposit', amount: 5 }, accountDecider, { codec, metadata: metadata(), onConflict: (n) => conflicts.push(n) }),
      ]);
      t.same(results.map((r) => r.attempts).sort(), [1, 2], 'one of them re-decided once');
      t.same(conflicts, [1]);
      const loaded = await streams.load(stream, accountDecider, codec);
      t.same(loaded.state, { balance: 15, transactions: 2 });
      t.same(await verifyStream(client, stream, keyring), { status: 'ok', ok: true, count: 2, headHash: loaded.lastHash, unkeyedCount: 0 }, 'the chain holds after a re-decide');
    });

    t.test('the re-decide refuses the second command', async (t) => {
      const stream = uniqueStream();
      await streams.handle(stream, { type: 'deposit', amount: 100 }, accountDecider, { codec, metadata: metadata() });
      const gated = new EventStreams(gatedClient(client, 2), signer);
      const results = await Promise.allSettled([
        gated.handle(stream, { type: 'withdraw', amount: 80 }, accountDecider, { codec, metadata: metadata() }),
        gated.handle(stream, { type: 'withdraw', amount: 80 }, accountDecider, { codec, metadata: metadata() }),
      ]);
      t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one withdrawal');
      const rejected = results.find((r) => r.status === 'rejected');
      t.type(rejected?.reason, InsufficientFunds, 'the other is refused by the decider on the fresh state');
      t.same((await streams.load(stream, accountDecider, codec)).state, { balance: 20, transactions: 2 });
    });

    t.test('bounded retries, then ConcurrencyConflictError', async (t) => {
      const stream = uniqueStream();
      const busy = interferingClient(client);
      const error = await new EventStreams(busy.client, signer)
        .handle(stream, { type: 'deposit', amount: 1 }, accountDecider, { codec, metadata: metadata() })
        .then(() => undefined, (e: unknown) => e);
      t.type(error, ConcurrencyConflictError);
      t.equal((error as ConcurrencyConflictError).attempts, 4, 'default: 3 retries, 4 attempts');
      t.equal(busy.appends(), 4);
      t.match((error as Error).message, stream);

      const busy2 = interferingClient(client);
      await t.rejects(
        new EventStreams(busy2.client, signer).handle(uniqueStream(), { type: 'deposit', amount: 1 }, accountDecider, { codec, metadata: metadata(), maxRetries: 1 }),
        { name: 'ConcurrencyConflictError', attempts: 2 },
      );
      t.equal(busy2.appends(), 2, 'maxRetries is configurable');
      const events = await readEvents(client, stream);
      t.same(events.map((e) => e.type), ['Interference', 'Interference', 'Interference', 'Interference'], 'nothing of ours was written');
    });
  });

  t.test('idempotent handle', async (t) => {
    const stream = uniqueStream();
    const key = `user-1:${uniqueStream('key')}`;
    const first = await streams.handle(stream, { type: 'deposit', amount: 40 }, accountDecider, { codec, metadata: metadata(), idempotencyKey: key });
    await streams.handle(stream, { type: 'deposit', amount: 2 }, accountDecider, { codec, metadata: metadata() });
    const again = await streams.handle(stream, { type: 'deposit', amount: 40 }, accountDecider, { codec, metadata: metadata(), idempotencyKey: key });
    t.equal(again.replayed, true, 'found in the stream: not decided again');
    t.same(again.events, first.events);
    t.equal(again.revision, first.revision, 'the revision it was written at');
    t.same(again.state, first.state, 'the state right after it');
    const events = await readEvents(client, stream);
    t.equal(events.length, 2);
    t.equal((events[0]!.metadata as Record<string, unknown>).idempotencyKey, hashIdempotencyKey(key), 'tagged with sha256(key), not the key');
    t.equal(events[0]!.id, deterministicUuid('event', hashIdempotencyKey(key), stream, '0'), 'event id derived from the key');
    t.notOk(JSON.stringify(events[0]!.metadata).includes(key), 'the raw key is not stored');

    // The server side of the same guarantee: re-sending the same event ids at the same expected
    // revision (a retried append whose acknowledgement was lost) writes nothing twice.
    const fresh = uniqueStream();
    const encoded = [accountCodec.encode({ type: 'Deposited', amount: 7 })];
    const options = { expectedRevision: NO_STREAM, prevHash: GENESIS_HASH, metadata: metadata(), idempotencyKey: 'k-retry', signer } as const;
    const a = await appendEncoded(client, fresh, encoded, options);
    const b = await appendEncoded(client, fresh, encoded, { ...options, metadata: JSON.parse(JSON.stringify(options.metadata)) });
    t.equal(b.revision, a.revision);
    t.equal((await readEvents(client, fresh)).length, 1, 'deduplicated by the store');
  });

  t.test('IdempotencyStore', async (t) => {
    // As a command runs under a key: decides, and reserves the key only when about to append.
    const deposit = (stream: string, key: string, amount: number, reserve?: () => Promise<void>) => async () => {
      const result: HandleResult<AccountEvent, AccountState> = await streams.handle(stream, { type: 'deposit', amount }, accountDecider, {
        codec,
        metadata: metadata(),
        idempotencyKey: key,
        ...(reserve ? { beforeAppend: reserve } : {}),
      });
      return { stream, revision: Number(result.revision), events: result.events.map((e) => e.type) };
    };
    const keyEvents = async (store: IdempotencyStore, key: string) => (await readEvents(client, store.streamName(key)).catch(() => [])).map((e) => e.type);

    t.test('same key and body: the first response, written once', async (t) => {
      const store = new IdempotencyStore(client, signer);
      const stream = uniqueStream();
      const key = uniqueStream('key');
      const body = { amount: 25, note: 'x' };
      const run = (reserve: () => Promise<void>) => deposit(stream, key, 25, reserve)();
      const first = await store.execute(key, requestFingerprint(body), run);
      const second = await store.execute(key, requestFingerprint({ note: 'x', amount: 25 }), run);
      t.same(first, { response: { stream, revision: 0, events: ['Deposited'] }, replayed: false });
      t.same(second, { response: first.response, replayed: true }, 'key order does not change the fingerprint');
      t.equal((await readEvents(client, stream)).length, 1, 'one set of events');
      t.same(await keyEvents(store, key), ['IdempotencyKeyReserved', 'IdempotencyResponseRecorded'], 'the repeat wrote nothing');
      t.ok((await verifyStream(client, store.streamName(key), keyring)).ok, 'the key stream is chained too');

      await t.rejects(store.execute(key, requestFingerprint({ amount: 26 }), run), IdempotencyMismatchError, 'same key, other body');
      const other = uniqueStream();
      await t.rejects(store.execute(key, requestFingerprint({ amount: 26 }), (reserve) => deposit(other, `${key}:other`, 26, reserve)()),
        IdempotencyMismatchError, 'same key, other body, another stream');
      t.equal((await readEvents(client, other).catch(() => [])).length, 0, 'refused before its append');
      t.equal((await readEvents(client, stream)).length, 1);
    });

    t.test('during a rotation of the fingerprint key, a retry matches the fingerprint recorded under the old one', async (t) => {
      const store = new IdempotencyStore(client, signer);
      const stream = uniqueStream();
      const key = uniqueStream('key');
      const first = await store.execute(key, 'under-the-old-key', (reserve) => deposit(stream, key, 10, reserve)());
      t.equal(first.replayed, false);
      await t.rejects(store.execute(key, 'under-the-new-key', (reserve) => deposit(stream, key, 10, reserve)()), IdempotencyMismatchError,
        'with the new key alone the retry looks like another request');
      const retried = await store.execute(key, ['under-the-new-key', 'under-the-old-key'], (reserve) => deposit(stream, key, 10, reserve)());
      t.same(retried, { response: first.response, replayed: true }, 'with both, it is replayed');
      t.equal((await readEvents(client, stream)).length, 1, 'written once');
      await t.rejects(store.execute(key, ['under-the-new-key', 'something-else'], (reserve) => deposit(stream, key, 20, reserve)()), IdempotencyMismatchError,
        'another request is still refused');
    });

    t.test('20 concurrent identical requests: exactly one execution writes', async (t) => {
      const store = new IdempotencyStore(client, signer);
      const stream = uniqueStream();
      const key = uniqueStream('key');
      const results = await Promise.all(Array.from({ length: 20 }, () => store.execute(key, requestFingerprint({ amount: 10 }), (reserve) => deposit(stream, key, 10, reserve)())));
      t.equal(results.filter((r) => !r.replayed).length, 1, 'one execution');
      t.ok(results.every((r) => JSON.stringify(r.response) === JSON.stringify(results[0]!.response)), 'all got the same response');
      t.equal((await readEvents(client, stream)).length, 1, 'one event in the domain stream');
      t.same(await keyEvents(store, key), ['IdempotencyKeyReserved', 'IdempotencyResponseRecorded']);
    });

    t.test('a refusal writes nothing; a failure after reserving releases the key; a retry executes', async (t) => {
      const store = new IdempotencyStore(client, signer);
      const refusedKey = uniqueStream('key');
      await t.rejects(store.execute(refusedKey, 'h', async () => { throw new Error('refused by a rule'); }), /refused by a rule/);
      t.same(await keyEvents(store, refusedKey), [], 'refused before reserving: no key stream at all');
      t.same(await store.execute(refusedKey, 'another request', async (reserve) => { await reserve(); return { ok: 1 }; }), { response: { ok: 1 }, replayed: false },
        'the key is free for another request');

      const key = uniqueStream('key');
      await t.rejects(store.execute(key, 'h', async (reserve) => { await reserve(); throw new Error('store unavailable'); }), /store unavailable/);
      t.same(await keyEvents(store, key), ['IdempotencyKeyReserved', 'IdempotencyReservationReleased']);
      const retried = await store.execute(key, 'h', async (reserve) => { await reserve(); return { ok: true }; });
      t.same(retried, { response: { ok: true }, replayed: false });
    });

    t.test('crash after the domain append, before the response: the retry takes over and replays', async (t) => {
      const store = new IdempotencyStore(client, signer, { staleAfterMs: 300 });
      const stream = uniqueStream();
      const key = uniqueStream('key');
      const hash = requestFingerprint({ amount: 60 });
      // The crashed owner: reserved the key, appended its events, died before recording the response.
      await appendEncoded(client, store.streamName(key), [{ type: 'IdempotencyKeyReserved', data: { requestHash: hash, owner: 'dead' } }], {
        expectedRevision: NO_STREAM,
        prevHash: GENESIS_HASH,
        metadata: {},
        signer,
      });
      const original = await deposit(stream, key, 60)();

      let replayedInside = false;
      const started = Date.now();
      const result = await store.execute(key, hash, async (reserve) => {
        const r = await streams.handle(stream, { type: 'deposit', amount: 60 }, accountDecider, { codec, metadata: metadata(), idempotencyKey: key, beforeAppend: reserve });
        replayedInside = r.replayed;
        return { stream, revision: Number(r.revision), events: r.events.map((e) => e.type) };
      });
      t.ok(Date.now() - started >= 250, 'waited for the reservation to go stale');
      t.equal(replayedInside, true, 'the retry found its events in the stream and decided nothing');
      t.same(result.response, original);
      t.equal((await readEvents(client, stream)).length, 1, 'still one set of events');
      t.same(await keyEvents(store, key), ['IdempotencyKeyReserved', 'IdempotencyKeyReserved', 'IdempotencyResponseRecorded'], 'taken over, then recorded');
      const again = await store.execute(key, hash, async (reserve) => {
        await reserve();
        throw new Error('must not get past reserve');
      });
      t.same(again, { response: original, replayed: true }, 'the response is recorded now');
    });

    t.test('a live reservation: duplicates wait, then give up with IdempotencyInProgressError', async (t) => {
      const store = new IdempotencyStore(client, signer, { waitTimeoutMs: 150 });
      const key = uniqueStream('key');
      let release!: () => void;
      const slow = store.execute(key, 'h', async (reserve) => {
        await reserve();
        return new Promise<{ done: boolean }>((resolve) => (release = () => resolve({ done: true })));
      });
      await new Promise((r) => setTimeout(r, 50));
      const duplicate = async (reserve: () => Promise<void>) => { await reserve(); return { done: false }; };
      await t.rejects(store.execute(key, 'h', duplicate), IdempotencyInProgressError);
      release();
      t.same(await slow, { response: { done: true }, replayed: false });
      t.same(await store.execute(key, 'h', duplicate), { response: { done: true }, replayed: true });
    });
  });

  t.test('hash chain', async (t) => {
    t.test('the documented encoding', async (t) => {
      t.equal(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], e: undefined }), '{"a":[{"c":null,"d":"x"}],"b":1}');
      const meta = { prevHash: GENESIS_HASH, actor: 'a', hash: 'ignored' };
      const data = Buffer.from('{"amount":1}');
      const parts = [Buffer.from(GENESIS_HASH, 'ascii'), Buffer.from('Deposited'), data, Buffer.from('{"actor":"a","prevHash":"' + GENESIS_HASH + '"}')];
      const h = createHash('sha256').update('cfund-hash-chain/v1\0');
      for (const p of parts) {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(p.length);
        h.update(len).update(p);
      }
      t.equal(computeEventHash('Deposited', data, meta), h.digest('hex'), 'matches an independent implementation of the README encoding');
    });

    t.test('verify: intact streams', async (t) => {
      const stream = uniqueStream();
      for (let i = 1; i <= 5; i += 1) {
        await streams.handle(stream, { type: 'deposit', amount: i }, accountDecider, { codec, metadata: metadata() });
      }
      const loaded = await streams.load(stream, accountDecider, codec);
      t.same(await verifyStream(client, stream, keyring), { status: 'ok', ok: true, count: 5, headHash: loaded.lastHash, unkeyedCount: 0 });
      t.same(await verifyStream(client, uniqueStream(), keyring), { status: 'ok', ok: true, count: 0, headHash: GENESIS_HASH, unkeyedCount: 0 }, 'a missing stream');
      // Unicode, nested data and key order survive the JSON round trip byte for byte.
      const odd = uniqueStream();
      const written = await appendEncoded(client, odd, [{ type: 'Odd', data: { z: 'Ђорђе ✓ 😀', a: [1.5, -0, 1e21, { y: null, x: '\u2028' }] } }], {
        expectedRevision: NO_STREAM,
        prevHash: GENESIS_HASH,
        metadata: metadata(),
        signer,
      });
      t.same(await verifyStream(client, odd, keyring), { status: 'ok', ok: true, count: 1, headHash: written.lastHash, unkeyedCount: 0 });
    });

    t.test('verify: tampering is detected at the first broken link', async (t) => {
      const build = async () => {
        const stream = uniqueStream();
        for (let i = 1; i <= 3; i += 1) {
          await streams.handle(stream, { type: 'deposit', amount: i }, accountDecider, { codec, metadata: metadata() });
        }
        return { stream, loaded: await streams.load(stream, accountDecider, codec) };
      };

      // A forged event linked to the right predecessor but whose hash was copied from an honest
      // event with other data (the amount was "changed" after hashing).
      {
        const { stream, loaded } = await build();
        const meta = { ...metadata(), prevHash: loaded.lastHash, schemaVersion: 1 };
        const honestHash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: 4 })), meta);
        await client.appendToStream(stream, jsonEvent({ type: 'Deposited', data: { amount: 4000 }, metadata: { ...meta, hash: honestHash } }), { expectedRevision: 2n });
        await streams.handle(stream, { type: 'deposit', amount: 5 }, accountDecider, { codec, metadata: metadata() });
        const result = await verifyStream(client, stream, keyring);
        t.same(result, { status: 'broken', ok: false, count: 3, firstBrokenRevision: 3n, reason: 'hash does not match the event (type, data or metadata altered)', unkeyedCount: 0 }, 'altered data');
      }
      // An event whose own hash is consistent but which does not link to its predecessor (e.g. an
      // event copied in from another stream).
      {
        const { stream } = await build();
        const meta = { ...metadata(), prevHash: GENESIS_HASH };
        const hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: 9 })), meta);
        await client.appendToStream(stream, jsonEvent({ type: 'Deposited', data: { amount: 9 }, metadata: { ...meta, hash } }), { expectedRevision: 2n });
        const result = await verifyStream(client, stream, keyring);
        t.match(result, { ok: false, firstBrokenRevision: 3n, reason: /prevHash/ }, 'broken link');
      }
      // Metadata altered (the actor) with the hash left as it was.
      {
        const { stream, loaded } = await build();
        const meta = { ...metadata('honest'), prevHash: loaded.lastHash };
        const hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: 9 })), meta);
        await client.appendToStream(stream, jsonEvent({ type: 'Deposited', data: { amount: 9 }, metadata: { ...meta, actor: 'forger', hash } }), { expectedRevision: 2n });
        t.match(await verifyStream(client, stream, keyring), { ok: false, firstBrokenRevision: 3n, reason: /hash does not match/ }, 'altered metadata');
      }
      // An event written around this package, without a chain.
      {
        const { stream } = await build();
        await client.appendToStream(stream, jsonEvent({ type: 'Deposited', data: { amount: 9 } }), { expectedRevision: 2n });
        t.match(await verifyStream(client, stream, keyring), { ok: false, firstBrokenRevision: 3n, reason: /metadata/ }, 'no chain metadata');
      }
    });
  });
}
