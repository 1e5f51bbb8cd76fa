export {
  ConcurrencyConflictError,
  EventStreams,
  RevisionMismatchError,
  appendEncoded,
  deterministicUuid,
  handleCommand,
  hashIdempotencyKey,
  loadStream,
  type AppendOptions,
  type AppendResult,
  type CommandMetadata,
  type Decider,
  type EncodedEvent,
  type EventCodec,
  type EventMetadata,
  type Evolver,
  type HandleOptions,
  type HandleResult,
  type LoadedStream,
  type StoredEvent,
  type StreamRevision,
  type StreamSnapshot,
} from './event-stream.js';
export { ChainKeyring, ChainSigner, chainKeyId, signedMessage } from './chain-signature.js';
export { ChainVerifier, GENESIS_HASH, canonicalJson, computeEventHash, storedDataBytes, verifyStream, type ChainedEvent, type VerifyResult } from './hash-chain.js';
export {
  IdempotencyInProgressError,
  IdempotencyMismatchError,
  IdempotencyStore,
  requestFingerprint,
  type IdempotencyStoreOptions,
  type IdempotentResult,
  type JsonValue,
} from './idempotency.js';
export {
  DecryptionError,
  Erased,
  FileKeyStore,
  InvalidMasterKeyError,
  MasterKeyMismatchError,
  MasterKeyRing,
  PersonalDataProtector,
  ReadOnlyKeyStoreError,
  VictimErasedError,
  createFileExclusive,
  fsyncDir,
  isErased,
  loadOrCreateMasterKey,
  masterKeyFromEnv,
  masterKeyId,
  storedMasterKeys,
  parseMasterKey,
  victimKeyId,
  writeFileAtomic,
  type EncryptedPersonalData,
  type KeyStore,
  type KeyStoreMeta,
  type PersonalDataProtectorOptions,
  type RewrappableKeyStore,
  type WrappedDataKey,
} from './personal-data.js';
export { DEFAULT_KEY_BUCKET, NatsKeyStore, type NatsKeyStoreOptions } from './nats-key-store.js';
export { KeyCopyRefusedError, copyKeyStore, type KeyCopyOptions, type KeyCopyReport, type KeyCopyTarget } from './key-copy.js';
export { rewrapKeyStore, type RewrapOptions, type RewrapProgress, type RewrapReport } from './key-rotation.js';
export { openKeyStore, type KeyStoreConfig } from './open-key-store.js';
export { StreamStateCache, type StreamStateCacheOptions } from './state-cache.js';
export { BatchedStreamWriter, type BatchedCommandResult, type BatchedStreamWriterOptions } from './batched-writer.js';
export { leavableRead } from './leavable-read.js';
export { decodeReadResponse, readAllResponses, type ReadResponse, type WireEvent } from './read-all-wire.js';
export { STORE_RETRY_AFTER_S, isEventStoreUnavailable } from './store-unavailable.js';
export { eventStoreErrorProblem } from './problems.js';
export { countRoundTrips, type RoundTripKind } from './round-trips.js';
