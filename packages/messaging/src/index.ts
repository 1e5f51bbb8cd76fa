export {
  DEAD_LETTERS_STREAM,
  DEAD_LETTER_SUBJECT_ROOT,
  EVENTS_STREAM,
  EVENTS_SUBJECT_ROOT,
  messagingSettings,
  type RelaySettings,
  type StreamSettings,
} from './settings.js';
export { deadLetterSubject, subjectForEvent, subjectsOfCategory } from './subjects.js';
export { EventEnvelopeSchema, decodeEnvelope, encodeEnvelope, type EventEnvelope, type StoredEvent } from './envelope.js';
export { DeadLetterHeaders, EventHeaders, eventHeaders } from './headers.js';
export { UnverifiedEventError, eventSigningKey, eventSigningKeys, hasValidSignature, signEventBody, type EventSigningKeys } from './signature.js';
export { alignReplicas, ensureDeadLettersStream, ensureEventsStream, type StreamPlacement } from './streams.js';
export { consumeEvents, type ConsumeEventsOptions, type DeadLetter, type EventConsumer } from './consumer/consume-events.js';
export { startRelay, type Relay, type RelayOptions, type RelayRole, type RelayStatus } from './relay/relay.js';
export { Lease, keepLease, type LeaseHolder, type LeaseKeeper, type LeaseOptions } from './lease.js';
export { CHECKPOINT_SEARCH_LIMIT, CheckpointMismatchError, readCheckpoint, verifyCheckpoint, type RelayCheckpoint } from './relay/checkpoint.js';
export { RelayFencedError, runPublishSession, type PublishSessionOptions } from './relay/publish-session.js';
export { envelopeFromEvent, isSystemEvent, storedEventOf } from './relay/event-envelope.js';
export { followEvents, type EventFollower, type FollowEventsOptions } from './consumer/follow-events.js';
export { OrderedApplier, type OrderedApplierOptions, type OrderedOutcome } from './consumer/ordered-applier.js';
export { startRelayHost, type RelayHost, type RelayHostOptions } from './relay/relay-host.js';
