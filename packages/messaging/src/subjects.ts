import { streamCategory, streamIdOf, type StreamCategory } from '@cfund/contracts';
import { DEAD_LETTER_SUBJECT_ROOT, EVENTS_SUBJECT_ROOT } from './settings.js';

/** Characters a subject token may not hold (the separator, wildcards, whitespace) become `_`. */
function subjectToken(value: string): string {
  const token = value.replace(/[.*>\s]/g, '_');
  return token.length > 0 ? token : '_';
}

/**
 * `cfund.events.<category>.<type>.<id>`, with the stream's category and id as contracts names
 * them (`claim-<uuid>` → `cfund.events.claim.ClaimFiled.<uuid>`). A stream id without `-` has
 * the id `_`.
 */
export function subjectForEvent(streamId: string, type: string): string {
  return `${EVENTS_SUBJECT_ROOT}.${subjectToken(streamCategory(streamId))}.${subjectToken(type)}.${subjectToken(streamIdOf(streamId))}`;
}

/** Every event of one category of streams (`cfund.events.claim.>`): a consumer's filter. */
export function subjectsOfCategory(category: StreamCategory): string {
  return `${EVENTS_SUBJECT_ROOT}.${subjectToken(category)}.>`;
}

/** Where a consumer's dead letters go: `cfund.dead-letter.<consumer>`. */
export function deadLetterSubject(consumer: string): string {
  return `${DEAD_LETTER_SUBJECT_ROOT}.${subjectToken(consumer)}`;
}
