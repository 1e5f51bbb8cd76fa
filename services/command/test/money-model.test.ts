/**
 * The whole money path against a reference model: random sequences of every command that
 * touches money (budget, assessment, approvals, rejection, appeals with each outcome, advances,
 * schedules, disbursements early and on time, failures and retries, recoveries, withdrawal,
 * reopening, closure) on three claims sharing one fund year, run through the command service's
 * HTTP API on the embedded event store. After every step the ledger is checked against a model
 * written here, independently of the domain's own funding rule:
 *   - for each claim, committed - released = paid + still owed (what the fund decided to pay);
 *   - paid out in the ledger = paid on the claim, payment by payment; each paid at most once;
 *   - the ledger never negative nor over what the budget and recoveries allow;
 *   - each recovery credited exactly once, in the ledger of the year it was received (the clock
 *     runs on, so a sequence crosses into later years), a retried request included; never more
 *     recovered than paid;
 *   - a refused command changed nothing in any stream;
 *   - a closed claim has nothing committed and unpaid.
 * Seeded (MONEY_MODEL_SEED); MONEY_MODEL_RUNS sequences (default 2,000), none started after
 * MONEY_MODEL_SECONDS (default 300) so that a loaded machine stays inside tap's time limit (the
 * number run is printed). A failure prints the seed and the shortest sequence that shows it
 * (fast-check shrinks it).
 */
import t from 'tap';
import fc from 'fast-check';
import { BACKWARDS, END, type EventStoreDBClient } from '@eventstore/db-client';
import { available, tiedOf, type LedgerState } from '@cfund/domain';
import { RSD, startService, tokens, type Harness, type Tokens } from './helpers.ts';

const RUNS = Number(process.env.MONEY_MODEL_RUNS ?? 2_000);
/** No new sequence starts after this (a loaded machine runs fewer; the count is printed). */
const SECONDS = Number(process.env.MONEY_MODEL_SECONDS ?? 300);
const SEED = Number(process.env.MONEY_MODEL_SEED ?? Date.now() % 2 ** 31);
const CLAIMS = 3;
const START_BUDGET = 100_000_000;
/** Fund years a harness can give sequences (each its own ledger); then a new event store. */
const YEARS_PER_STORE = 150;

// ---- the actions ----------------------------------------------------------------------------

type Action =
  | { kind: 'allocate'; amount: number }
  | { kind: 'assess'; claim: number; amount: number }
  | { kind: 'approve'; claim: number; approver: 1 | 2 }
  | { kind: 'reject'; claim: number; approver: 1 | 2 }
  | { kind: 'notify'; claim: number }
  | { kind: 'appeal'; claim: number }
  | { kind: 'decideAppeal'; claim: number; approver: 1 | 2; outcome: 'upheld' | 'increased' | 'reduced' | 'remitted'; amount: number }
  | { kind: 'advance'; claim: number; amount: number }
  | { kind: 'payAdvance'; claim: number; n: number }
  | { kind: 'schedule'; claim: number; instalments: number; dueInDays: number }
  | { kind: 'disburse'; claim: number; n: number; early: boolean }
  | { kind: 'fail'; claim: number; n: number }
  | { kind: 'recover'; claim: number; amount: number; retried: boolean }
  | { kind: 'withdraw'; claim: number }
  | { kind: 'reopen'; claim: number }
  | { kind: 'close'; claim: number }
  | { kind: 'wait'; days: number };

const claim = fc.integer({ min: 0, max: CLAIMS - 1 });
const approver = fc.constantFrom<1 | 2>(1, 2);
/** Around the RS threshold for two approvers (50,000,000 minor units) and the budgets below. */
const amount = fc.constantFrom(5_000_000, 20_000_000, 45_000_000, 60_000_000, 90_000_000);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('allocate' as const), amount: fc.constantFrom(30_000_000, 100_000_000) }),
  fc.record({ kind: fc.constant('assess' as const), claim, amount }),
  fc.record({ kind: fc.constant('assess' as const), claim, amount }),
  fc.record({ kind: fc.constant('approve' as const), claim, approver }),
  fc.record({ kind: fc.constant('approve' as const), claim, approver }),
  fc.record({ kind: fc.constant('approve' as const), claim, approver }),
  fc.record({ kind: fc.constant('reject' as const), claim, approver }),
  fc.record({ kind: fc.constant('notify' as const), claim }),
  fc.record({ kind: fc.constant('notify' as const), claim }),
  fc.record({ kind: fc.constant('appeal' as const), claim }),
  fc.record({ kind: fc.constant('decideAppeal' as const), claim, approver, outcome: fc.constantFrom('upheld' as const, 'increased' as const, 'reduced' as const, 'remitted' as const), amount }),
  fc.record({ kind: fc.constant('advance' as const), claim, amount: fc.constantFrom(2_000_000, 10_000_000, 30_000_000) }),
  fc.record({ kind: fc.constant('payAdvance' as const), claim, n: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('schedule' as const), claim, instalments: fc.integer({ min: 1, max: 3 }), dueInDays: fc.constantFrom(0, 10) }),
  fc.record({ kind: fc.constant('disburse' as const), claim, n: fc.integer({ min: 1, max: 3 }), early: fc.boolean() }),
  fc.record({ kind: fc.constant('disburse' as const), claim, n: fc.integer({ min: 1, max: 3 }), early: fc.boolean() }),
  fc.record({ kind: fc.constant('fail' as const), claim, n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('recover' as const), claim, amount: fc.constantFrom(1_000_000, 5_000_000), retried: fc.boolean() }),
  fc.record({ kind: fc.constant('recover' as const), claim, amount: fc.constantFrom(1_000_000, 5_000_000), retried: fc.boolean() }),
  fc.record({ kind: fc.constant('recover' as const), claim, amount: fc.constantFrom(1_000_000, 5_000_000), retried: fc.boolean() }),
  fc.record({ kind: fc.constant('wait' as const), days: fc.constantFrom(120, 200) }),
  fc.record({ kind: fc.constant('withdraw' as const), claim }),
  fc.record({ kind: fc.constant('reopen' as const), claim }),
  fc.record({ kind: fc.constant('close' as const), claim }),
  fc.record({ kind: fc.constant('wait' as const), days: fc.constantFrom(1, 8, 20) }),
);

/**
 * Random actions rarely take a claim all the way to a payment, and recoveries need one: a
 * sequence may start by paying some claims an award (as ordinary actions, checked like the rest).
 */
const paidFirst = (c: number): Action[] => [
  { kind: 'assess', claim: c, amount: 20_000_000 }, { kind: 'approve', claim: c, approver: 1 }, { kind: 'notify', claim: c },
  { kind: 'wait', days: 20 }, { kind: 'schedule', claim: c, instalments: 1, dueInDays: 0 }, { kind: 'disburse', claim: c, n: 1, early: true },
];
/** Sequences start in January or late in the year (so that the clock runs into the next fund year). */
interface Sequence { starts: string; actions: Action[] }
const sequenceArb: fc.Arbitrary<Sequence> = fc.tuple(fc.constantFrom('01-15', '11-20'), fc.subarray([0, 1, 2]), fc.array(actionArb, { minLength: 1, maxLength: 40 }))
  .map(([starts, paid, actions]) => ({ starts, actions: [...paid.flatMap(paidFirst), ...actions] }));

// ---- the reference model: what the fund has decided to pay, and has paid -------------------------

interface ModelPayment { amount: number; paid: boolean }
interface ModelClaim {
  award?: number;
  rejected: boolean;
  ended: boolean;
  advances: ModelPayment[];
  instalments: ModelPayment[];
  /** Recovered from the offender, in order, with the year received. */
  recoveries: { amount: number; year: number }[];
}

/** How often the sequences reached what recoveries test (a run that never recovers shows nothing). */
const seen = { recoveries: 0, laterYear: 0, retried: 0 };
const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);
const paidOf = (c: ModelClaim): number => [...c.advances, ...c.instalments].filter((p) => p.paid).reduce((a, p) => a + p.amount, 0);
/** What the ledger must hold committed and not released for the claim. */
function expectedTied(c: ModelClaim): number {
  const paid = paidOf(c);
  if (c.ended || c.rejected) return paid;
  if (c.award !== undefined) return Math.max(c.award, paid);
  return paid + c.advances.filter((a) => !a.paid).reduce((a, p) => a + p.amount, 0);
}

/** Updates the model from the events an accepted command wrote (the model decides what they mean for money). */
function apply(m: ModelClaim, events: string[], action: Action, state: { netAward?: number; instalments: { amount: number }[]; today: string; fundYear: number }): void {
  for (const e of events) {
    switch (e) {
      case 'AwardApproved': m.award = state.netAward; m.rejected = false; break;
      case 'AwardRejected': m.rejected = true; break;
      case 'AppealDecided':
        if (action.kind === 'decideAppeal' && (action.outcome === 'increased' || action.outcome === 'reduced')) { m.award = action.amount; m.rejected = false; }
        if (action.kind === 'decideAppeal' && action.outcome === 'remitted') { m.award = undefined; m.rejected = false; }
        break;
      case 'AdvancePaymentApproved': if (action.kind === 'advance') m.advances.push({ amount: action.amount, paid: false }); break;
      case 'AdvanceDisbursed': if (action.kind === 'payAdvance') m.advances[action.n - 1]!.paid = true; break;
      case 'PayoutScheduled': m.instalments = state.instalments.map((i) => ({ amount: i.amount, paid: false })); break;
      case 'PayoutDisbursed': if (action.kind === 'disburse') m.instalments[action.n - 1]!.paid = true; break;
      case 'PayoutFailed': if (action.kind === 'fail') m.instalments[action.n - 1]!.paid = false; break;
      case 'RecoveryFromOffenderRecorded':
        if (action.kind === 'recover') {
          m.recoveries.push({ amount: action.amount, year: Number(state.today.slice(0, 4)) });
          seen.recoveries += 1;
          if (action.retried) seen.retried += 1;
          if (m.recoveries.at(-1)!.year !== state.fundYear) seen.laterYear += 1;
        }
        break;
      case 'ClaimWithdrawn': case 'ClaimClosed': m.ended = true; break;
      case 'ClaimReopened': m.ended = false; break;
      default: break;
    }
  }
}

// ---- running a sequence -------------------------------------------------------------------------

/**
 * The position of the last event of the system's own streams: unchanged by a refused command.
 * Streams starting with `$` are the store's (a node writes `$stats-<address>` on its own, as a
 * real EventStoreDB node does every 30 s), so they are passed over.
 */
async function lastPosition(client: EventStoreDBClient): Promise<string> {
  // Read to the end (no early return): a read left open keeps the store from closing.
  let last: string | undefined;
  for await (const e of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 100 })) {
    if (last === undefined && e.event && !e.event.streamId.startsWith('$')) last = `${e.commitPosition}/${e.event.streamId}/${e.event.revision}`;
  }
  return last ?? 'empty';
}

interface World { h: Harness; tk: Tokens; clock: { now: Date } }

async function runSequence(world: World, year: number, { starts, actions }: Sequence): Promise<void> {
  const { h, tk, clock } = world;
  clock.now = new Date(`${year}-${starts}T09:00:00.000Z`);
  const day = (offset = 0) => new Date(clock.now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const post = async (url: string, token: string, body: unknown) => h.post(url, token, body);
  const must = async (url: string, token: string, body: unknown): Promise<void> => {
    const r = await post(url, token, body);
    if (r.statusCode >= 300) throw new Error(`setup ${url}: ${r.statusCode} ${r.body}`);
  };
  // Three claims, each through the court track to an application (RS: enforcement must fail first).
  const ids: string[] = [];
  for (let i = 0; i < CLAIMS; i += 1) {
    const r = await post('/claims', tk.lawyer, {
      jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'Model Victim', dateOfBirth: '1990-01-01' }, formOfExploitation: 'labour',
      incidentOn: `${year - 2}-03-01`, damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }, { head: 'lost-earnings', amount: RSD(100_000_000) }],
    });
    if (r.statusCode !== 201) throw new Error(`file: ${r.body}`);
    const id = r.json<{ claimId: string }>().claimId;
    await must(`/claims/${id}/court-rulings`, tk.lawyer, { court: 'C', caseNumber: 'K-1', decidedOn: `${year - 1}-05-01`, outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }] });
    await must(`/claims/${id}/ruling-finality`, tk.lawyer, { finalOn: `${year - 1}-06-01` });
    await must(`/claims/${id}/enforcement-failures`, tk.lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: `${year - 1}-09-01` });
    await must(`/claims/${id}/fund-application`, tk.lawyer, { otherCompensationDeclared: [] });
    ids.push(id);
  }
  const models: ModelClaim[] = ids.map(() => ({ rejected: false, ended: false, advances: [], instalments: [], recoveries: [] }));
  // A budget to start with (room for about two awards); more may come from the actions.
  await must(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(START_BUDGET) });
  let allocated = START_BUDGET;
  const service = h.app.commandService;

  for (const [step, action] of actions.entries()) {
    const where = `step ${step} ${JSON.stringify(action)}`;
    const before = await lastPosition(h.env.eventStore);
    const r = await execute(action);
    if (r === undefined) continue;
    if (r.statusCode >= 500) throw new Error(`${where}: ${r.statusCode} ${r.body}`);
    if (r.statusCode >= 400) {
      const after = await lastPosition(h.env.eventStore);
      if (after !== before) throw new Error(`${where}: refused (${r.body}) yet the store changed: ${before} -> ${after}`);
    } else if (action.kind === 'allocate') {
      allocated += action.amount;
    } else if ('claim' in action) {
      const { state } = await service.loadClaim(ids[action.claim]!);
      apply(models[action.claim]!, r.json<{ events: string[] }>().events, action, {
        ...(state.fund.netAward ? { netAward: state.fund.netAward.amountMinor } : {}),
        instalments: state.fund.instalments.map((i) => ({ amount: i.amount.amountMinor })), today: day(), fundYear: year,
      });
      const m = models[action.claim]!;
      // A recovery is never more than what was paid when it is recorded. A payment returned by the
      // bank afterwards leaves the recovery standing (the offender's money was received) and is
      // paid again later, so the two are compared only when a recovery is recorded.
      if (action.kind === 'recover' && sum(m.recoveries.map((x) => x.amount)) > paidOf(m)) {
        throw new Error(`${where}: recovered ${sum(m.recoveries.map((x) => x.amount))}, more than paid ${paidOf(m)}`);
      }
    }
    await check(where);
  }

  async function execute(a: Action) {
    const id = 'claim' in a ? ids[a.claim]! : '';
    const appr = (n: 1 | 2) => (n === 1 ? tk.approver1 : tk.approver2);
    switch (a.kind) {
      case 'allocate': return post(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(a.amount) });
      case 'assess': return post(`/claims/${id}/assessment`, tk.assessor, { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(a.amount) }], deductions: [] });
      case 'approve': return post(`/claims/${id}/approvals`, appr(a.approver), {});
      case 'reject': return post(`/claims/${id}/rejection`, appr(a.approver), { reasons: ['not shown'], appealInstructions: 'Appeal within 15 days.' });
      case 'notify': return post(`/claims/${id}/decision-notice`, tk.approver1, { servedAt: clock.now.toISOString() });
      case 'appeal': return post(`/claims/${id}/appeals`, tk.lawyer, { grounds: 'too little' });
      case 'decideAppeal': return post(`/claims/${id}/appeal-decision`, appr(a.approver), {
        outcome: a.outcome, decidedOn: day(), ...(a.outcome === 'increased' || a.outcome === 'reduced' ? { netAward: RSD(a.amount) } : {}),
      });
      case 'advance': return post(`/claims/${id}/advance-payments`, tk.approver1, { amount: RSD(a.amount), reason: 'urgent' });
      case 'payAdvance': return post(`/claims/${id}/advances/${a.n}/disbursement`, tk.finance, { paymentReference: `ADV-${a.n}` });
      case 'schedule': return post(`/claims/${id}/payout-schedule`, tk.finance, { instalments: a.instalments, firstDueOn: day(a.dueInDays), intervalMonths: 1 });
      case 'disburse': return post(`/claims/${id}/payouts/${a.n}/disbursement`, tk.finance, { paymentReference: `PAY-${a.n}`, ...(a.early ? { earlyPayment: true } : {}) });
      case 'fail': return post(`/claims/${id}/payouts/${a.n}/failure`, tk.finance, { reason: 'the bank returned it' });
      case 'recover': {
        const body = { amount: RSD(a.amount), recordedOn: day() };
        if (!a.retried) return post(`/claims/${id}/recoveries`, tk.finance, body);
        // The same request twice (a client's retry): one recovery on the claim, credited once.
        const key = { 'idempotency-key': `recovery-${id}-${clock.now.getTime()}-${Math.random()}` };
        const first = await h.post(`/claims/${id}/recoveries`, tk.finance, body, key);
        const again = await h.post(`/claims/${id}/recoveries`, tk.finance, body, key);
        if (again.statusCode !== first.statusCode) throw new Error(`a retry answered ${again.statusCode}, the request ${first.statusCode}`);
        return first;
      }
      case 'withdraw': return post(`/claims/${id}/withdrawal`, tk.lawyer, { reason: 'the victim asked' });
      case 'reopen': return post(`/claims/${id}/reopening`, tk.lawyer, { reason: 'new evidence' });
      case 'close': return post(`/claims/${id}/closure`, tk.finance, { reason: 'done' });
      // Never past the years the checks look at.
      case 'wait': clock.now = new Date(Math.min(clock.now.getTime() + a.days * 86_400_000, Date.parse(`${year + 2}-12-31T09:00:00.000Z`))); return undefined;
      default: { const never: never = a; return never; }
    }
  }

  async function check(where: string): Promise<void> {
    const ledger: LedgerState = await service.loadLedger('RS', year);
    const fail = (what: string): never => { throw new Error(`${where}: ${what}\nmodel: ${JSON.stringify(models)}\nledger: ${JSON.stringify(ledger)}`); };
    if (ledger.allocated !== allocated) fail(`allocated ${ledger.allocated}, model ${allocated}`);
    if (available(ledger) < 0) fail(`over-committed: available ${available(ledger)}`);
    for (const [i, id] of ids.entries()) {
      const m = models[i]!;
      const f = ledger.claims[id];
      if (tiedOf(f) !== expectedTied(m)) fail(`claim ${i}: committed - released = ${tiedOf(f)}, model ${expectedTied(m)}`);
      if ((f?.disbursed ?? 0) !== paidOf(m)) fail(`claim ${i}: disbursed ${f?.disbursed ?? 0}, paid ${paidOf(m)}`);
      if ((f?.disbursed ?? 0) < 0 || (f && f.committed - f.released < f.disbursed)) fail(`claim ${i}: negative`);
      const paidInstalments = m.instalments.flatMap((p, n) => (p.paid ? [n + 1] : []));
      const paidAdvances = m.advances.flatMap((p, n) => (p.paid ? [n + 1] : []));
      if (JSON.stringify([...(f?.instalments ?? [])].sort()) !== JSON.stringify(paidInstalments)) fail(`claim ${i}: instalments paid ${JSON.stringify(f?.instalments)}, model ${JSON.stringify(paidInstalments)}`);
      if (JSON.stringify([...(f?.advances ?? [])].sort()) !== JSON.stringify(paidAdvances)) fail(`claim ${i}: advances paid ${JSON.stringify(f?.advances)}, model ${JSON.stringify(paidAdvances)}`);
      if (m.ended && f && tiedOf(f) !== f.disbursed) fail(`claim ${i} ended with money committed and unpaid`);
    }
    // Recoveries, in every year a sequence's clock can reach (another sequence's claims may have credits there too).
    for (const y of [year, year + 1, year + 2]) {
      const l = y === year ? ledger : await service.loadLedger('RS', y);
      let ours = 0;
      for (const [i, id] of ids.entries()) {
        const m = models[i]!;
        const numbers = m.recoveries.flatMap((x, n) => (x.year === y ? [n + 1] : []));
        const amount = sum(m.recoveries.filter((x) => x.year === y).map((x) => x.amount));
        const f = l.claims[id];
        if ((f?.recovered ?? 0) !== amount) fail(`claim ${i}: credited ${f?.recovered ?? 0} in ${y}, model ${amount}`);
        if (JSON.stringify(f?.recoveries ?? []) !== JSON.stringify(numbers)) fail(`claim ${i}: recoveries credited in ${y} ${JSON.stringify(f?.recoveries)}, model ${JSON.stringify(numbers)}`);
        ours += amount;
      }
      if (l.recovered < ours) fail(`${y}: recovered ${l.recovered}, less than the claims' ${ours}`);
      if (available(l) < 0) fail(`${y}: over-committed: available ${available(l)}`);
    }
  }
}

/** Independent runners (own event store, clock and seed): the store waits on fsync, so they overlap. */
const RUNNERS = Number(process.env.MONEY_MODEL_RUNNERS ?? 4);

t.test('the money path against a reference model', async (t) => {
  t.comment(`MONEY_MODEL_SEED=${SEED} MONEY_MODEL_RUNS=${RUNS} (runner k uses seed ${SEED} + k)`);
  const started = Date.now();
  let runs = 0;
  let stores = 0;
  const harnesses: Harness[] = [];
  const runner = async (k: number): Promise<void> => {
    let world: World | undefined;
    let used = 0;
    const nextYear = async (): Promise<{ world: World; year: number }> => {
      if (!world || used === YEARS_PER_STORE) {
        const clock = { now: new Date() };
        const h = await startService(t, { now: () => clock.now });
        harnesses.push(h);
        stores += 1;
        world = { h, tk: await tokens(h), clock };
        used = 0;
      }
      used += 1;
      return { world, year: 2030 + used };
    };
    const numRuns = Math.ceil(RUNS / RUNNERS);
    await fc.assert(fc.asyncProperty(sequenceArb, async (sequence) => {
      // Past the time budget the remaining runs start nothing (fast-check's own time limit would
      // abandon a run half-way, with commands still in flight when the store closes).
      if (Date.now() - started > SECONDS * 1000) return;
      runs += 1;
      const { world: w, year } = await nextYear();
      await runSequence(w, year, sequence);
    }), { numRuns, seed: SEED + k, endOnFailure: false }).catch((error: unknown) => {
      const cause = error instanceof Error && error.cause instanceof Error ? `\n${error.cause.message}` : '';
      t.fail(`money model failed (MONEY_MODEL_SEED=${SEED}, runner ${k}: seed ${SEED + k}): ${error instanceof Error ? error.message : String(error)}${cause}`);
    });
  };
  await Promise.all(Array.from({ length: RUNNERS }, (_, k) => runner(k)));

  t.comment(`recoveries recorded: ${seen.recoveries} (${seen.laterYear} in a year after the award's, ${seen.retried} requests retried)`);
  t.ok(runs >= Math.min(RUNS, 100), `${runs} sequences run (${stores} event stores, ${((Date.now() - started) / 1000).toFixed(1)} s; at most ${RUNS} in ${SECONDS} s)`);
});
