/**
 * The signed hash chain: events appended around this package with the plain client (by someone
 * who can write to the store and compute SHA-256, but holds no signing key) do not verify as
 * written by this system. Through the real client against the embedded event store.
 */
import { createHash, verify } from 'node:crypto';
import t, { type Test } from 'tap';
import { NO_STREAM, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { startTestEnvironment } from '@cfund/test-support';
import { ChainKeyring, ChainSigner, EventStreams, GENESIS_HASH, computeEventHash, verifyStream } from '../src/index.ts';
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
      t.match(await verifyStream(client, stream, keyring), { status: 'broken', reason: 'metadata has no keyId/signature' }, 'the signature stripped');
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

  t.test('ChainSigner and ChainKeyring refuse what is not Ed25519', async (t) => {
    t.throws(() => ChainSigner.fromPem('not a key'), TypeError);
    t.same(ChainSigner.fromPem(ours.toPem()).keyId, ours.keyId, 'a PEM round trip keeps the key');
    const { keys } = ChainKeyring.of(ours).toJson();
    t.throws(() => ChainKeyring.fromJson({ keys: { '0000000000000000': keys[ours.keyId] } }), /its keyId is/);
    t.throws(() => ChainKeyring.fromJson([]), TypeError);
    t.throws(() => ChainKeyring.fromJson({ keys: { [ours.keyId]: ours.toPem() } }), TypeError, 'a private key is not a public key');
  });
}
