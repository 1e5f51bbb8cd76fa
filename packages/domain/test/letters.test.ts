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
