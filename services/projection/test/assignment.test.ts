/**
 * Assignment in the read model, through real HTTP over events written by the real command
 * service: co-counsel see the claim (list, detail, personal data) while assigned, the former lead
 * after a hand-over no longer does, and the queues "mine", "unassigned" and every assessor's load.
 */
import t from 'tap';
import { appliedClaim, fileClaim, get, startHarness, startProjection, step, tokens } from './helpers.ts';

type Items<T> = { items: T[] };
const claimIds = (r: { json: <T>() => T }) => r.json<Items<{ claimId: string }>>().items.map((i) => i.claimId).sort();

t.test('assignment in the read model', async (t) => {
  const h = await startHarness(t);
  const app = await startProjection(h);
  t.teardown(() => app.close());
  const tk = await tokens(h);
  const lawyer3 = await h.token('lawyer-3', ['lawyer']);
  const assessor2 = await h.token('assessor-2', ['fund-assessor']);
  const A = await appliedClaim(h, tk);
  const B = await appliedClaim(h, tk);
  const C = await appliedClaim(h, tk);
  const D = await fileClaim(h, tk.lawyer);
  await step(h, A, 'co-counsel', tk.lawyer, { lawyer: 'lawyer-2' });
  await step(h, B, 'take', tk.assessor, {});
  await step(h, C, 'assessor', tk.admin, { assessor: 'assessor-2' });
  await h.catchUp();

  t.test('a co-counsel sees the claim; an unassigned lawyer gets 404', async (t) => {
    t.same(claimIds(await get(app, '/claims', tk.lawyer2)), [A], 'the co-counsel lists the claim');
    t.equal((await get(app, `/claims/${A}`, tk.lawyer2)).statusCode, 200, 'and reads it');
    t.equal((await get(app, `/claims/${A}/personal-data`, tk.lawyer2)).statusCode, 200, 'and the victim\'s data, as the victim\'s lawyer');
    t.equal((await get(app, `/claims/${B}`, tk.lawyer2)).statusCode, 404, 'not a claim they are not assigned to');
    t.equal((await get(app, `/claims/${A}`, lawyer3)).statusCode, 404, 'an unassigned lawyer: no such claim');
    t.same(claimIds(await get(app, '/claims', lawyer3)), [], 'and lists none');
  });

  t.test('an assigned lawyer whose token lacks the claim\'s jurisdiction sees what an unassigned lawyer sees', async (t) => {
    // given the co-counsel of A and the lead of every claim, each with a token of BA only
    const coCounselBA = await h.token('lawyer-2', ['lawyer'], ['BA']);
    const leadBA = await h.token('lawyer-1', ['lawyer'], ['BA']);
    // when they read the claims and their queues; then nothing, as for any lawyer without access
    t.same(claimIds(await get(app, '/claims', coCounselBA)), [], 'the co-counsel lists no claim');
    t.equal((await get(app, `/claims/${A}`, coCounselBA)).statusCode, 404, 'reading it: no such claim');
    t.equal((await get(app, `/claims/${A}/personal-data`, coCounselBA)).statusCode, 404, 'nor the victim\'s data');
    t.same(claimIds(await get(app, '/work-queue/mine', coCounselBA)), [], 'nor in their queue');
    t.same(claimIds(await get(app, '/claims', leadBA)), [], 'the lead of another jurisdiction lists none either');
    t.same(claimIds(await get(app, '/work-queue/mine', leadBA)), []);
    // a claim of lawyer-6 whose application to the fund falls due: a task of their queue only with RS in their token
    const lawyer6 = await h.token('lawyer-6', ['lawyer']);
    const E = await fileClaim(h, lawyer6);
    await step(h, E, 'court-rulings', lawyer6, { court: 'Higher Court in Belgrade', caseNumber: 'K-8/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: { amountMinor: 100_000_000, currency: 'RSD' } }] });
    await step(h, E, 'ruling-finality', lawyer6, { finalOn: '2025-06-30' });
    await step(h, E, 'enforcement-failures', lawyer6, { reason: 'no-assets', amountOutstanding: { amountMinor: 100_000_000, currency: 'RSD' }, recordedOn: '2025-09-01' });
    await h.catchUp();
    const lawyerTasks = async (token: string) => (await get(app, '/work-queue', token)).json<Items<{ claimId: string; role: string }>>().items
      .filter((i) => i.role === 'lawyer').map((i) => i.claimId);
    t.same(await lawyerTasks(lawyer6), [E], 'the lead of RS is to apply to the fund');
    t.same(await lawyerTasks(await h.token('lawyer-6', ['lawyer'], ['BA'])), [], 'with a token of BA, no task');
  });

  t.test('mine, unassigned, every assessor\'s load', async (t) => {
    const mine = (await get(app, '/work-queue/mine', tk.lawyer2)).json<Items<{ claimId: string; as: string }>>().items;
    t.same(mine.map((i) => [i.claimId, i.as]), [[A, 'co-counsel']], 'a co-counsel\'s claims');
    t.same(claimIds(await get(app, '/work-queue/mine', tk.lawyer)), [A, B, C, D].sort(), 'the lead\'s claims');
    t.same((await get(app, '/work-queue/mine', tk.assessor)).json<Items<{ claimId: string; as: string }>>().items.map((i) => [i.claimId, i.as]), [[B, 'assessor']]);
    t.same(claimIds(await get(app, '/work-queue/unassigned', tk.assessor)), [A], 'applied claims no assessor holds (D is not at the fund yet)');
    t.same(claimIds(await get(app, '/work-queue/unassigned', tk.admin)), [A], 'a fund admin sees them too');
    t.equal((await get(app, '/work-queue/unassigned', tk.lawyer)).statusCode, 403, 'not a lawyer');
    const load = await get(app, '/work-queue/assessor-load', tk.admin);
    t.equal(load.statusCode, 200, load.body);
    t.same(load.json<Items<unknown>>().items, [
      { assessor: 'assessor-1', jurisdiction: 'RS', openClaims: 1 }, { assessor: 'assessor-2', jurisdiction: 'RS', openClaims: 1 },
    ]);
    t.equal((await get(app, '/work-queue/assessor-load', tk.assessor)).statusCode, 403, 'a fund admin\'s view only');
    const assess = (r: { json: <T>() => T }) => r.json<Items<{ claimId: string; task: string }>>().items.filter((i) => i.task === 'assess').map((i) => i.claimId).sort();
    t.same(assess(await get(app, '/work-queue', tk.assessor)), [A, B].sort(), 'an assessor\'s tasks leave out a claim another holds');
    t.same(assess(await get(app, '/work-queue', assessor2)), [A, C].sort());
  });

  t.test('the assessor of record is not offered the approval of the claim', async (t) => {
    const dual = await h.token('dual-1', ['fund-assessor', 'fund-approver']);
    await step(h, C, 'assessment', assessor2, { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: { amountMinor: 90_000_000, currency: 'RSD' } }], deductions: [] });
    await step(h, C, 'assessor', tk.admin, { assessor: 'dual-1' });
    await h.catchUp();
    const approvals = async (token: string) => (await get(app, '/work-queue', token)).json<Items<{ claimId: string; task: string }>>().items
      .filter((i) => i.task === 'first-approval').map((i) => i.claimId);
    t.same(await approvals(tk.approver1), [C], 'an approver is offered it');
    t.same(await approvals(dual), [], 'the assessor of record, who did not assess it, is not');
    t.equal((await h.post(`/claims/${C}/approvals`, dual, {})).statusCode, 403, 'as the command service refuses (four-eyes)');
  });

  t.test('after removal and hand-over the read model follows', async (t) => {
    await step(h, A, 'co-counsel-removal', tk.lawyer, { lawyer: 'lawyer-2' });
    await step(h, B, 'hand-over', tk.lawyer, { to: 'lawyer-3', reason: 'The lead lawyer leaves the firm.' });
    await h.catchUp();
    t.equal((await get(app, `/claims/${A}`, tk.lawyer2)).statusCode, 404, 'a removed co-counsel no longer sees the claim');
    t.same(claimIds(await get(app, '/work-queue/mine', tk.lawyer2)), []);
    t.equal((await get(app, `/claims/${B}`, tk.lawyer)).statusCode, 404, 'the former lead no longer sees a claim handed over');
    t.equal((await get(app, `/claims/${B}`, lawyer3)).statusCode, 200, 'the new lead does');
    t.same((await get(app, '/work-queue/mine', lawyer3)).json<Items<{ claimId: string; as: string }>>().items.map((i) => [i.claimId, i.as]), [[B, 'lead']]);
  });
});
