import t from 'tap';
import { RSD, claimBody, startService, tokens, type Harness } from './helpers.ts';

/** Files a claim as `lawyer-1` and takes it to the fund (ready to be assessed). */
async function appliedClaim(h: Harness, lawyer: string): Promise<string> {
  const filed = await h.post('/claims', lawyer, claimBody());
  if (filed.statusCode !== 201) throw new Error(`file: ${filed.statusCode} ${filed.body}`);
  const id = filed.json<{ claimId: string }>().claimId;
  const steps: [string, unknown][] = [
    ['court-rulings', { court: 'Higher Court in Belgrade', caseNumber: 'K-1/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] }],
    ['ruling-finality', { finalOn: '2025-06-30' }],
    ['enforcement-failures', { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: '2025-09-01' }],
    ['fund-application', { otherCompensationDeclared: [] }],
  ];
  for (const [path, body] of steps) {
    const r = await h.post(`/claims/${id}/${path}`, lawyer, body);
    if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${r.body}`);
  }
  return id;
}

const proceedings = { court: 'Basic Court in Novi Sad', caseNumber: 'K-7/2026' };
const assessment = { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(90_000_000) }], deductions: [] };

t.test('assignment through HTTP against the embedded store', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const lawyer3 = await h.token('lawyer-3', ['lawyer']);
  const assessor2 = await h.token('assessor-2', ['fund-assessor']);

  t.test('co-counsel act on the claim while assigned; others get the answer for no claim (404)', async (t) => {
    const id = await appliedClaim(h, tk.lawyer);
    const before = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer2, proceedings);
    t.equal(before.statusCode, 404, 'an unassigned lawyer cannot learn the claim exists');
    t.equal(before.json<{ code: string }>().code, 'claim-not-found');

    const added = await h.post(`/claims/${id}/co-counsel`, tk.lawyer, { lawyer: 'lawyer-2' });
    t.equal(added.statusCode, 200, added.body);
    t.same(added.json<{ events: string[] }>().events, ['CoCounselAdded']);
    const acting = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer2, proceedings);
    t.equal(acting.statusCode, 200, 'the co-counsel acts for the victim');

    const byCoCounsel = await h.post(`/claims/${id}/co-counsel`, tk.lawyer2, { lawyer: 'lawyer-3' });
    t.equal(byCoCounsel.statusCode, 403, 'only the lead changes who acts');
    t.equal(byCoCounsel.json<{ code: string }>().code, 'not-lead-lawyer');
    t.equal((await h.post(`/claims/${id}/co-counsel`, tk.lawyer, { lawyer: 'lawyer-2' })).json<{ code: string }>().code, 'already-co-counsel');

    const removed = await h.post(`/claims/${id}/co-counsel-removal`, tk.lawyer, { lawyer: 'lawyer-2' });
    t.equal(removed.statusCode, 200, removed.body);
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer2, proceedings)).statusCode, 404, 'a removed co-counsel no longer sees it');
    t.equal((await h.post(`/claims/${id}/co-counsel-removal`, tk.lawyer, { lawyer: 'lawyer-2' })).statusCode, 409, 'nor can be removed twice');
  });

  t.test('a hand-over moves the claim: the new lead acts, the former lead no longer sees it', async (t) => {
    const id = await appliedClaim(h, tk.lawyer);
    const noReason = await h.post(`/claims/${id}/hand-over`, tk.lawyer, { to: 'lawyer-3' });
    t.equal(noReason.statusCode, 400, 'a hand-over gives a reason');
    t.match(noReason.headers['content-type'], /application\/problem\+json/);
    const revision = (await h.post(`/claims/${id}/co-counsel`, tk.lawyer, { lawyer: 'lawyer-2' })).json<{ revision: number }>().revision;
    const stale = await h.post(`/claims/${id}/hand-over`, tk.lawyer, { to: 'lawyer-3', reason: 'Leaving the firm.' }, { 'if-match': `"${revision - 1}"` });
    t.equal(stale.statusCode, 412, 'If-Match at an older revision');
    const handed = await h.post(`/claims/${id}/hand-over`, tk.lawyer, { to: 'lawyer-3', reason: 'Leaving the firm.' }, { 'if-match': `"${revision}"` });
    t.equal(handed.statusCode, 200, handed.body);
    t.equal(handed.headers.etag, `"${revision + 1}"`, 'nothing was written by the refused requests');
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, proceedings)).statusCode, 404, 'the former lead no longer sees it');
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, lawyer3, proceedings)).statusCode, 200, 'the new lead acts');
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer2, proceedings)).statusCode, 200, 'co-counsel stay');
    t.equal((await h.post(`/claims/${id}/co-counsel-removal`, lawyer3, { lawyer: 'lawyer-2' })).statusCode, 200, 'the new lead changes who acts');
  });

  t.test('an assigned lawyer acts only with the claim\'s jurisdiction in their token; otherwise the answer for no claim (404)', async (t) => {
    // given an RS claim with lawyer-4 as co-counsel, and lawyer-4 holding a token of BA only
    const id = await appliedClaim(h, tk.lawyer);
    const added = await h.post(`/claims/${id}/co-counsel`, tk.lawyer, { lawyer: 'lawyer-4' });
    t.equal(added.statusCode, 200, added.body);
    const revision = added.json<{ revision: number }>().revision;
    const lawyer4BA = await h.token('lawyer-4', ['lawyer'], ['BA']);
    // when they act for the victim: refused like any lawyer without access, nothing written
    const refused = await h.post(`/claims/${id}/criminal-proceedings`, lawyer4BA, proceedings);
    t.equal(refused.statusCode, 404, 'a co-counsel of another jurisdiction cannot act');
    t.match(refused.headers['content-type'], /application\/problem\+json/);
    t.equal(refused.json<{ code: string }>().code, 'claim-not-found', 'the same answer as an unassigned lawyer');
    // then with a token of RS the same lawyer acts, at the next revision (the refusal wrote nothing)
    const lawyer4RS = await h.token('lawyer-4', ['lawyer'], ['RS']);
    const acting = await h.post(`/claims/${id}/criminal-proceedings`, lawyer4RS, proceedings);
    t.equal(acting.statusCode, 200, 'a co-counsel of the claim\'s jurisdiction acts');
    t.equal(acting.headers.etag, `"${revision + 1}"`, 'nothing was written by the refused request');

    // a claim handed to a lawyer whose token names another jurisdiction: they do not act on it either
    const handed = await h.post(`/claims/${id}/hand-over`, tk.lawyer, { to: 'lawyer-5', reason: 'Leaving the firm.' });
    t.equal(handed.statusCode, 200, handed.body);
    const lawyer5BA = await h.token('lawyer-5', ['lawyer'], ['BA']);
    const byNewLeadBA = await h.post(`/claims/${id}/criminal-proceedings`, lawyer5BA, proceedings);
    t.equal(byNewLeadBA.statusCode, 404, 'the lawyer handed the claim, of another jurisdiction, cannot act');
    t.equal(byNewLeadBA.json<{ code: string }>().code, 'claim-not-found');
    const lawyer5RS = await h.token('lawyer-5', ['lawyer'], ['RS']);
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, lawyer5RS, proceedings)).statusCode, 200, 'of the claim\'s jurisdiction, they act');
  });

  t.test('a fund admin hands over a claim whose lead left, with a reason, and manages its co-counsel', async (t) => {
    const id = await appliedClaim(h, tk.lawyer);
    const adminBA = await h.token('admin-ba', ['fund-admin'], ['BA']);
    t.equal((await h.post(`/claims/${id}/hand-over`, tk.admin, { to: 'lawyer-3' })).statusCode, 400, 'a reason is required');
    t.equal((await h.post(`/claims/${id}/hand-over`, adminBA, { to: 'lawyer-3', reason: 'The lead left.' })).statusCode, 404, 'an admin of another jurisdiction does not see it');
    t.equal((await h.post(`/claims/${id}/hand-over`, tk.approver1, { to: 'lawyer-3', reason: 'The lead left.' })).statusCode, 403, 'other fund staff may not');
    const self = await h.post(`/claims/${id}/hand-over`, tk.admin, { to: 'admin-1', reason: 'The lead left.' });
    t.equal(self.statusCode, 409, 'the admin cannot lead it');
    t.equal(self.json<{ code: string }>().code, 'not-a-lawyer');
    const handed = await h.post(`/claims/${id}/hand-over`, tk.admin, { to: 'lawyer-3', reason: 'The lead left the firm without handing over.' });
    t.equal(handed.statusCode, 200, handed.body);
    t.same(handed.json<{ events: string[] }>().events, ['ClaimHandedOver']);
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, proceedings)).statusCode, 404, 'the former lead no longer sees it');
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, lawyer3, proceedings)).statusCode, 200, 'the new lead acts');
    t.equal((await h.post(`/claims/${id}/co-counsel`, tk.admin, { lawyer: 'lawyer-2' })).statusCode, 200, 'the admin adds a co-counsel');
    t.equal((await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer2, proceedings)).statusCode, 200, 'who then acts');
    t.equal((await h.post(`/claims/${id}/co-counsel-removal`, tk.admin, { lawyer: 'lawyer-2' })).statusCode, 200, 'and removes them');
  });

  t.test('the assessor: taken or assigned, then only they assess', async (t) => {
    const id = await appliedClaim(h, tk.lawyer);
    const take = (token: string) => h.post(`/claims/${id}/take`, token, {}, { 'idempotency-key': `take-${id}` });
    const taken = await take(tk.assessor);
    t.equal(taken.statusCode, 200, taken.body);
    t.same(taken.json<{ events: string[] }>().events, ['AssessorAssigned']);
    const replay = await take(tk.assessor);
    t.equal(replay.headers['idempotency-replayed'], 'true', 'a retry replays the first answer');
    t.equal(replay.json<{ revision: number }>().revision, taken.json<{ revision: number }>().revision);
    const other = await h.post(`/claims/${id}/take`, assessor2, {});
    t.equal(other.statusCode, 409, 'a claim with an assessor is not in the unassigned queue');
    t.equal(other.json<{ code: string }>().code, 'already-assigned');
    const byOther = await h.post(`/claims/${id}/assessment`, assessor2, assessment);
    t.equal(byOther.statusCode, 403, 'another assessor does not assess');
    t.equal(byOther.json<{ code: string }>().code, 'not-assigned-assessor');

    t.equal((await h.post(`/claims/${id}/assessor`, tk.assessor, { assessor: 'assessor-2' })).statusCode, 403, 'an assessor does not assign');
    const assigned = await h.post(`/claims/${id}/assessor`, tk.admin, { assessor: 'assessor-2' });
    t.equal(assigned.statusCode, 200, assigned.body);
    t.equal((await h.post(`/claims/${id}/assessment`, tk.assessor, assessment)).statusCode, 403, 'the former assessor no longer assesses');
    const assessed = await h.post(`/claims/${id}/assessment`, assessor2, assessment);
    t.equal(assessed.statusCode, 200, assessed.body);
    const approver = await h.token('assessor-2', ['fund-approver']);
    const selfApproval = await h.post(`/claims/${id}/approvals`, approver, {});
    t.equal(selfApproval.statusCode, 403, 'the assessor of record never approves');
    t.equal(selfApproval.json<{ code: string }>().code, 'four-eyes');
    const unknownField = await h.post(`/claims/${id}/assessor`, tk.admin, { assessor: 'assessor-1', extra: true });
    t.equal(unknownField.statusCode, 400, 'a strict body');
  });
});
