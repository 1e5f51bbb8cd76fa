/** Documents of a claim in the claim decider, as given / when / then; and who may handle them. */
import t, { type Test } from 'tap';
import type { Actor, ClaimEvent } from '@cfund/contracts';
import {
  canHandleDocuments, decide, evolve, initialState, isDomainError, type AttachDocumentData, type ClaimCommand, type ClaimState, type Principal,
} from '@cfund/domain';

const stateOf = (events: ClaimEvent[]): ClaimState => events.reduce(evolve, initialState());

function given(events: ClaimEvent[]) {
  return {
    when: (command: ClaimCommand) => ({
      then(t: Test, expected: ClaimEvent[]) {
        t.same(decide(command, stateOf(events)), expected, 'the expected events');
      },
      thenThrows(t: Test, code: string, details?: Record<string, unknown>) {
        let thrown: unknown;
        try {
          decide(command, stateOf(events));
        } catch (error) {
          thrown = error;
        }
        t.ok(isDomainError(thrown, code), `refused with ${code}`, { found: String(thrown) });
        if (details) t.match((thrown as { details?: unknown }).details, details, 'naming what refuses it');
      },
    }),
  };
}

const claimId = '3f1c2a9e-8b7d-4c6e-9a5b-1d2e3f4a5b6c';
const data = <T extends Record<string, unknown>>(d: T) => ({ schemaVersion: 1 as const, claimId, ...d });
const lawyer: Actor = { sub: 'lawyer-1', roles: ['lawyer'] };
const envelope = { alg: 'AES-256-GCM' as const, keyId: 'k', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' };
const filed: ClaimEvent = {
  type: 'ClaimFiled',
  data: data({
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-10T09:00:00.000Z',
    publicReference: 'RS-2026-0001', applicantRole: 'direct', victimRef: 'victim-7', personalData: envelope, formOfExploitation: 'labour',
    incidentOn: '2024-05-01', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 100, currency: 'RSD' } }],
  }),
};
const at = '2026-01-11T10:00:00.000Z';
const doc = (n: number, sha = String(n).repeat(64).slice(0, 64)): AttachDocumentData => ({
  documentId: `00000000-0000-4000-8000-00000000000${n}`, kind: 'ruling', size: 1000 + n, contentType: 'application/pdf',
  sha256: sha, storageKey: `doc-${n}.cfd`, fileName: envelope,
});
const attach = (d: AttachDocumentData, actor: Actor = lawyer): ClaimCommand => ({ type: 'AttachDocument', actor, at, data: d });
const attached = (d: AttachDocumentData, by = 'lawyer-1'): ClaimEvent => ({ type: 'DocumentAttached', data: data({ ...d, attachedBy: by, attachedAt: at }) });

t.test('attaching a document', async (t) => {
  t.test('records the document, with who attached it and when', async (t) => {
    given([filed]).when(attach(doc(1))).then(t, [attached(doc(1))]);
  });
  t.test('linked to a request for information by its number, only while the request is open', async (t) => {
    const requested: ClaimEvent = { type: 'InformationRequested', data: data({ request: 1, question: envelope, dueOn: '2026-01-20', requestedBy: 'assessor-1', requestedAt: at }) };
    const answered: ClaimEvent = { type: 'InformationRequestAnswered', data: data({ request: 1, documentIds: [doc(1).documentId], answeredBy: 'lawyer-1', answeredAt: at, late: false }) };
    const withdrawn: ClaimEvent = { type: 'InformationRequestWithdrawn', data: data({ request: 1, withdrawnBy: 'assessor-1', withdrawnAt: at }) };
    const forRequest = (n: number) => ({ ...doc(2), request: n });
    given([filed, requested]).when(attach(forRequest(1))).then(t, [attached(forRequest(1))]);
    given([filed]).when(attach(forRequest(1))).thenThrows(t, 'no-such-request', { request: 1 });
    given([filed, requested]).when(attach(forRequest(2))).thenThrows(t, 'no-such-request', { request: 2 });
    given([filed, requested, attached(doc(1)), answered]).when(attach(forRequest(1))).thenThrows(t, 'request-closed', { request: 1, status: 'answered' });
    given([filed, requested, withdrawn]).when(attach(forRequest(1))).thenThrows(t, 'request-closed', { request: 1, status: 'withdrawn' });
  });
  t.test('one document per content within a claim: the same SHA-256 is refused, naming the document kept', async (t) => {
    given([filed, attached(doc(1))]).when(attach({ ...doc(2), sha256: doc(1).sha256 })).thenThrows(t, 'document-already-attached', { documentId: doc(1).documentId });
    given([filed, attached(doc(1))]).when(attach(doc(2))).then(t, [attached(doc(2))]);
  });
  t.test('a document id is used once', async (t) => {
    given([filed, attached(doc(1))]).when(attach({ ...doc(1), sha256: 'f'.repeat(64) })).thenThrows(t, 'document-id-taken');
  });
  t.test('only on a claim that is filed and active', async (t) => {
    given([]).when(attach(doc(1))).thenThrows(t, 'not-allowed-in-state');
    const withdrawn: ClaimEvent = { type: 'ClaimWithdrawn', data: data({ reason: 'asked', withdrawnAt: at }) };
    given([filed, withdrawn]).when(attach(doc(1))).thenThrows(t, 'not-allowed-in-state');
  });
  t.test('not once the victim\'s data was erased (nothing can be encrypted for them)', async (t) => {
    const erased: ClaimEvent = { type: 'PersonalDataErased', data: data({ victimRef: 'victim-7', erasedBy: 'dpo-1', erasedAt: at }) };
    given([filed, erased]).when(attach(doc(1))).thenThrows(t, 'personal-data-erased');
  });
});

t.test('who may attach and download documents: whoever may read the victim\'s personal data', async (t) => {
  const claim = { jurisdiction: 'RS' as const, leadLawyer: 'lawyer-1', assignedLawyers: ['lawyer-2'] };
  const p = (sub: string, roles: Principal['roles'], jurisdictions: Principal['jurisdictions'] = ['RS']): Principal => ({ sub, roles, jurisdictions });
  t.ok(canHandleDocuments(p('lawyer-1', ['lawyer']), claim).allowed, 'the lead lawyer');
  t.ok(canHandleDocuments(p('lawyer-2', ['lawyer']), claim).allowed, 'co-counsel');
  for (const role of ['fund-assessor', 'fund-approver', 'fund-finance'] as const) {
    t.ok(canHandleDocuments(p('staff', [role]), claim).allowed, `${role} of the jurisdiction`);
    t.notOk(canHandleDocuments(p('staff', [role], ['BA']), claim).allowed, `not ${role} of another jurisdiction`);
  }
  for (const [who, principal] of [
    ['another lawyer', p('lawyer-3', ['lawyer'])], ['an auditor', p('auditor', ['auditor'])],
    ['a fund admin', p('admin', ['fund-admin'])], ['the dpo', p('dpo', ['dpo'])],
  ] as const) {
    const r = canHandleDocuments(principal, claim);
    t.ok(!r.allowed && r.error.code === 'personal-data-forbidden', `not ${who}`);
  }
});
