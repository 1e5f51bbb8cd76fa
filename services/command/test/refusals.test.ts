import t from 'tap';
import { BACKWARDS, END } from '@eventstore/db-client';
import { RSD, assessedClaim, claimBody, rsYear, startService, tokens } from './helpers.ts';

t.test('refusals', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  await h.post(`/funds/RS/${rsYear()}/budget`, tk.admin, { amount: RSD(10_000_000_000) });
  const problem = (r: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T }) => {
    t.match(String(r.headers['content-type']), /^application\/problem\+json/);
    return r.json<{ status: number; code?: string; errors?: { path: string; message: string }[]; detail?: string }>();
  };

  t.test('authorization: role, jurisdiction, another lawyer\'s claim, four-eyes', async (t) => {
    let r = await h.post('/claims', tk.assessor, claimBody());
    t.equal(r.statusCode, 403);
    t.equal(problem(r).code, 'forbidden-role');
    r = await h.post('/claims', tk.auditor, claimBody());
    t.equal(problem(r).code, 'auditor-read-only');
    r = await h.post('/claims', tk.lawyer, claimBody({ jurisdiction: 'BA', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 1_000_000, currency: 'BAM' } }] }));
    t.equal(r.statusCode, 403);
    t.equal(problem(r).code, 'wrong-jurisdiction');

    const id = await assessedClaim(h, tk);
    // Who may not even read a claim gets the answer for a claim that does not exist: the same
    // status, code and detail as for an unknown id (its existence is not theirs to learn).
    const evidence = { documentId: 'D1', kind: 'other', sha256: 'a'.repeat(64), title: 'x' };
    const sameAsNone = async (what: string, url: (claimId: string) => string, token: string, body: unknown, headers: Record<string, string> = {}) => {
      const none = crypto.randomUUID();
      const a = await h.post(url(id), token, body, headers);
      const b = await h.post(url(none), token, body, headers);
      t.equal(a.statusCode, 404, `${what}: 404`);
      t.same({ ...problem(a), instance: undefined }, { ...problem(b), instance: undefined, detail: problem(b).detail!.replace(none, id) }, `${what}: the same answer as for no claim`);
    };
    await sameAsNone('another lawyer\'s claim', (c) => `/claims/${c}/evidence`, tk.lawyer2, evidence);
    await sameAsNone('another lawyer\'s claim, a command for another role', (c) => `/claims/${c}/decision-notice`, tk.lawyer2,
      { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    const otherJurisdictionApprover = await h.token('approver-9', ['fund-approver'], ['BA']);
    await sameAsNone('a claim of another jurisdiction', (c) => `/claims/${c}/approvals`, otherJurisdictionApprover, {});
    await sameAsNone('another lawyer\'s claim with If-Match', (c) => `/claims/${c}/evidence`, tk.lawyer2, evidence, { 'if-match': '"99"' });
    r = await h.post(`/claims/${id}/approvals`, tk.finance, {});
    t.equal(problem(r).code, 'forbidden-role');
    // The assessor who also holds the approver role cannot approve their own assessment.
    const assessorApprover = await h.token('assessor-1', ['fund-assessor', 'fund-approver']);
    r = await h.post(`/claims/${id}/approvals`, assessorApprover, {});
    t.equal(r.statusCode, 403);
    t.equal(problem(r).code, 'four-eyes');
    r = await h.post(`/claims/${id}/approvals`, tk.approver1, {});
    t.equal(r.statusCode, 200);
    r = await h.post(`/claims/${id}/approvals`, tk.approver1, {});
    t.equal(r.statusCode, 403);
    t.equal(problem(r).code, 'already-approved');
    r = await h.post(`/claims/${id}/approvals`, tk.approver2, {});
    t.same(r.json<{ events: string[] }>().events, ['AwardApprovalGiven', 'AwardApproved']);
    // An approver who also holds fund-finance cannot pay out the award they approved.
    const approverFinance = await h.token('approver-1', ['fund-approver', 'fund-finance']);
    await h.post(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    await h.post(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 2, firstDueOn: '2026-01-01', intervalMonths: 1 });
    r = await h.post(`/claims/${id}/payouts/1/disbursement`, approverFinance, { paymentReference: 'P' });
    t.equal(r.statusCode, 403);
    t.equal(problem(r).code, 'four-eyes');
    r = await h.post(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'P-1' });
    t.equal(r.statusCode, 200);
    r = await h.post(`/claims/${id}/payouts/1/disbursement`, tk.finance, { paymentReference: 'P-1b' });
    t.equal(r.statusCode, 409, 'double disbursement');
    t.equal(problem(r).code, 'already-disbursed');
    r = await h.post(`/claims/${id}/payouts/9/disbursement`, tk.finance, { paymentReference: 'P-9' });
    t.equal(problem(r).code, 'unknown-instalment');
    r = await h.post(`/claims/${crypto.randomUUID()}/evidence`, tk.lawyer, { documentId: 'D1', kind: 'other', sha256: 'a'.repeat(64), title: 'x' });
    t.equal(r.statusCode, 404);
  });

  t.test('rejection: the assessor may not reject, an approver who gave the first approval may', async (t) => {
    const id = await assessedClaim(h, tk); // above the threshold: two approvals needed
    let r = await h.post(`/claims/${id}/approvals`, tk.approver1, {});
    t.same(r.json<{ events: string[] }>().events, ['AwardApprovalGiven']);
    const rejection = { reasons: ['The second look found the losses unproven.'], appealInstructions: 'You may appeal within 15 days of service.' };
    const assessorApprover = await h.token('assessor-1', ['fund-assessor', 'fund-approver']);
    r = await h.post(`/claims/${id}/rejection`, assessorApprover, rejection);
    t.equal(r.statusCode, 403, 'four-eyes: the assessor does not decide on their own assessment');
    t.equal(problem(r).code, 'four-eyes');
    r = await h.post(`/claims/${id}/rejection`, tk.approver1, rejection);
    t.equal(r.statusCode, 200, r.body);
    t.same(r.json<{ events: string[] }>().events, ['AwardRejected'], 'the first approver rejects');
  });

  t.test('domain rules: late filing, above cap', async (t) => {
    // Kosovo: apply within 6 months of the crime.
    const xk = await h.token('lawyer-xk', ['lawyer'], ['XK']);
    let r = await h.post('/claims', xk, claimBody({ jurisdiction: 'XK', incidentOn: '2024-01-10', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 500_000, currency: 'EUR' } }] }));
    t.equal(r.statusCode, 201, r.body);
    const late = r.json<{ claimId: string }>().claimId;
    r = await h.post(`/claims/${late}/fund-application`, xk, { otherCompensationDeclared: [] });
    t.equal(r.statusCode, 409);
    t.equal(problem(r).code, 'late-filing');

    const id = await assessedClaim(h, tk, 40_000_000); // below the two-approver threshold
    r = await h.post(`/claims/${id}/approvals`, tk.approver1, {});
    t.same(r.json<{ events: string[] }>().events, ['AwardApprovalGiven', 'AwardApproved']);
    await h.post(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    r = await h.post(`/claims/${id}/appeals`, tk.lawyer, { grounds: 'Too low.' });
    t.equal(r.statusCode, 200, r.body);
    r = await h.post(`/claims/${id}/appeal-decision`, tk.approver2, { outcome: 'increased', decidedOn: '2026-01-10', netAward: RSD(300_000_000) });
    t.equal(r.statusCode, 409);
    t.equal(problem(r).code, 'above-cap');
  });

  t.test('malformed, oversized, unknown fields, wrong types', async (t) => {
    let r = await h.app.inject({ method: 'POST', url: '/claims', payload: '{"jurisdiction": "RS", ', headers: { authorization: `Bearer ${tk.lawyer}`, 'content-type': 'application/json' } });
    t.equal(r.statusCode, 400, 'malformed JSON');
    t.equal(problem(r).detail, 'The request body is not valid JSON.');
    r = await h.post('/claims', tk.lawyer, { ...claimBody(), padding: 'x'.repeat(70 * 1024) });
    t.equal(r.statusCode, 413);
    problem(r);
    r = await h.post('/claims', tk.lawyer, { ...claimBody(), extra: 1, victim: { fullName: 'A', shoeSize: 42 } });
    t.equal(r.statusCode, 400);
    t.same(problem(r).errors!.map((e) => e.path).sort(), ['body.extra', 'body.victim.shoeSize']);
    r = await h.post('/claims', tk.lawyer, claimBody({ incidentOn: 20250110, damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 1.5, currency: 'RSD' } }] }));
    t.equal(r.statusCode, 400);
    t.same(problem(r).errors!.map((e) => e.path).sort(), ['body.damagesClaimed.0.amount.amountMinor', 'body.incidentOn']);
    r = await h.post('/claims/not-a-uuid/evidence', tk.lawyer, {});
    t.equal(r.statusCode, 400);
    t.equal(problem(r).errors![0]!.path, 'params.id');
  });

  t.test('If-Match and Idempotency-Key', async (t) => {
    const filed = await h.post('/claims', tk.lawyer, claimBody());
    const id = filed.json<{ claimId: string }>().claimId;
    const proceedings = { court: 'Basic Court', caseNumber: 'K-7/2025' };
    let r = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, proceedings, { 'if-match': '"5"' });
    t.equal(r.statusCode, 412);
    t.equal(problem(r).code, 'revision-mismatch');
    t.equal(r.headers.etag, '"0"');
    r = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer2, proceedings, { 'if-match': '"5"' });
    t.equal(r.statusCode, 404, 'another lawyer learns nothing of the revision, nor that the claim exists');
    t.notOk(r.headers.etag);
    r = await h.post(`/claims/${crypto.randomUUID()}/criminal-proceedings`, tk.lawyer, proceedings, { 'if-match': '"5"' });
    t.equal(r.statusCode, 404, 'no such claim, whatever If-Match says');
    r = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, proceedings, { 'if-match': 'yesterday' });
    t.equal(r.statusCode, 400);

    r = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, proceedings, { 'idempotency-key': 'k-1' });
    t.equal(r.statusCode, 200);
    t.same(r.json(), { claimId: id, revision: 1, events: ['CriminalProceedingsRecorded'] });
    const replay = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, proceedings, { 'idempotency-key': 'k-1' });
    t.equal(replay.statusCode, 200);
    t.same(replay.json(), r.json(), 'the first answer is replayed');
    t.equal(replay.headers['idempotency-replayed'], 'true');
    const mismatch = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, { ...proceedings, caseNumber: 'K-8/2025' }, { 'idempotency-key': 'k-1' });
    t.equal(mismatch.statusCode, 422);
    t.equal(problem(mismatch).code, 'idempotency-key-reused');
    const events = [];
    for await (const e of h.env.eventStore.readStream(`claim-${id}`)) events.push(e.event!.type);
    t.same(events, ['ClaimFiled', 'CriminalProceedingsRecorded'], 'recorded once');

    // A refused command writes nothing, with a key or without: no reservation, no release.
    const lastPosition = async () => {
      let last: bigint | undefined;
      // Read to the end (maxCount 1): a read left unfinished keeps the store from closing.
      for await (const e of h.env.eventStore.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) last = e.event?.position?.commit;
      return last;
    };
    const before = await lastPosition();
    const dpoBA = await h.token('dpo-ba', ['dpo'], ['BA']);
    const refusals: [string, string, string, unknown, number][] = [
      ['auditor files', '/claims', tk.auditor, claimBody(), 403],
      ['auditor acts on a claim', `/claims/${id}/criminal-proceedings`, tk.auditor, proceedings, 403],
      ['another lawyer', `/claims/${id}/criminal-proceedings`, tk.lawyer2, proceedings, 404],
      ['appeal before any decision', `/claims/${id}/appeals`, tk.lawyer, { grounds: 'The assessment ignored lost earnings.' }, 409],
      ['approval before an assessment', `/claims/${id}/approvals`, tk.approver1, {}, 409],
      ['budget of another jurisdiction', `/funds/BA/${rsYear()}/budget`, tk.admin, { amount: RSD(100) }, 403],
      ['erasure by the dpo of another jurisdiction', `/victims/vic-${id}/erasure`, dpoBA, { reason: 'Request.' }, 403],
    ];
    for (const [n, [what, url, token, body, status]] of refusals.entries()) {
      for (let i = 0; i < 3; i += 1) {
        const refused = await h.post(url, token, body, { 'idempotency-key': `refused-${n}-${i}` });
        t.equal(refused.statusCode, status, `${what}: ${refused.body}`);
      }
      const again = await h.post(url, token, body, { 'idempotency-key': `refused-${n}-0` });
      t.equal(again.statusCode, status, `${what}: a retry with the same key is decided again`);
    }
    t.equal(await lastPosition(), before, 'nothing was written to the event store ($all ends where it did)');
    r = await h.post(`/claims/${id}/criminal-proceedings`, tk.lawyer, { ...proceedings, caseNumber: 'K-9/2025' }, { 'idempotency-key': 'refused-3-0' });
    t.equal(r.statusCode, 200, 'the key of a refused request is free for another request');

    // Filing with a key: the retry answers the same claim.
    const a = await h.post('/claims', tk.lawyer, claimBody(), { 'idempotency-key': 'file-1' });
    const b = await h.post('/claims', tk.lawyer, claimBody(), { 'idempotency-key': 'file-1' });
    t.equal(a.statusCode, 201);
    t.equal(b.statusCode, 201);
    t.equal(a.json<{ claimId: string }>().claimId, b.json<{ claimId: string }>().claimId);
  });
});
