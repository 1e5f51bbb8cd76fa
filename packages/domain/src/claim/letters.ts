/**
 * A letter served with a decision or a request. The service renders, encrypts and stores it
 * before the command (an event never names missing bytes); the decider records it as a document
 * of the claim (DocumentAttached, kind `letter`) and names it, with its SHA-256, in the event it
 * was written for, in the same append: one command, one letter.
 */
import type { ClaimEvent, LetterRecord } from '@cfund/contracts';
import { refuse } from '../errors.js';
import type { LetterData } from './commands.js';
import { ev } from './event.js';
import type { ClaimState } from './state.js';

/** `events` with the letter recorded: its document before them, its record in the event of type `of`. */
export function withLetter(
  events: ClaimEvent[], letter: LetterData | undefined, of: 'DecisionNotified' | 'AppealDecided' | 'InformationRequested',
  s: ClaimState, c: { actor: { sub: string }; at: string },
): ClaimEvent[] {
  if (!letter) return events;
  const at = events.findIndex((e) => e.type === of);
  if (at < 0) refuse('letter-not-expected', `This command records no ${of}: there is no letter to serve with it.`);
  if (s.personalDataErased) refuse('personal-data-erased', 'The victim\'s data was erased: no letter can be encrypted for them any more.');
  const { documentId, sha256 } = letter.document;
  if (s.documents.some((d) => d.documentId === documentId)) refuse('document-id-taken', `Document ${documentId} is already attached.`);
  const record: LetterRecord = { documentId, sha256, locale: letter.locale };
  const target = events[at]!;
  const recorded = { ...target, data: { ...target.data, letter: record } } as ClaimEvent;
  const document = ev('DocumentAttached', { ...letter.document, kind: 'letter', attachedBy: c.actor.sub, attachedAt: c.at }, s);
  return [...events.slice(0, at), document, recorded, ...events.slice(at + 1)];
}
