/**
 * The signed hash chain: events appended around this package with the plain client (by someone
 * who can write to the store and compute SHA-256, but holds no signing key) do not verify as
 * written by this system. Through the real client against the embedded event store.
 */
import { createHash, verify } from 'node:crypto';
import t, { type Test } from 'tap';
import { NO_STREAM, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { startTestEnvironment } from '@cfund/test-support';
import { BatchedStreamWriter, ChainKeyring, ChainSigner, EventStreams, GENESIS_HASH, StreamStateCache, appendEncoded, computeEventHash, verifyStream } from '../src/index.ts';
import { accountCodec as codec, accountDecider, metadata, readEvents, uniqueStream } from './fixtures.ts';

t.test('signed hash chain', async (t) => {
  const env = await startTestEnvironment({ memDb: true });
  t.teardown(() => env.close());
  if (env.skipped !== undefined) return t.plan(0, env.skipped);
  suite(t, env.eventStore);
});

/** Metadata of a correctly chained event, as a forger computes it; signed by `signer` when given. */
function chained(stream: string, prevHash: string, amount: number, actor: string, signer?: ChainSigner): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...metadata(actor), prevHash, schemaVersion: 1, ...(signer ? { keyId: signer.keyId } : {}) };
  meta.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount })), meta);
  if (signer) meta.signature = signer.sign(stream, meta.hash as string);
  return meta;
}

function suite(t: Test, client: EventStoreDBClient) {
  const ours = ChainSigner.generate();
  const keyring = ChainKeyring.of(ours);
  const streams = new EventStreams(client, ours);

  /** Given: a stream of `n` deposits written by this system. */
  const given = async (n = 2) => {
    const stream = uniqueStream();
    for (let i = 1; i <= n; i += 1) await streams.handle(stream, { type: 'deposit', amount: i }, accountDecider, { codec, metadata: metadata() });
    return { stream, lastHash: (await streams.load(stream, accountDecider, codec)).lastHash };
  };
  const forge = (stream: string, meta: Record<string, unknown>, expectedRevision: bigint | typeof NO_STREAM, amount = 900) =>
    client.appendToStream(stream, jsonEvent({ type: 'Deposited', data: { amount }, metadata: meta }), { expectedRevision });
  const forgedMeta = (stream: string, prevHash: string, signer?: ChainSigner) => chained(stream, prevHash, 900, 'lawyer-1', signer);

  t.test('the documented signature encoding', async (t) => {
    const { stream } = await given(1);
    const [event] = await readEvents(client, stream);
    const meta = event!.metadata as Record<string, string>;
    const spki = ours.publicKey.export({ type: 'spki', format: 'der' });
    t.equal(ours.keyId, createHash('sha256').update(spki).digest('hex').slice(0, 16), 'keyId: 16 hex of SHA-256 of the SPKI DER');
    t.equal(meta.keyId, ours.keyId, 'the event names its key');
    const part = (text: string, encoding: BufferEncoding) => {
      const bytes = Buffer.from(text, encoding);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    };
    const message = Buffer.concat([Buffer.from('cfund-chain-sig/v1\0'), ...part(stream, 'utf8'), ...part(meta.hash!, 'ascii'), ...part(ours.keyId, 'ascii')]);
    t.ok(verify(null, message, ours.publicKey, Buffer.from(meta.signature!, 'base64')), 'an independent check of the documented message');
    const { signature: _s, ...rest } = meta;
    t.equal(computeEventHash(event!.type, Buffer.from(JSON.stringify(event!.data)), rest), meta.hash, 'the signature is outside the hash');
    t.not(computeEventHash(event!.type, Buffer.from(JSON.stringify(event!.data)), { ...rest, keyId: 'another' }), meta.hash, 'the keyId is inside it');
  });

  t.test('signed by this system: ok', async (t) => {
    const { stream, lastHash } = await given(3);
    t.same(await verifyStream(client, stream, keyring), { status: 'ok', ok: true, count: 3, headHash: lastHash, unkeyedCount: 0 });
  });

  t.test('a correctly chained event appended with the plain client, unsigned: broken', async (t) => {
    const { stream, lastHash } = await given();
    await forge(stream, forgedMeta(stream, lastHash), 1n);
    t.match(await verifyStream(client, stream, keyring), { status: 'broken', ok: false, count: 2, firstBrokenRevision: 2n, reason: 'unsigned event after signed events' });
  });

  t.test('a correctly chained event signed with another key: broken, unknown key', async (t) => {
    const { stream, lastHash } = await given();
    await forge(stream, forgedMeta(stream, lastHash, ChainSigner.generate()), 1n);
    t.match(await verifyStream(client, stream, keyring), { status: 'broken', firstBrokenRevision: 2n, reason: /^unknown key/ });
  });

  t.test('another key\'s signature under our keyId: broken, bad signature', async (t) => {
    const { stream, lastHash } = await given();
    const theirs = ChainSigner.generate();
    const meta: Record<string, unknown> = { ...metadata('lawyer-1'), prevHash: lastHash, schemaVersion: 1, keyId: ours.keyId };
    meta.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: 900 })), meta);
    const theirSignature = chained(stream, lastHash, 900, 'lawyer-1', theirs).signature;
    await forge(stream, { ...meta, signature: theirSignature }, 1n);
    t.match(await verifyStream(client, stream, keyring), { status: 'broken', firstBrokenRevision: 2n, reason: /^bad signature/ });
  });

  t.test('a tampered signature or keyId: broken', async (t) => {
    {
      const { stream, lastHash } = await given();
      const meta = forgedMeta(stream, lastHash, ours);
      const bytes = Buffer.from(meta.signature as string, 'base64');
      bytes[5]! ^= 1;
      await forge(stream, { ...meta, signature: bytes.toString('base64') }, 1n);
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', firstBrokenRevision: 2n, reason: /^bad signature/ }, 'a flipped bit');
    }
    {
      const { stream, lastHash } = await given();
      const meta = forgedMeta(stream, lastHash, ours);
      await forge(stream, { ...meta, signature: `${meta.signature as string}AA` }, 1n);
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', reason: /^bad signature/ }, 'bytes appended');
    }
    {
      const other = ChainSigner.generate();
      const both = ChainKeyring.of(ours, other);
      const { stream, lastHash } = await given();
      await forge(stream, { ...forgedMeta(stream, lastHash, ours), keyId: other.keyId }, 1n);
      t.match(await verifyStream(client, stream, both), { status: 'broken', firstBrokenRevision: 2n, reason: /^hash does not match/ }, 'the keyId swapped for another trusted one');
    }
    {
      const { stream, lastHash } = await given();
      const { signature: _dropped, ...meta } = forgedMeta(stream, lastHash, ours);
      await forge(stream, meta, 1n);
      // Without its signature the event is an unsigned part of an append whose signed last event is missing.
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', firstBrokenRevision: 2n, reason: /^1 event at the end not covered by a signature/ }, 'the signature stripped');
    }
    {
      const { stream, lastHash } = await given();
      const meta: Record<string, unknown> = { ...metadata('lawyer-1'), prevHash: lastHash, schemaVersion: 1, keyId: 7 };
      meta.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: 900 })), meta);
      await forge(stream, { ...meta, signature: 'AAAA' }, 1n);
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', firstBrokenRevision: 2n, reason: 'metadata has no keyId/signature' }, 'a keyId that is not a string');
    }
  });

  t.test('honest events copied into another stream: broken (the signature names the stream)', async (t) => {
    const { stream } = await given();
    const copy = uniqueStream();
    for (const e of await readEvents(client, stream)) {
      await client.appendToStream(copy, jsonEvent({ type: e.type, data: e.data as { amount: number }, metadata: e.metadata as Record<string, unknown> }));
    }
    t.match(await verifyStream(client, copy, keyring), { status: 'broken', count: 0, firstBrokenRevision: 0n, reason: /^bad signature/ });
  });

  t.test('rotation: events of the old key verify while it stays in the keyring', async (t) => {
    const a = ChainSigner.generate();
    const b = ChainSigner.generate();
    const stream = uniqueStream();
    await new EventStreams(client, a).handle(stream, { type: 'deposit', amount: 1 }, accountDecider, { codec, metadata: metadata() });
    await new EventStreams(client, a).handle(stream, { type: 'deposit', amount: 2 }, accountDecider, { codec, metadata: metadata() });
    await new EventStreams(client, b).handle(stream, { type: 'deposit', amount: 3 }, accountDecider, { codec, metadata: metadata() });
    t.match(await verifyStream(client, stream, ChainKeyring.of(a, b)), { status: 'ok', count: 3 }, 'keys A and B');
    t.match(await verifyStream(client, stream, ChainKeyring.of(b)), { status: 'broken', count: 0, firstBrokenRevision: 0n, reason: /^unknown key/ }, 'B only: A\'s events are not trusted');
    t.match(await verifyStream(client, stream, ChainKeyring.fromJson(ChainKeyring.of(a, b).toJson())), { status: 'ok' }, 'the keyring survives its JSON form');
  });

  t.test('events written before signing: unkeyed, counted', async (t) => {
    // As the previous version wrote them: hash-chained, no keyId, no signature.
    const stream = uniqueStream();
    const first = chained(stream, GENESIS_HASH, 1, 'user-1');
    await forge(stream, first, NO_STREAM, 1);
    const second = chained(stream, first.hash as string, 2, 'user-1');
    await forge(stream, second, 0n, 2);
    t.match(await verifyStream(client, stream, keyring), { status: 'unkeyed', ok: false, count: 2, unkeyedCount: 2, headHash: second.hash, reason: /2 of 2 events/ }, 'only old events');
    await streams.handle(stream, { type: 'deposit', amount: 3 }, accountDecider, { codec, metadata: metadata() });
    t.match(await verifyStream(client, stream, keyring), { status: 'unkeyed', count: 3, unkeyedCount: 2 }, 'continued by this system: still reported');
    await forge(stream, forgedMeta(stream, (await streams.load(stream, accountDecider, codec)).lastHash), 2n);
    t.match(await verifyStream(client, stream, keyring), { status: 'broken', firstBrokenRevision: 3n, unkeyedCount: 2, reason: 'unsigned event after signed events' }, 'an unsigned event after signed ones is not old');
  });

  t.test('one signature per append', async (t) => {
    /** As the documented encoding writes an append of `amounts` after `prevHash`: per event when `perEvent` (history before 2026-12-07). */
    const batch = (stream: string, prevHash: string, amounts: number[], signer: ChainSigner, perEvent = false) => {
      const metas: Record<string, unknown>[] = [];
      for (const [i, amount] of amounts.entries()) {
        const last = i === amounts.length - 1;
        const meta: Record<string, unknown> = { ...metadata('lawyer-1'), prevHash, schemaVersion: 1, keyId: signer.keyId };
        if (last && !perEvent && amounts.length > 1) meta.batchSize = amounts.length;
        meta.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount })), meta);
        if (last || perEvent) meta.signature = signer.sign(stream, meta.hash as string);
        metas.push(meta);
        prevHash = meta.hash as string;
      }
      return metas;
    };
    const write = (stream: string, metas: Record<string, unknown>[], amounts: number[], expectedRevision: bigint | typeof NO_STREAM) =>
      client.appendToStream(stream, metas.map((meta, i) => jsonEvent({ type: 'Deposited', data: { amount: amounts[i]! }, metadata: meta })), { expectedRevision });
    /** Given: a stream holding one append of `n` events, written by this system. */
    const givenAppend = async (n: number) => {
      const stream = uniqueStream();
      const written = await appendEncoded(client, stream, Array.from({ length: n }, (_, i) => ({ type: 'Deposited', data: { amount: i + 1 }, schemaVersion: 1 })), {
        expectedRevision: NO_STREAM, prevHash: GENESIS_HASH, metadata: metadata(), signer: ours,
      });
      return { stream, lastHash: written.lastHash };
    };

    t.test('the writer signs only the last event of an append, which counts the append', async (t) => {
      const { stream, lastHash } = await givenAppend(3);
      const metas = (await readEvents(client, stream)).map((e) => e.metadata as Record<string, unknown>);
      t.same(metas.map((m) => m.keyId), [ours.keyId, ours.keyId, ours.keyId], 'every event names the key (inside its hash)');
      t.same(metas.map((m) => typeof m.signature), ['undefined', 'undefined', 'string'], 'one signature, on the last event');
      t.same(metas.map((m) => m.batchSize), [undefined, undefined, 3], 'the signed event says how many events it covers');
      t.same(await verifyStream(client, stream, keyring), { status: 'ok', ok: true, count: 3, headHash: lastHash, unkeyedCount: 0 });
      const single = await givenAppend(1);
      const [only] = await readEvents(client, single.stream);
      t.ok(typeof (only!.metadata as Record<string, unknown>).signature === 'string' && !('batchSize' in (only!.metadata as object)), 'an append of one event is written as before');
    });

    t.test('the batched writer: one signature per batch', async (t) => {
      const stream = uniqueStream();
      const writer = new BatchedStreamWriter(client, accountDecider, codec, new StreamStateCache(accountDecider, codec), { signer: ours });
      await Promise.all(Array.from({ length: 12 }, (_, i) => writer.submit(stream, { type: 'deposit', amount: i + 1 }, metadata(`clerk-${i}`))));
      const metas = (await readEvents(client, stream)).map((e) => e.metadata as Record<string, unknown>);
      const signed = metas.filter((m) => m.signature !== undefined).length;
      t.ok(signed < metas.length, `${signed} signatures for ${metas.length} events`);
      t.match(await verifyStream(client, stream, keyring), { status: 'ok', count: 12 });
    });

    t.test('history signed per event verifies, and continues with appends signed once', async (t) => {
      const stream = uniqueStream();
      const old = batch(stream, GENESIS_HASH, [1, 2, 3], ours, true);
      await write(stream, old, [1, 2, 3], NO_STREAM);
      t.match(await verifyStream(client, stream, keyring), { status: 'ok', count: 3 }, 'the old form alone');
      const next = batch(stream, old[2]!.hash as string, [4, 5], ours);
      await write(stream, next, [4, 5], 2n);
      t.same(await verifyStream(client, stream, keyring), { status: 'ok', ok: true, count: 5, headHash: next[1]!.hash, unkeyedCount: 0 }, 'old then new form');
      await streams.handle(stream, { type: 'deposit', amount: 6 }, accountDecider, { codec, metadata: metadata() });
      t.match(await verifyStream(client, stream, keyring), { status: 'ok', count: 6 }, 'continued by this system');
    });

    t.test('an event altered inside an append: broken from the append\'s first event', async (t) => {
      const stream = uniqueStream();
      const metas = batch(stream, GENESIS_HASH, [1, 2, 3], ours);
      await write(stream, metas, [1, 20, 3], NO_STREAM);
      t.same(await verifyStream(client, stream, keyring), {
        status: 'broken', ok: false, count: 0, firstBrokenRevision: 0n, unkeyedCount: 0,
        reason: 'hash does not match the event (type, data or metadata altered) (revision 1, in the append from revision 0)',
      });
      // Re-hashed by the forger, each link after it recomputed: then the append's signature does not hold.
      const stream2 = uniqueStream();
      const amounts = [1, 30, 3];
      const forged = batch(stream2, GENESIS_HASH, [1, 2, 3], ours);
      for (const i of [1, 2]) {
        const meta = forged[i]!;
        meta.prevHash = forged[i - 1]!.hash;
        meta.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: amounts[i] })), meta);
      }
      await write(stream2, forged, amounts, NO_STREAM);
      t.match(await verifyStream(client, stream2, keyring), { status: 'broken', count: 0, firstBrokenRevision: 0n, reason: /^bad signature .*\(revision 2, in the append from revision 0\)$/ }, 're-chained by a forger');
    });

    t.test('an event removed from an append, or its signed last event: broken', async (t) => {
      const stream = uniqueStream();
      const metas = batch(stream, GENESIS_HASH, [1, 2, 3], ours);
      await write(stream, [metas[0]!, metas[2]!], [1, 3], NO_STREAM);
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', count: 0, firstBrokenRevision: 0n, reason: /^prevHash does not match/ }, 'the middle event');
      const cut = uniqueStream();
      const kept = batch(cut, GENESIS_HASH, [1, 2, 3], ours);
      await write(cut, kept.slice(0, 2), [1, 2], NO_STREAM);
      t.same(await verifyStream(client, cut, keyring), {
        status: 'broken', ok: false, count: 0, firstBrokenRevision: 0n, unkeyedCount: 0,
        reason: '2 events at the end not covered by a signature (the append\'s signed last event is missing)',
      }, 'the signed last event');
    });

    t.test('an event slipped in before an honest append is not covered by its signature', async (t) => {
      const { stream, lastHash } = await givenAppend(2);
      // Chained and naming our key, but unsigned, as if it were an earlier event of the next append.
      const slipped: Record<string, unknown> = { ...metadata('forger'), prevHash: lastHash, schemaVersion: 1, keyId: ours.keyId };
      slipped.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: 900 })), slipped);
      await forge(stream, slipped, 1n);
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', count: 2, firstBrokenRevision: 2n, reason: /^1 event at the end not covered/ }, 'alone at the end');
      await streams.handle(stream, { type: 'deposit', amount: 5 }, accountDecider, { codec, metadata: metadata() });
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', count: 2, firstBrokenRevision: 2n, reason: /^1 event not covered by a signature/ }, 'after the system appended behind it');
    });

    t.test('a forged append: another key, our keyId with another signature, an altered batchSize', async (t) => {
      {
        const { stream, lastHash } = await givenAppend(1);
        await write(stream, batch(stream, lastHash, [7, 8], ChainSigner.generate()), [7, 8], 0n);
        t.match(await verifyStream(client, stream, keyring), { status: 'broken', count: 1, firstBrokenRevision: 1n, reason: /^unknown key .*in the append from revision 1/ }, 'signed by a key not in the keyring');
      }
      {
        const { stream, lastHash } = await givenAppend(1);
        const theirs = batch(stream, lastHash, [7, 8], ChainSigner.generate());
        const metas = theirs.map(({ hash: _h, signature: _s, ...m }) => ({ ...m, keyId: ours.keyId }) as Record<string, unknown>);
        let prev = lastHash;
        for (const [i, meta] of metas.entries()) {
          meta.prevHash = prev;
          meta.hash = computeEventHash('Deposited', Buffer.from(JSON.stringify({ amount: [7, 8][i] })), meta);
          prev = meta.hash as string;
        }
        metas[1]!.signature = theirs[1]!.signature;
        await write(stream, metas, [7, 8], 0n);
        t.match(await verifyStream(client, stream, keyring), { status: 'broken', count: 1, firstBrokenRevision: 1n, reason: /^bad signature/ }, 'our keyId, another key\'s signature');
      }
      {
        const stream = uniqueStream();
        const metas = batch(stream, GENESIS_HASH, [1, 2], ours);
        await write(stream, [metas[0]!, { ...metas[1]!, batchSize: 3 }], [1, 2], NO_STREAM);
        t.match(await verifyStream(client, stream, keyring), { status: 'broken', firstBrokenRevision: 0n, reason: /^hash does not match/ }, 'batchSize raised: it is inside the hash');
      }
    });

    t.test('an append signed by a retired key: unknown key once the key leaves the keyring', async (t) => {
      const retired = ChainSigner.generate();
      const stream = uniqueStream();
      await appendEncoded(client, stream, [1, 2, 3].map((amount) => ({ type: 'Deposited', data: { amount }, schemaVersion: 1 })), {
        expectedRevision: NO_STREAM, prevHash: GENESIS_HASH, metadata: metadata(), signer: retired,
      });
      await streams.handle(stream, { type: 'deposit', amount: 4 }, accountDecider, { codec, metadata: metadata() });
      t.match(await verifyStream(client, stream, ChainKeyring.of(retired, ours)), { status: 'ok', count: 4 }, 'while in the keyring');
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', count: 0, firstBrokenRevision: 0n, reason: /^unknown key .*in the append from revision 0/ }, 'dropped from it');
    });
  });

  t.test('ChainSigner and ChainKeyring refuse what is not Ed25519', async (t) => {
    t.throws(() => ChainSigner.fromPem('not a key'), TypeError);
    t.same(ChainSigner.fromPem(ours.toPem()).keyId, ours.keyId, 'a PEM round trip keeps the key');
    const { keys } = ChainKeyring.of(ours).toJson();
    t.throws(() => ChainKeyring.fromJson({ keys: { '0000000000000000': keys[ours.keyId] } }), /its keyId is/);
    t.throws(() => ChainKeyring.fromJson([]), TypeError);
    t.throws(() => ChainKeyring.fromJson({ keys: { [ours.keyId]: ours.toPem() } }), TypeError, 'a private key is not a public key');
  });
}
