/**
 * The whole money path against a reference model: random sequences of every command that
 * touches money (budget, assessment, approvals, rejection, appeals with each outcome, advances,
 * advances paid through payment runs and camt.053 statements and returned by the bank,
 * schedules, disbursements early and on time, failures and retries, recoveries, withdrawal,
 * reopening, closure) on three claims sharing the fund years of a sequence (budgets of the
 * current and the next year allocated as it goes, or not), run through the command service's
 * HTTP API on the embedded event store. After every step each year's ledger is checked against
 * a model written here, independently of the domain's own funding rule:
 *   - for each claim and year, committed - released = paid + still owed in that year: an
 *     instalment in the year it falls due in, advances and what is not scheduled in the award's
 *     year (the year of its first commitment);
 *   - paid out in each year's ledger = paid on the claim in that year, payment by payment: every
 *     payment in exactly one year's ledger, at most once;
 *   - every ledger never negative nor over what its budget and recoveries allow; a schedule
 *     whose later year's budget is missing or spent is refused (and changes nothing);
 *   - each recovery credited exactly once, in the ledger of the year it was received (the clock
 *     runs on, so a sequence crosses into later years), a retried request included; never more
 *     recovered than paid;
 *   - a refused command changed nothing in any stream;
 *   - a closed claim has nothing committed and unpaid;
 *   - every schedule's instalments add up to the net award less the advances approved;
 *   - each instalment is disbursed on the claim exactly when the model has it paid.
 * Instalments are paid as the fund pays them: through payment runs (prepared by one finance
 * officer, released by another) that the bank then books, returns after booking, or rejects
 * before booking (each a camt.053 statement), as well as by hand.
 * Seeded (MONEY_MODEL_SEED); MONEY_MODEL_RUNS sequences (default 2,000), none started after
 * MONEY_MODEL_SECONDS (default 300) so that a loaded machine stays inside tap's time limit (the
 * number run is printed). A failure prints the seed and the shortest sequence that shows it
 * (fast-check shrinks it).
 */
import t from 'tap';
import fc from 'fast-check';
import { BACKWARDS, END, type EventStoreDBClient } from '@eventstore/db-client';
import { available, tiedOf, type LedgerState } from '@cfund/domain';
import { RSD, camt053, startService, tokens, type Harness, type Tokens } from './helpers.ts';

const RUNS = Number(process.env.MONEY_MODEL_RUNS ?? 2_000);
/** No new sequence starts after this (a loaded machine runs fewer; the count is printed). */
const SECONDS = Number(process.env.MONEY_MODEL_SECONDS ?? 300);
const SEED = Number(process.env.MONEY_MODEL_SEED ?? Date.now() % 2 ** 31);
const CLAIMS = 3;
const START_BUDGET = 100_000_000;
/** The fund years a sequence has to itself: its clock runs into year + 2, a schedule of then into year + 3. */
const YEARS_PER_SEQUENCE = 4;
/** Sequences a harness can give their own fund years (up to the year 2200 events allow); then a new event store. */
const SEQUENCES_PER_STORE = 40;

// ---- the actions ----------------------------------------------------------------------------

type Action =
  | { kind: 'allocate'; amount: number; nextYear: boolean }
  | { kind: 'assess'; claim: number; amount: number }
  | { kind: 'approve'; claim: number; approver: 1 | 2 }
  | { kind: 'reject'; claim: number; approver: 1 | 2 }
  | { kind: 'notify'; claim: number }
  | { kind: 'appeal'; claim: number }
  | { kind: 'decideAppeal'; claim: number; approver: 1 | 2; outcome: 'upheld' | 'increased' | 'reduced' | 'remitted'; amount: number }
  | { kind: 'advance'; claim: number; amount: number }
  | { kind: 'payAdvance'; claim: number; n: number }
  /** Paid through a payment run released by a second officer, booked by a bank statement. */
  | { kind: 'runAdvance'; claim: number; n: number }
  /** The bank returns an advance a run paid (a statement's return, reason AC04). */
  | { kind: 'returnAdvance'; claim: number; n: number }
  | { kind: 'schedule'; claim: number; instalments: number; dueInDays: number }
  | { kind: 'disburse'; claim: number; n: number; early: boolean }
  /** Into a payment run prepared by one finance officer and released by another: at the bank, not yet paid. */
  | { kind: 'runInstalment'; claim: number; n: number }
  /** A statement books an instalment a released run sent, or returns it (before its booking: rejected; after: returned). */
  | { kind: 'bankInstalment'; claim: number; n: number; outcome: 'book' | 'return' }
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
/** Mostly the first instalment: the one due soonest, so that runs and the bank's actions meet it. */
const instalment = fc.constantFrom(1, 1, 1, 2, 3);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('allocate' as const), amount: fc.constantFrom(30_000_000, 100_000_000), nextYear: fc.boolean() }),
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
  fc.record({ kind: fc.constant('runAdvance' as const), claim, n: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('runAdvance' as const), claim, n: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('returnAdvance' as const), claim, n: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('returnAdvance' as const), claim, n: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('schedule' as const), claim, instalments: fc.integer({ min: 1, max: 3 }), dueInDays: fc.constantFrom(0, 10) }),
  fc.record({ kind: fc.constant('schedule' as const), claim, instalments: fc.integer({ min: 2, max: 3 }), dueInDays: fc.constantFrom(10, 45) }),
  fc.record({ kind: fc.constant('disburse' as const), claim, n: fc.integer({ min: 1, max: 3 }), early: fc.boolean() }),
  fc.record({ kind: fc.constant('runInstalment' as const), claim, n: instalment }),
  fc.record({ kind: fc.constant('runInstalment' as const), claim, n: instalment }),
  fc.record({ kind: fc.constant('bankInstalment' as const), claim, n: instalment, outcome: fc.constant('book' as const) }),
  fc.record({ kind: fc.constant('bankInstalment' as const), claim, n: instalment, outcome: fc.constant('book' as const) }),
  fc.record({ kind: fc.constant('bankInstalment' as const), claim, n: instalment, outcome: fc.constant('return' as const) }),
  fc.record({ kind: fc.constant('bankInstalment' as const), claim, n: instalment, outcome: fc.constant('return' as const) }),
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
const notifiedFirst = (c: number): Action[] => [{ kind: 'assess', claim: c, amount: 20_000_000 }, { kind: 'approve', claim: c, approver: 1 }, { kind: 'notify', claim: c }];
const paidFirst = (c: number): Action[] => [
  ...notifiedFirst(c), { kind: 'wait', days: 20 }, { kind: 'schedule', claim: c, instalments: 1, dueInDays: 0 }, { kind: 'disburse', claim: c, n: 1, early: true },
];
/**
 * How a claim starts a sequence: filed (the actions take it on), paid an award, served an award
 * (schedules of any length then follow), scheduled in three monthly instalments (from late
 * November: into the next year, whose budget may be missing or spent), paid an advance through
 * a payment run (which the bank may return, then or later), or an instalment sent by a released
 * run to the bank (booked, returned or rejected by the actions that follow, or never).
 */
const startArb = fc.constantFrom(
  'filed' as const, 'paid' as const, 'notified' as const, 'scheduled' as const, 'advanced' as const, 'returned' as const,
  'atBank' as const, 'runBooked' as const, 'runReturned' as const, 'runRejected' as const, 'advancedScheduled' as const,
);
const sentFirst = (c: number): Action[] => [...notifiedFirst(c), { kind: 'wait', days: 20 }, { kind: 'schedule', claim: c, instalments: 2, dueInDays: 0 }, { kind: 'runInstalment', claim: c, n: 1 }];
const bank = (c: number, outcome: 'book' | 'return'): Action => ({ kind: 'bankInstalment', claim: c, n: 1, outcome });
const startOf = {
  filed: (): Action[] => [], paid: paidFirst, notified: notifiedFirst,
  atBank: sentFirst,
  runBooked: (c: number): Action[] => [...sentFirst(c), bank(c, 'book')],
  runReturned: (c: number): Action[] => [...sentFirst(c), bank(c, 'book'), bank(c, 'return')],
  runRejected: (c: number): Action[] => [...sentFirst(c), bank(c, 'return')],
  /** An advance before the award: the schedule pays the award less it. */
  advancedScheduled: (c: number): Action[] => [
    { kind: 'advance', claim: c, amount: 2_000_000 }, ...notifiedFirst(c), { kind: 'wait', days: 20 }, { kind: 'schedule', claim: c, instalments: 3, dueInDays: 0 },
  ],
  advanced: (c: number): Action[] => [{ kind: 'advance', claim: c, amount: 10_000_000 }, { kind: 'runAdvance', claim: c, n: 1 }],
  returned: (c: number): Action[] => [{ kind: 'advance', claim: c, amount: 10_000_000 }, { kind: 'runAdvance', claim: c, n: 1 }, { kind: 'returnAdvance', claim: c, n: 1 }],
  scheduled: (c: number): Action[] => [...notifiedFirst(c), { kind: 'schedule', claim: c, instalments: 3, dueInDays: 10 }],
};
/**
 * Sequences start in January or late in the year (so that the clock, and schedules, run into the
 * next fund year), with or without a budget for the next year from the start.
 */
interface Sequence { starts: string; nextYearBudget: boolean; actions: Action[] }
const sequenceArb: fc.Arbitrary<Sequence> = fc.tuple(
  fc.constantFrom('01-15', '11-20'), fc.boolean(), fc.array(startArb, { minLength: CLAIMS, maxLength: CLAIMS }), fc.array(actionArb, { minLength: 1, maxLength: 40 }),
).map(([starts, nextYearBudget, claimStarts, actions]) => ({ starts, nextYearBudget, actions: [...claimStarts.flatMap((k, c) => startOf[k](c)), ...actions] }));

// ---- the reference model: what the fund has decided to pay, and has paid -------------------------

interface ModelPayment { amount: number; paid: boolean }
/** An instalment and the year of its due date. */
interface ModelInstalment extends ModelPayment { dueYear: number }
interface ModelClaim {
  /** The year of the claim's first commitment (an advance, the award, an award granted on appeal). */
  fundYear?: number;
  award?: number;
  rejected: boolean;
  ended: boolean;
  advances: ModelPayment[];
  instalments: ModelInstalment[];
  /** Recovered from the offender, in order, with the year received. */
  recoveries: { amount: number; year: number }[];
}

/** How often the sequences reached what recoveries and schedules over years test (a run that never gets there shows nothing). */
const seen = {
  recoveries: 0, laterYear: 0, retried: 0, spread: 0, refusedLaterYear: 0, advancesRunPaid: 0, advancesReturned: 0,
  instalmentsSent: 0, instalmentsBooked: 0, instalmentsReturned: 0, instalmentsRejected: 0,
};
const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);
const paidOf = (c: ModelClaim): number => [...c.advances, ...c.instalments].filter((p) => p.paid).reduce((a, p) => a + p.amount, 0);
/** What the ledger must hold committed and not released for the claim. */
function expectedTied(c: ModelClaim): number {
  const paid = paidOf(c);
  if (c.ended || c.rejected) return paid;
  if (c.award !== undefined) return Math.max(c.award, paid);
  return paid + c.advances.filter((a) => !a.paid).reduce((a, p) => a + p.amount, 0);
}

/** What one year's ledger must hold for a claim. */
interface ModelYear { tied: number; paid: number; instalments: number[]; advances: number[] }

/**
 * The claim's money by fund year: each instalment in the year it falls due in (never before the
 * fund year), paid or owed there; paid advances and whatever else is owed in the fund year.
 */
function expectedYears(m: ModelClaim): Map<number, ModelYear> {
  const years = new Map<number, ModelYear>();
  const fundYear = m.fundYear;
  if (fundYear === undefined) return years;
  const at = (y: number): ModelYear => {
    if (!years.has(y)) years.set(y, { tied: 0, paid: 0, instalments: [], advances: [] });
    return years.get(y)!;
  };
  const home = at(fundYear);
  m.advances.forEach((a, n) => { if (a.paid) { home.paid += a.amount; home.advances.push(n + 1); } });
  m.instalments.forEach((p, n) => { if (p.paid) { at(Math.max(fundYear, p.dueYear)).paid += p.amount; at(Math.max(fundYear, p.dueYear)).instalments.push(n + 1); } });
  const owed = expectedTied(m) - paidOf(m);
  let later = 0;
  if (owed > 0) {
    for (const p of m.instalments) {
      const y = Math.max(fundYear, p.dueYear);
      if (!p.paid && y !== fundYear) { at(y).tied += p.amount; later += p.amount; }
    }
  }
  home.tied = owed - later;
  for (const y of years.values()) y.tied += y.paid;
  return years;
}

/** Updates the model from the events an accepted command wrote (the model decides what they mean for money). */
function apply(m: ModelClaim, events: string[], action: Action, state: { netAward?: number; instalments: { amount: number; dueOn: string }[]; today: string }): void {
  const thisYear = Number(state.today.slice(0, 4));
  for (const e of events) {
    switch (e) {
      case 'AwardApproved': m.award = state.netAward; m.rejected = false; m.fundYear ??= thisYear; break;
      case 'AwardRejected': m.rejected = true; break;
      case 'AppealDecided':
        if (action.kind === 'decideAppeal' && (action.outcome === 'increased' || action.outcome === 'reduced')) { m.award = action.amount; m.rejected = false; m.fundYear ??= thisYear; }
        if (action.kind === 'decideAppeal' && action.outcome === 'remitted') { m.award = undefined; m.rejected = false; }
        break;
      case 'AdvancePaymentApproved': if (action.kind === 'advance') m.advances.push({ amount: action.amount, paid: false }); m.fundYear ??= thisYear; break;
      case 'AdvanceDisbursed':
        if (action.kind === 'payAdvance' || action.kind === 'runAdvance') m.advances[action.n - 1]!.paid = true;
        if (action.kind === 'runAdvance') seen.advancesRunPaid += 1;
        break;
      // Returned by the bank: unpaid, and owed again (the money stays committed unless the claim ended).
      case 'AdvanceFailed': if (action.kind === 'returnAdvance') { m.advances[action.n - 1]!.paid = false; seen.advancesReturned += 1; } break;
      case 'PayoutScheduled': {
        m.instalments = state.instalments.map((i) => ({ amount: i.amount, paid: false, dueYear: Number(i.dueOn.slice(0, 4)) }));
        // What a schedule pays: the net award less every advance approved (paid or still to pay).
        const payable = (m.award ?? 0) - sum(m.advances.map((a) => a.amount));
        if (sum(m.instalments.map((i) => i.amount)) !== payable) {
          throw new Error(`the instalments ${JSON.stringify(m.instalments.map((i) => i.amount))} do not add up to the award ${m.award} less the advances ${sum(m.advances.map((a) => a.amount))}`);
        }
        if (m.instalments.some((i) => i.dueYear !== m.fundYear)) seen.spread += 1;
        break;
      }
      case 'PayoutDisbursed': if (action.kind === 'disburse' || action.kind === 'bankInstalment') m.instalments[action.n - 1]!.paid = true; break;
      // Failed by hand, returned by the bank after its booking, or rejected before it: unpaid, owed again.
      case 'PayoutFailed': if (action.kind === 'fail' || action.kind === 'bankInstalment') m.instalments[action.n - 1]!.paid = false; break;
      case 'RecoveryFromOffenderRecorded':
        if (action.kind === 'recover') {
          m.recoveries.push({ amount: action.amount, year: Number(state.today.slice(0, 4)) });
          seen.recoveries += 1;
          if (action.retried) seen.retried += 1;
          if (m.recoveries.at(-1)!.year !== m.fundYear) seen.laterYear += 1;
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

async function runSequence(world: World, year: number, { starts, nextYearBudget, actions }: Sequence): Promise<void> {
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
    // A payee in force from the start (set before any approval: no confirmation), so that runs can pay.
    await must(`/claims/${id}/payee`, tk.lawyer, { kind: 'victim', payee: { name: 'Model Victim', iban: 'RS35 9085 0010 3195 8472 62' } });
    ids.push(id);
  }
  const models: ModelClaim[] = ids.map(() => ({ rejected: false, ended: false, advances: [], instalments: [], recoveries: [] }));
  // A budget to start with (room for about two awards), and maybe the next year's; more may come from the actions.
  const allocated = new Map<number, number>();
  for (const y of nextYearBudget ? [year, year + 1] : [year]) {
    await must(`/funds/RS/${y}/budget`, tk.admin, { amount: RSD(START_BUDGET) });
    allocated.set(y, START_BUDGET);
  }
  const allocatingIn = (a: { nextYear: boolean }): number => Number(day().slice(0, 4)) + (a.nextYear ? 1 : 0);
  const service = h.app.commandService;
  const finance2 = await h.token('finance-2', ['fund-finance']);
  /** The end-to-end id of each advance a run paid and the bank has not returned, by `claim/advance`. */
  const paidByRun = new Map<string, string>();
  /** Instalments a released run sent to the bank, by `claim/instalment`: the end-to-end id, and whether a statement booked it. */
  const instalmentsAtBank = new Map<string, { e2e: string; amount: number; booked: boolean }>();
  let statements = 0;
  const importStatement = async (lines: Parameters<typeof camt053>[1]) => {
    statements += 1;
    const r = await h.app.inject({ method: 'POST', url: '/bank-statements', payload: camt053(`${year}-${statements}-${Math.random()}`, lines), headers: { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' } });
    if (r.statusCode !== 201) throw new Error(`statement: ${r.statusCode} ${r.body}`);
    return r.json<{ counts: { paid: number; returned: number } }>().counts;
  };
  /** A claim command's answer, for what a run and a statement did to the claim. */
  const answered = (events: string[]) => ({ statusCode: 200, body: '', json: <T>() => ({ events }) as T });

  /** The bank acts on what it has: the instalment asked for if the claim has it at the bank, else the claim's first there. */
  const atBank = (a: Action): Action => {
    if (a.kind !== 'bankInstalment' || instalmentsAtBank.has(`${a.claim}/${a.n}`)) return a;
    const key = [...instalmentsAtBank.keys()].find((k) => k.startsWith(`${a.claim}/`));
    return key ? { ...a, n: Number(key.split('/')[1]) } : a;
  };
  for (const [step, generated] of actions.entries()) {
    const action = atBank(generated);
    const where = `step ${step} ${JSON.stringify(action)}`;
    const before = await lastPosition(h.env.eventStore);
    const r = await execute(action);
    if (r === undefined) continue;
    if (r.statusCode >= 500) throw new Error(`${where}: ${r.statusCode} ${r.body}`);
    if (r.statusCode >= 400) {
      const after = await lastPosition(h.env.eventStore);
      if (after !== before) throw new Error(`${where}: refused (${r.body}) yet the store changed: ${before} -> ${after}`);
      const refusedIn = action.kind === 'schedule' && /no-budget|budget-exceeded/.test(r.body) ? /(?:RS |left for )(\d{4})/.exec(r.body)?.[1] : undefined;
      if (action.kind === 'schedule' && refusedIn !== undefined && Number(refusedIn) !== models[action.claim]!.fundYear) seen.refusedLaterYear += 1;
    } else if (action.kind === 'allocate') {
      const y = allocatingIn(action);
      allocated.set(y, (allocated.get(y) ?? 0) + action.amount);
    } else if ('claim' in action) {
      const { state } = await service.loadClaim(ids[action.claim]!);
      apply(models[action.claim]!, r.json<{ events: string[] }>().events, action, {
        ...(state.fund.netAward ? { netAward: state.fund.netAward.amountMinor } : {}),
        instalments: state.fund.instalments.map((i) => ({ amount: i.amount.amountMinor, dueOn: i.dueOn })), today: day(),
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
      case 'allocate': return post(`/funds/RS/${allocatingIn(a)}/budget`, tk.admin, { amount: RSD(a.amount) });
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
      case 'runAdvance': {
        const prepared = await post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: day(3), payments: [{ claimId: id, advance: a.n }] });
        if (prepared.statusCode !== 201) return prepared;
        const { runId } = prepared.json<{ runId: string }>();
        const released = await post(`/payment-runs/${runId}/release`, finance2, {});
        if (released.statusCode !== 200) throw new Error(`release: ${released.statusCode} ${released.body}`);
        const e2e = (await service.loadClaim(id)).state.fund.queued[`advance-${a.n}`]?.endToEndId;
        if (!e2e) throw new Error('a released run\'s advance is not queued on its claim');
        const amount = (await service.loadClaim(id)).state.fund.advances[a.n - 1]!.amount.amountMinor;
        const counts = await importStatement([{ e2e, amount: (amount / 100).toFixed(2), ref: `BK-${runId.slice(0, 8)}` }]);
        if (counts.paid !== 1) return answered([]);
        paidByRun.set(`${a.claim}/${a.n}`, e2e);
        return answered(['AdvanceDisbursed']);
      }
      case 'returnAdvance': {
        const e2e = paidByRun.get(`${a.claim}/${a.n}`);
        if (!e2e) return undefined; // no run paid it: nothing for the bank to return
        const amount = (await service.loadClaim(id)).state.fund.advances[a.n - 1]!.amount.amountMinor;
        const counts = await importStatement([{ e2e, amount: (amount / 100).toFixed(2), dir: 'CRDT', ref: `BK-R-${e2e.slice(0, 8)}`, returnCode: 'AC04' }]);
        paidByRun.delete(`${a.claim}/${a.n}`);
        if (counts.returned !== 1) throw new Error(`the bank's return of ${e2e} was not recorded: ${JSON.stringify(counts)}`);
        return answered(['AdvanceFailed']);
      }
      case 'runInstalment': {
        const prepared = await post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: day(3), payments: [{ claimId: id, instalment: a.n }] });
        if (prepared.statusCode !== 201) return prepared;
        const { runId } = prepared.json<{ runId: string }>();
        const released = await post(`/payment-runs/${runId}/release`, finance2, {});
        if (released.statusCode !== 200) throw new Error(`release: ${released.statusCode} ${released.body}`);
        const { state } = await service.loadClaim(id);
        const e2e = state.fund.queued[`instalment-${a.n}`]?.endToEndId;
        if (!e2e) throw new Error('a released run\'s instalment is not queued on its claim');
        instalmentsAtBank.set(`${a.claim}/${a.n}`, { e2e, amount: state.fund.instalments[a.n - 1]!.amount.amountMinor, booked: false });
        seen.instalmentsSent += 1;
        return answered(['PaymentQueued']);
      }
      case 'bankInstalment': {
        const sent = instalmentsAtBank.get(`${a.claim}/${a.n}`);
        if (!sent || (a.outcome === 'book' && sent.booked)) return undefined; // nothing at the bank to book, or booked already
        const amount = (sent.amount / 100).toFixed(2);
        const ref = `BK-${a.outcome}-${sent.e2e.slice(0, 8)}`;
        if (a.outcome === 'book') {
          const counts = await importStatement([{ e2e: sent.e2e, amount, ref }]);
          if (counts.paid !== 1) throw new Error(`the bank's booking of ${sent.e2e} was not recorded: ${JSON.stringify(counts)}`);
          sent.booked = true;
          seen.instalmentsBooked += 1;
          return answered(['PayoutDisbursed']);
        }
        const counts = await importStatement([{ e2e: sent.e2e, amount, dir: 'CRDT', ref, returnCode: 'AC04' }]);
        if (counts.returned !== 1) throw new Error(`the bank's return of ${sent.e2e} was not recorded: ${JSON.stringify(counts)}`);
        instalmentsAtBank.delete(`${a.claim}/${a.n}`);
        if (sent.booked) seen.instalmentsReturned += 1;
        else seen.instalmentsRejected += 1;
        return answered(sent.booked ? ['PayoutFailed'] : ['PaymentUnqueued', 'PayoutFailed']);
      }
      case 'schedule': return post(`/claims/${id}/payout-schedule`, tk.finance, { instalments: a.instalments, firstDueOn: day(a.dueInDays), intervalMonths: 1 });
      case 'disburse': return post(`/claims/${id}/payouts/${a.n}/disbursement`, tk.finance, { paymentReference: `PAY-${a.n}`, ...(a.early ? { earlyPayment: true } : {}) });
      case 'fail': {
        const failed = await post(`/claims/${id}/payouts/${a.n}/failure`, tk.finance, { reason: 'the bank returned it' });
        // Recorded by hand: the bank's own return of it later brings no money back a second time
        // (the statement leaves it unmatched, for a person), so nothing of it is at the bank any more.
        if (failed.statusCode === 200) instalmentsAtBank.delete(`${a.claim}/${a.n}`);
        return failed;
      }
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
    // Every year the sequence's money can reach: its clock runs to year + 2, a schedule made then into year + 3.
    const years = Array.from({ length: YEARS_PER_SEQUENCE }, (_, i) => year + i);
    const ledgers = new Map<number, LedgerState>();
    for (const y of years) ledgers.set(y, await service.loadLedger('RS', y));
    const fail = (what: string): never => { throw new Error(`${where}: ${what}\nmodel: ${JSON.stringify(models)}\nledgers: ${JSON.stringify([...ledgers])}`); };
    const expected = models.map(expectedYears);
    for (const [i, m] of models.entries()) {
      for (const [y, e] of expected[i]!) if (e.tied < e.paid) fail(`claim ${i}: the model owes ${e.tied - e.paid} in ${y}`);
      const unknown = [...expected[i]!.keys()].filter((y) => !ledgers.has(y));
      if (unknown.length > 0) fail(`claim ${i}: money in ${unknown.join(', ')}, beyond the sequence's years`);
      if (m.ended && [...ledgers.values()].some((l) => { const f = l.claims[ids[i]!]; return f !== undefined && tiedOf(f) !== f.disbursed; })) {
        fail(`claim ${i} ended with money committed and unpaid`);
      }
    }
    for (const [y, l] of ledgers) {
      if (l.allocated !== (allocated.get(y) ?? 0)) fail(`${y}: allocated ${l.allocated}, model ${allocated.get(y) ?? 0}`);
      if (available(l) < 0) fail(`${y}: over-committed: available ${available(l)}`);
      let ours = 0;
      for (const [i, id] of ids.entries()) {
        const m = models[i]!;
        const e = expected[i]!.get(y) ?? { tied: 0, paid: 0, instalments: [], advances: [] };
        const f = l.claims[id];
        if (tiedOf(f) !== e.tied) fail(`claim ${i}: committed - released = ${tiedOf(f)} in ${y}, model ${e.tied}`);
        if ((f?.disbursed ?? 0) !== e.paid) fail(`claim ${i}: disbursed ${f?.disbursed ?? 0} in ${y}, paid ${e.paid}`);
        if (f && (f.disbursed < 0 || f.committed - f.released < f.disbursed)) fail(`claim ${i}: negative in ${y}`);
        if (JSON.stringify([...(f?.instalments ?? [])].sort()) !== JSON.stringify(e.instalments)) fail(`claim ${i}: instalments paid in ${y} ${JSON.stringify(f?.instalments)}, model ${JSON.stringify(e.instalments)}`);
        if (JSON.stringify([...(f?.advances ?? [])].sort()) !== JSON.stringify(e.advances)) fail(`claim ${i}: advances paid in ${y} ${JSON.stringify(f?.advances)}, model ${JSON.stringify(e.advances)}`);
        // Recoveries, in the year each was received.
        const numbers = m.recoveries.flatMap((x, n) => (x.year === y ? [n + 1] : []));
        const amount = sum(m.recoveries.filter((x) => x.year === y).map((x) => x.amount));
        if ((f?.recovered ?? 0) !== amount) fail(`claim ${i}: credited ${f?.recovered ?? 0} in ${y}, model ${amount}`);
        if (JSON.stringify(f?.recoveries ?? []) !== JSON.stringify(numbers)) fail(`claim ${i}: recoveries credited in ${y} ${JSON.stringify(f?.recoveries)}, model ${JSON.stringify(numbers)}`);
        ours += amount;
      }
      if (l.recovered !== ours) fail(`${y}: recovered ${l.recovered}, the claims' ${ours}`);
    }
    // Every payment in exactly one year's ledger.
    for (const [i, id] of ids.entries()) {
      const keys = [...ledgers.values()].flatMap((l) => [...(l.claims[id]?.instalments ?? []).map((n) => `i${n}`), ...(l.claims[id]?.advances ?? []).map((n) => `a${n}`)]);
      if (new Set(keys).size !== keys.length) fail(`claim ${i}: a payment recorded in two years: ${keys.join(', ')}`);
    }
    // The claim itself: an instalment is disbursed exactly when the model has it paid.
    for (const [i, id] of ids.entries()) {
      const statuses = (await service.loadClaim(id)).state.fund.instalments.map((x) => x.status);
      const paid = models[i]!.instalments.map((x) => x.paid);
      if (statuses.length !== paid.length || statuses.some((st, n) => (st === 'disbursed') !== paid[n])) fail(`claim ${i}: instalments ${JSON.stringify(statuses)} on the claim, paid in the model ${JSON.stringify(paid)}`);
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
      if (!world || used === SEQUENCES_PER_STORE) {
        const clock = { now: new Date() };
        const h = await startService(t, { now: () => clock.now });
        harnesses.push(h);
        stores += 1;
        world = { h, tk: await tokens(h), clock };
        used = 0;
      }
      used += 1;
      return { world, year: 2030 + YEARS_PER_SEQUENCE * used };
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
  t.comment(`schedules over more than one fund year: ${seen.spread}; schedules refused for a later year's budget: ${seen.refusedLaterYear}`);
  t.comment(`advances paid through runs: ${seen.advancesRunPaid}; returned by the bank: ${seen.advancesReturned}`);
  t.comment(`instalments sent by released runs: ${seen.instalmentsSent}; booked: ${seen.instalmentsBooked}; returned after booking: ${seen.instalmentsReturned}; rejected before: ${seen.instalmentsRejected}`);
  if (runs >= 100) {
    t.ok(seen.instalmentsBooked > 0 && seen.instalmentsReturned > 0 && seen.instalmentsRejected > 0, 'the sequences booked, returned and rejected instalments paid through runs');
  }
  t.ok(runs >= Math.min(RUNS, 100), `${runs} sequences run (${stores} event stores, ${((Date.now() - started) / 1000).toFixed(1)} s; at most ${RUNS} in ${SECONDS} s)`);
});
