/**
 * A letter served with a decision or a request. The service renders, encrypts and stores it
 * before the command (an event never names missing bytes); the decider records it as a document
 * of the claim (DocumentAttached, kind `letter`) and names it, with its SHA-256, in the event it
 * was written for, in the same append: one command, one letter (and its copy in the victim's
 * language, when they read another: a second document, named on the event without its locale).
 */
import type { ClaimEvent, LetterCopy, LetterRecord } from '@cfund/contracts';
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
  const served = [letter.document, ...(letter.copies ?? [])];
  for (const { documentId } of served) {
    if (s.documents.some((d) => d.documentId === documentId)) refuse('document-id-taken', `Document ${documentId} is already attached.`);
  }
  if (new Set(served.map((d) => d.documentId)).size < served.length) refuse('document-id-taken', 'A letter and its copy are different documents.');
  const { documentId, sha256 } = letter.document;
  const record: LetterRecord = { documentId, sha256, locale: letter.locale };
  const copies: LetterCopy[] = (letter.copies ?? []).map((d) => ({ documentId: d.documentId, sha256: d.sha256 }));
  const target = events[at]!;
  const recorded = { ...target, data: { ...target.data, letter: record, ...(copies.length > 0 ? { letterCopies: copies } : {}) } } as ClaimEvent;
  const documents = served.map((d) => ev('DocumentAttached', { ...d, kind: 'letter', attachedBy: c.actor.sub, attachedAt: c.at }, s));
  return [...events.slice(0, at), ...documents, recorded, ...events.slice(at + 1)];
}
