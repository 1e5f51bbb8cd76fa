import { DEAD_LETTER_SUBJECT_ROOT, EVENTS_SUBJECT_ROOT } from './settings.js';

/** Characters a subject token may not hold (the separator, wildcards, whitespace) become `_`. */
function subjectToken(value: string): string {
  const token = value.replace(/[.*>\s]/g, '_');
  return token.length > 0 ? token : '_';
}

/**
 * `cfund.events.<category>.<type>.<id>`: category is the stream id before its first `-`, id the
 * rest (`claim-<uuid>` → `cfund.events.claim.ClaimFiled.<uuid>`). A stream id without `-` has
 * the id `_`.
 */
export function subjectForEvent(streamId: string, type: string): string {
  const dash = streamId.indexOf('-');
  const category = dash < 0 ? streamId : streamId.slice(0, dash);
  const id = dash < 0 ? '' : streamId.slice(dash + 1);
  return `${EVENTS_SUBJECT_ROOT}.${subjectToken(category)}.${subjectToken(type)}.${subjectToken(id)}`;
}

/** Where a consumer's dead letters go: `cfund.dead-letter.<consumer>`. */
export function deadLetterSubject(consumer: string): string {
  return `${DEAD_LETTER_SUBJECT_ROOT}.${subjectToken(consumer)}`;
}
