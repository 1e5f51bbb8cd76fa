/**
 * The command service process SIGKILLed between an approval's fund commitment and the award's
 * append (fault injection CFUND_FAULT_INJECTION=kill-after-funds-committed); after a restart the
 * retried approval leaves the ledger and the claim consistent: one commitment, one award.
 */
import type { ChildProcess } from 'node:child_process';
import t from 'tap';
import type { Role } from '@cfund/contracts';
import { RSD, claimBody, rsYear, serviceProcesses } from './helpers.ts';

t.test('SIGKILL between the fund commitment and the award, then a restart and a retry', async (t) => {
  const system = await serviceProcesses(t, 'crash');
  if (!system) return;
  const { base, client } = system;
  const { eventStore } = system.env;
  const token = (sub: string, role: Role) => client.token(sub, [role]);
  const startProcess = (fault: boolean): Promise<ChildProcess> => system.start(fault ? { CFUND_FAULT_INJECTION: 'kill-after-funds-committed' } : {});
  const post = async (path: string, tokenValue: string, body: unknown) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tokenValue}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() as { claimId: string; events: string[]; code?: string } };
  };
  const types = async (stream: string) => {
    const out: string[] = [];
    for await (const e of eventStore.readStream(stream)) out.push(e.event!.type);
    return out;
  };

  const first = await startProcess(true);
  const lawyer = await token('lawyer-1', 'lawyer');
  const year = rsYear();
  t.equal((await post(`/funds/RS/${year}/budget`, await token('admin-1', 'fund-admin'), { amount: RSD(1_000_000_000) })).status, 200);
  const id = (await post('/claims', lawyer, claimBody())).body.claimId;
  for (const [path, tk, body] of [
    ['court-rulings', lawyer, { court: 'C', caseNumber: 'K-1', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] }],
    ['ruling-finality', lawyer, { finalOn: '2025-06-30' }],
    ['enforcement-failures', lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: '2025-09-01' }],
    ['fund-application', lawyer, { otherCompensationDeclared: [] }],
    ['assessment', await token('assessor-1', 'fund-assessor'), { eligible: true, assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(40_000_000) }], deductions: [] }],
  ] as const) {
    t.equal((await post(`/claims/${id}/${path}`, tk, body)).status, 200, path);
  }
  const approver = await token('approver-1', 'fund-approver');
  const exited = new Promise<NodeJS.Signals | null>((r) => first.once('exit', (_code, signal) => r(signal)));
  await t.rejects(post(`/claims/${id}/approvals`, approver, {}), 'the connection dies with the process');
  t.equal(await exited, 'SIGKILL');
  t.ok((await types(`fund-RS-${year}`)).includes('FundsCommitted'), 'the funds were committed');
  t.notOk((await types(`claim-${id}`)).includes('AwardApproved'), 'the award was not appended');

  const second = await startProcess(false);
  const retried = await post(`/claims/${id}/approvals`, approver, {});
  t.equal(retried.status, 200);
  t.same(retried.body.events, ['AwardApprovalGiven', 'AwardApproved']);
  t.equal((await types(`fund-RS-${year}`)).filter((x) => x === 'FundsCommitted').length, 1, 'committed once');
  t.equal((await types(`claim-${id}`)).filter((x) => x === 'AwardApproved').length, 1, 'approved once');
  const stopped = new Promise<number | null>((r) => second.once('exit', (code) => r(code)));
  second.kill('SIGTERM');
  t.equal(await stopped, 0, 'graceful shutdown exits 0');
});
