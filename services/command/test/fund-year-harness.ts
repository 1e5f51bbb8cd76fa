/**
 * The set-up of the tests of fund years and their crashes (funding-years, spread-commitments,
 * idempotent-retry): the command service at a fixed clock on 10 November of a year, a fault point
 * that can be frozen (the next command stops there for good, as a process killed there would), and
 * claims walked to where the test starts.
 */
import type { Test } from 'tap';
import { claimStream, type ClaimEvent } from '@cfund/contracts';
import { claimDecider } from '@cfund/domain';
import { handleCommand } from '@cfund/eventstore';
import { claimCodec } from '../src/codecs.ts';
import type { FaultPoint } from '../src/faults.ts';
import { RSD, startService, tokens, type Harness, type Tokens } from './helpers.ts';

export interface FundYearHarness {
  h: Harness;
  tk: Tokens;
  clock: { now: Date };
  /** The fault point the next command stops at for good (undefined: none). */
  fault: { frozenAt: FaultPoint | undefined };
  /** POSTs and throws unless it succeeded; the events written. */
  ok(url: string, token: string, body: unknown): Promise<string[]>;
  /** What the claim holds in a year's ledger: committed and not released. */
  tiedIn(year: number, claimId: string): Promise<number>;
  /** The types of the claim's events, in order. */
  claimEvents(claimId: string): Promise<string[]>;
  /** A claim assessed at RSD 400,000.00 in the harness's year, awaiting its approval. */
  assessed(victimName: string): Promise<string>;
  /** An assessed claim approved and served (RSD 400,000.00 committed in the year). */
  awarded(victimName: string): Promise<string>;
  /**
   * An awarded claim scheduled as a service before instalments were committed by due year wrote it
   * (committedByDueYear false, signed into the claim's chain): two instalments of 20,000,000 on
   * 1 December of the year and 1 March of the next, all 40,000,000 in the year.
   */
  oldSchedule(victimName: string): Promise<string>;
}

export async function fundYearHarness(t: Test, year: number): Promise<FundYearHarness> {
  const clock = { now: new Date(`${year}-11-10T09:00:00.000Z`) };
  const fault: FundYearHarness['fault'] = { frozenAt: undefined };
  const h = await startService(t, {
    now: () => clock.now,
    faultAt: (point) => (point === fault.frozenAt ? new Promise<void>(() => {}) : undefined),
  });
  const tk = await tokens(h);
  const ok = async (url: string, token: string, body: unknown) => {
    const r = await h.post(url, token, body);
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json<{ events: string[] }>().events;
  };
  const assessed = async (victimName: string) => {
    const filed = await h.post('/claims', tk.lawyer, {
      jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: victimName, dateOfBirth: '1990-01-01' }, formOfExploitation: 'labour',
      incidentOn: `${year - 2}-03-01`, damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }],
    });
    if (filed.statusCode !== 201) throw new Error(filed.body);
    const id = filed.json<{ claimId: string }>().claimId;
    await ok(`/claims/${id}/court-rulings`, tk.lawyer, { court: 'C', caseNumber: 'K-1', decidedOn: `${year - 1}-05-01`, outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] });
    await ok(`/claims/${id}/ruling-finality`, tk.lawyer, { finalOn: `${year - 1}-06-01` });
    await ok(`/claims/${id}/enforcement-failures`, tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: `${year - 1}-09-01` });
    await ok(`/claims/${id}/fund-application`, tk.lawyer, { otherCompensationDeclared: [] });
    await ok(`/claims/${id}/assessment`, tk.assessor, { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(40_000_000) }], deductions: [] });
    return id;
  };
  const awarded = async (victimName: string) => {
    const id = await assessed(victimName);
    await ok(`/claims/${id}/approvals`, tk.approver1, {});
    await ok(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: clock.now.toISOString() });
    return id;
  };
  return {
    h, tk, clock, fault, ok, assessed, awarded,
    async tiedIn(inYear, claimId) {
      const f = (await h.app.commandService.loadLedger('RS', inYear)).claims[claimId];
      return f ? f.committed - f.released : 0;
    },
    async claimEvents(claimId) {
      const out: string[] = [];
      for await (const e of h.env.eventStore.readStream(claimStream(claimId))) out.push(e.event!.type);
      return out;
    },
    async oldSchedule(victimName) {
      const id = await awarded(victimName);
      const legacy: ClaimEvent = { type: 'PayoutScheduled', data: {
        schemaVersion: 2, claimId: id, total: RSD(40_000_000), committedByDueYear: false,
        instalments: [{ number: 1, amount: RSD(20_000_000), dueOn: `${year}-12-01` }, { number: 2, amount: RSD(20_000_000), dueOn: `${year + 1}-03-01` }],
      } };
      await handleCommand(h.env.eventStore, claimStream(id), null, { ...claimDecider, decide: () => [legacy] }, {
        codec: claimCodec, signer: h.chainSigner,
        metadata: { actor: 'finance-1', occurredAt: clock.now.toISOString(), correlationId: `legacy-${id}`, causationId: `legacy-${id}` },
      });
      return id;
    },
  };
}
