/**
 * Award funding on an in-memory ledger port (pure unit: the ledger decider folds in memory): what
 * a claim's new events tie up is committed before they are appended, refused when the budget or
 * the ledger does not cover it, and the ledger is settled after the append.
 */
import t, { type Test } from 'tap';
import { fundStream, type ClaimEvent, type FundEvent, type Jurisdiction, type Money } from '@cfund/contracts';
import {
  claimDecider, cloneLedger, isDomainError, ledgerDecider, type ClaimState, type LedgerCommand, type LedgerState,
} from '@cfund/domain';
import { AwardFunding, fundingChange, type FundingContext, type LedgerPort } from '../src/award-funding/award-funding.ts';
import { Metrics } from '../src/metrics.ts';

const claimId = '5b1f8a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const YEAR = 2026;
const RSD = (major: number): Money => ({ amountMinor: major * 100, currency: 'RSD' });
const data = <T extends Record<string, unknown>>(d: T) => ({ schemaVersion: 1 as const, claimId, ...d });
const ctx: FundingContext = { principal: { sub: 'approver-2', roles: ['fund-approver'], jurisdictions: ['RS'] }, correlationId: 'c-1' };

/** The fund-year ledgers in memory, decided and folded by the domain's ledger decider. */
class MemoryLedgers implements LedgerPort {
  private readonly years = new Map<string, LedgerState>();
  readonly written: FundEvent['type'][] = [];

  held(jurisdiction: Jurisdiction, year: number): LedgerState {
    return cloneLedger(this.years.get(fundStream(jurisdiction, year)) ?? ledgerDecider.initialState());
  }

  async ledgerCommand(jurisdiction: Jurisdiction, year: number, c: FundingContext, command: Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>) {
    const full = { ...command, actor: { sub: c.principal.sub, roles: c.principal.roles }, at: '2026-03-20T10:00:00.000Z', jurisdiction, year } as LedgerCommand;
    const before = this.held(jurisdiction, year);
    const events = ledgerDecider.decide(full, before);
    this.years.set(fundStream(jurisdiction, year), events.reduce(ledgerDecider.evolve, before));
    this.written.push(...events.map((e) => e.type));
    return { events };
  }

  cachedLedger = async (jurisdiction: Jurisdiction, year: number): Promise<LedgerState> => this.held(jurisdiction, year);
  loadLedger = async (jurisdiction: Jurisdiction, year: number): Promise<LedgerState> => this.held(jurisdiction, year);
}

// ---- a Serbian claim, from filing to its payout --------------------------------------------------

const filed: ClaimEvent = {
  type: 'ClaimFiled',
  data: data({
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-10T09:00:00.000Z',
    publicReference: 'RS-2026-0001', applicantRole: 'direct', victimRef: `vic-${claimId}`,
    personalData: { alg: 'AES-256-GCM', keyId: 'victim-7', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' },
    formOfExploitation: 'labour', incidentOn: '2024-05-01', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(900_000) }],
  }),
};
const assessed: ClaimEvent = {
  type: 'ClaimAssessed',
  data: data({
    assessedBy: 'assessor-1', eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(900_000) }],
    deductions: [], capsApplied: [], recommendedNet: RSD(900_000),
  }),
};
const firstApproval: ClaimEvent = { type: 'AwardApprovalGiven', data: data({ approver: 'approver-1', netAward: RSD(900_000), approvalNumber: 1 }) };
const secondApproval: ClaimEvent = { type: 'AwardApprovalGiven', data: data({ approver: 'approver-2', netAward: RSD(900_000), approvalNumber: 2 }) };
const approved: ClaimEvent = { type: 'AwardApproved', data: data({ netAward: RSD(900_000), approvers: ['approver-1', 'approver-2'], fundYear: YEAR }) };
const notified: ClaimEvent = { type: 'DecisionNotified', data: data({ servedAt: '2026-04-01T08:00:00.000Z', appealDeadline: '2026-04-16' }) };
const scheduled: ClaimEvent = {
  type: 'PayoutScheduled',
  data: { ...data({ instalments: [{ number: 1, amount: RSD(900_000), dueOn: '2026-05-04' }], total: RSD(900_000) }), schemaVersion: 2, committedByDueYear: true },
};
const paid: ClaimEvent = {
  type: 'PayoutDisbursed',
  data: data({ instalment: 1, amount: RSD(900_000), paymentReference: 'PAY-1', disbursedBy: 'finance-1', disbursedAt: '2026-05-04T09:00:00.000Z' }),
};
const advanceApproved: ClaimEvent = {
  type: 'AdvancePaymentApproved', data: data({ approvedBy: 'approver-1', amount: RSD(100_000), reason: 'urgent medical costs', advance: 1, fundYear: YEAR }),
};
const rejected: ClaimEvent = { type: 'AwardRejected', data: data({ rejectedBy: 'approver-2', reasons: ['r'], appealInstructions: 'i' }) };

const stateOf = (events: ClaimEvent[]): ClaimState => events.reduce(claimDecider.evolve, claimDecider.initialState());
const toApproval = [filed, assessed, firstApproval];
const toScheduled = [...toApproval, secondApproval, approved, notified, scheduled];

// ---- given / when / then ----------------------------------------------------------------------

/** Given a ledger (its budget and prior commands) and a claim's events, when new events are to be appended. */
function given(budget: Money | undefined, claim: ClaimEvent[], prior: Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>[] = []) {
  const ledgers = new MemoryLedgers();
  const funding = new AwardFunding(ledgers, new Metrics());
  const setUp = (async () => {
    if (budget) await ledgers.ledgerCommand('RS', YEAR, ctx, { type: 'AllocateBudget', data: { amount: budget } });
    for (const c of prior) await ledgers.ledgerCommand('RS', YEAR, ctx, c);
    ledgers.written.length = 0;
  })();
  const before = stateOf(claim);
  return {
    when(events: ClaimEvent[]) {
      const after = events.reduce(claimDecider.evolve, stateOf(claim));
      const change = fundingChange(before, after);
      const tied = () => { const f = ledgers.held('RS', YEAR).claims[claimId]; return f ? f.committed - f.released : 0; };
      return {
        async thenCommits(t: Test, expected: FundEvent['type'][], tiedMinor: number, message: string) {
          await setUp;
          await funding.beforeAppend(claimId, after, change, ctx, () => undefined);
          t.same(ledgers.written, expected, message);
          t.equal(tied(), tiedMinor, `${message}: the ledger ties up ${tiedMinor}`);
        },
        async thenRefuses(t: Test, code: string, message: string) {
          await setUp;
          const thrown = await funding.beforeAppend(claimId, after, change, ctx, () => undefined).then(() => undefined, (e: unknown) => e);
          t.ok(isDomainError(thrown, code), `${message}: ${code}`, { found: thrown });
          t.same(ledgers.written, [], `${message}: nothing written to the ledger`);
        },
        async thenSettles(t: Test, expected: FundEvent['type'][], tiedMinor: number, message: string) {
          await setUp;
          await funding.beforeAppend(claimId, after, change, ctx, () => undefined);
          await funding.afterAppend(claimId, after, change, ctx);
          t.same(ledgers.written, expected, message);
          t.equal(tied(), tiedMinor, `${message}: the ledger ties up ${tiedMinor}`);
          t.same(funding.differences(claimId, after, YEAR, ledgers.held('RS', YEAR)), [], `${message}: the claim and its ledger agree`);
        },
      };
    },
  };
}

const commit = (amount: Money) => ({ type: 'CommitFunds' as const, data: { claimId, tied: amount } });

t.test('an approval that completes the award commits its funds before it is appended', async (t) => {
  await given(RSD(10_000_000), toApproval).when([secondApproval, approved])
    .thenCommits(t, ['FundsCommitted'], RSD(900_000).amountMinor, 'the net award is committed');
  await given(RSD(10_000_000), toApproval, [commit(RSD(900_000))]).when([secondApproval, approved])
    .thenCommits(t, [], RSD(900_000).amountMinor, 'a retry after a crash finds the commitment and writes nothing');
  await given(RSD(10_000_000), [filed, assessed]).when([firstApproval])
    .thenCommits(t, [], 0, 'a first of two approvals decides no money');
});

t.test('a decision the budget does not cover is refused before anything is appended', async (t) => {
  await given(RSD(500_000), toApproval).when([secondApproval, approved]).thenRefuses(t, 'budget-exceeded', 'a budget of 500,000 for an award of 900,000');
  await given(undefined, toApproval).when([secondApproval, approved]).thenRefuses(t, 'no-budget', 'a fund year without a budget');
});

t.test('a payment is recorded in the ledger after it is appended, and only when covered', async (t) => {
  await given(RSD(10_000_000), toScheduled, [commit(RSD(900_000))]).when([paid])
    .thenSettles(t, ['FundsDisbursed'], RSD(900_000).amountMinor, 'the instalment is paid out of the commitment');
  // A ledger that lost the claim's commitment gets it committed again first, with the budget check.
  await given(RSD(10_000_000), toScheduled).when([paid])
    .thenSettles(t, ['FundsCommitted', 'FundsDisbursed'], RSD(900_000).amountMinor, 'the shortfall is committed, then the payment recorded');
  await given(RSD(100_000), toScheduled).when([paid]).thenRefuses(t, 'budget-exceeded', 'a shortfall the budget cannot cover');
});

t.test('what a claim no longer ties up is released after the append', async (t) => {
  const withAdvance = [filed, assessed, advanceApproved];
  await given(RSD(10_000_000), withAdvance, [commit(RSD(100_000))]).when([rejected])
    .thenSettles(t, ['FundsReleased'], 0, 'a rejection releases the advance not yet paid');
});
