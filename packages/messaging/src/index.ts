export {
  DEAD_LETTERS_STREAM,
  DEAD_LETTER_SUBJECT_ROOT,
  EVENTS_STREAM,
  EVENTS_SUBJECT_ROOT,
  messagingSettings,
  type StreamSettings,
} from './settings.js';
export { deadLetterSubject, subjectForEvent } from './subjects.js';
export { EventEnvelopeSchema, decodeEnvelope, encodeEnvelope, type EventEnvelope } from './envelope.js';
export { DeadLetterHeaders, EventHeaders, eventHeaders } from './headers.js';
export { ensureDeadLettersStream, ensureEventsStream } from './streams.js';
export { consumeEvents, type ConsumeEventsOptions, type DeadLetter, type EventConsumer } from './consumer/consume-events.js';
