import t from 'tap';
import type { Actor, ClaimEvent, Money } from '@cfund/contracts';
import { decide, evolve, initialState, type ClaimCommand, type ClaimState } from '@cfund/domain';
import { errorCode as codeOf } from './helpers.ts';

// A letter served with a decision (claim/letters.ts), given / when / then: recorded as a document
// of the claim and named, with its SHA-256, in the event it was written for, in one append.

const claimId = '3f1c2a9e-8b7d-4c6e-9a5b-1d2e3f4a5b6c';
const RSD = (minor: number): Money => ({ amountMinor: minor, currency: 'RSD' });
const data = <T extends Record<string, unknown>>(d: T) => ({ schemaVersion: 1 as const, claimId, ...d });
const sealed = { alg: 'AES-256-GCM' as const, keyId: 'k-1', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' };
const approver: Actor = { sub: 'approver-1', roles: ['fund-approver'] };
const at = '2026-04-01T09:00:00.000Z';
const approved: ClaimEvent[] = [
  { type: 'ClaimFiled', data: data({
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-10T09:00:00.000Z', publicReference: 'RS-2026-0001',
    applicantRole: 'direct', victimRef: 'vic-1', personalData: sealed, formOfExploitation: 'labour', incidentOn: '2024-05-01', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(300) }],
  }) },
  { type: 'AwardApprovalGiven', data: data({ approver: 'approver-1', netAward: RSD(300), approvalNumber: 1 }) },
  { type: 'AwardApproved', data: data({ netAward: RSD(300), approvers: ['approver-1'], fundYear: 2026 }) },
];
const stateOf = (events: ClaimEvent[]): ClaimState => events.reduce(evolve, initialState());
const letter = { document: { documentId: 'a1b2c3d4-0000-4000-8000-000000000001', size: 2048, contentType: 'application/pdf' as const, sha256: 'f'.repeat(64), storageKey: 'k.cfd', fileName: sealed }, locale: 'sr-Latn' };
const notify = (withLetter = true): ClaimCommand => ({ type: 'NotifyDecision', actor: approver, at, data: { servedAt: '2026-04-01T08:00:00.000Z', ...(withLetter ? { letter } : {}) } } as ClaimCommand);

t.test('given an approved award, when the decision is notified with its letter, then the letter is a document and the notice names its hash', async (t) => {
  const events = decide(notify(), stateOf(approved));
  t.same(events.map((e) => e.type), ['DocumentAttached', 'DecisionNotified']);
  t.match(events[0]!.data, { documentId: letter.document.documentId, kind: 'letter', sha256: letter.document.sha256, attachedBy: 'approver-1' });
  t.same((events[1]!.data as { letter?: unknown }).letter, { documentId: letter.document.documentId, sha256: letter.document.sha256, locale: 'sr-Latn' });
  t.same(decide(notify(false), stateOf(approved)).map((e) => e.type), ['DecisionNotified'], 'without a letter, as before');
});

t.test('refusals', async (t) => {
  const erased = stateOf([...approved, { type: 'PersonalDataErased', data: data({ victimRef: 'vic-1', erasedBy: 'dpo-1', erasedAt: at }) }]);
  t.equal(codeOf(() => decide(notify(), erased)), 'personal-data-erased', 'no letter for an erased victim');
  const taken = stateOf([...approved, { type: 'DocumentAttached', data: data({ ...letter.document, kind: 'other', attachedBy: 'lawyer-1', attachedAt: at }) }]);
  t.equal(codeOf(() => decide(notify(), taken)), 'document-id-taken');
});

// The copy in the victim's preferred language: a second document in the same append, named on
// the event without its locale (the victim's language is personal data).
const copy = { ...letter.document, documentId: 'a1b2c3d4-0000-4000-8000-000000000002', sha256: 'e'.repeat(64), storageKey: 'c.cfd' };

t.test('given an approved award, when the decision is notified with a letter and its copy, then both are documents and the notice names the copy without its language', async (t) => {
  const command = { ...notify(), data: { servedAt: '2026-04-01T08:00:00.000Z', letter: { ...letter, copies: [copy] } } } as ClaimCommand;
  const events = decide(command, stateOf(approved));
  t.same(events.map((e) => e.type), ['DocumentAttached', 'DocumentAttached', 'DecisionNotified']);
  t.match(events[1]!.data, { documentId: copy.documentId, kind: 'letter', sha256: copy.sha256, attachedBy: 'approver-1' });
  const notice = events[2]!.data as { letter?: unknown; letterCopies?: unknown };
  t.same(notice.letter, { documentId: letter.document.documentId, sha256: letter.document.sha256, locale: 'sr-Latn' }, 'the letter as before');
  t.same(notice.letterCopies, [{ documentId: copy.documentId, sha256: copy.sha256 }], 'the copy: id and hash, no locale');
  t.notOk('letterCopies' in (decide(notify(), stateOf(approved))[1]!.data), 'no copy: no field (events of before read the same)');
});

t.test('a copy under a document id the claim has, or the letter\'s own, is refused', async (t) => {
  const withCopy = (c: typeof copy) => ({ ...notify(), data: { servedAt: '2026-04-01T08:00:00.000Z', letter: { ...letter, copies: [c] } } } as ClaimCommand);
  const taken = stateOf([...approved, { type: 'DocumentAttached', data: data({ ...copy, kind: 'other', attachedBy: 'lawyer-1', attachedAt: at }) }]);
  t.equal(codeOf(() => decide(withCopy(copy), taken)), 'document-id-taken', 'an attached id');
  t.equal(codeOf(() => decide(withCopy({ ...copy, documentId: letter.document.documentId }), stateOf(approved))), 'document-id-taken', 'the letter\'s id');
});

// The victim's preferred language (SetPreferredLanguage): recorded only encrypted, by the service.
const lawyer: Actor = { sub: 'lawyer-1', roles: ['lawyer'] };
const setLanguage = (preference = { ...sealed, keyId: 'k-2' }): ClaimCommand => ({ type: 'SetPreferredLanguage', actor: lawyer, at, data: { preference } });

t.test('given a filed claim, the preferred language in force is the filed personal data until it is set, then the latest envelope', async (t) => {
  t.same(stateOf(approved).preferredLanguage, sealed, 'given filed: the filed personal data holds it');
  const events = decide(setLanguage(), stateOf(approved));
  t.same(events, [{ type: 'PreferredLanguageSet', data: data({ preference: { ...sealed, keyId: 'k-2' }, setBy: 'lawyer-1', setAt: at }) }], 'when set: the envelope only');
  t.same(stateOf([...approved, ...events]).preferredLanguage, { ...sealed, keyId: 'k-2' }, 'then the latest is in force');
});

t.test('the preferred language cannot be set for no claim or an erased victim', async (t) => {
  t.equal(codeOf(() => decide(setLanguage(), initialState())), 'not-filed');
  const erased = stateOf([...approved, { type: 'PersonalDataErased', data: data({ victimRef: 'vic-1', erasedBy: 'dpo-1', erasedAt: at }) }]);
  t.equal(codeOf(() => decide(setLanguage(), erased)), 'personal-data-erased');
});
