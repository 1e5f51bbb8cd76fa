import t from 'tap';
import fc from 'fast-check';
import type { Actor, ClaimEvent, Money, PaymentRunEvent, PaymentRunItem } from '@cfund/contracts';
import {
  decide, decidePaymentRun, evolve, evolvePaymentRun, initialPaymentRunState, initialState, isDomainError, matchStatementEntry, paymentsOfRun, releaseConflict,
  runPaymentEndToEndId, type ClaimCommand, type ClaimState, type PaymentRunCommand, type PaymentRunState,
} from '@cfund/domain';
import { errorCode as codeOf } from './helpers.ts';

// ---- a scheduled claim with a payee: three instalments ---------------------------------------
const claimId = '3f1c2a9e-8b7d-4c6e-9a5b-1d2e3f4a5b6c';
const RUN_A = '0b6f3a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const RUN_B = '7d1e2f3a-4b5c-4d6e-9f0a-1b2c3d4e5f6a';
const at = '2026-05-10T10:00:00.000Z';
const RSD = (minor: number): Money => ({ amountMinor: minor, currency: 'RSD' });
const data = <T extends Record<string, unknown>>(d: T) => ({ schemaVersion: 1 as const, claimId, ...d });
const sealed = { alg: 'AES-256-GCM' as const, keyId: 'k-1', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' };
const finance1: Actor = { sub: 'finance-1', roles: ['fund-finance'] };
const finance2: Actor = { sub: 'finance-2', roles: ['fund-finance'] };
const approver: Actor = { sub: 'approver-1', roles: ['fund-finance', 'fund-approver'] };

const scheduledClaim: ClaimEvent[] = [
  { type: 'ClaimFiled', data: data({
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-10T09:00:00.000Z', publicReference: 'RS-2026-0001',
    applicantRole: 'direct', victimRef: 'vic-1', personalData: sealed, formOfExploitation: 'labour', incidentOn: '2024-05-01', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(300) }],
  }) },
  { type: 'AwardApprovalGiven', data: data({ approver: 'approver-1', netAward: RSD(300), approvalNumber: 1 }) },
  { type: 'AwardApproved', data: data({ netAward: RSD(300), approvers: ['approver-1'], fundYear: 2026 }) },
  { type: 'DecisionNotified', data: data({ servedAt: '2026-04-01T08:00:00.000Z', appealDeadline: '2026-04-16' }) },
  { type: 'PayoutScheduled', data: { ...data({ instalments: [1, 2, 3].map((n) => ({ number: n, amount: RSD(100), dueOn: `2026-0${4 + n}-04` })), total: RSD(300) }), schemaVersion: 2, committedByDueYear: true } },
  { type: 'PayeeDetailsSet', data: data({ change: 1, payeeKind: 'victim', maskedAccount: 'RS35 **** 1379', details: sealed, setBy: 'lawyer-1', setAt: at }) },
];
const stateOf = (events: ClaimEvent[]): ClaimState => events.reduce(evolve, initialState());
const queue = (runId: string, n: number, actor = finance1, executionOn = '2026-06-10'): ClaimCommand =>
  ({ type: 'QueuePayment', actor, at, data: { runId, payment: { kind: 'instalment', number: n }, executionOn, endToEndId: `E2E-${runId.slice(0, 4)}-${n}` } });
const unqueue = (runId: string, n: number): ClaimCommand => ({ type: 'UnqueuePayment', actor: finance1, at, data: { runId, payment: { kind: 'instalment', number: n }, reason: 'run-cancelled' } });
const payByHand = (n: number): ClaimCommand => ({ type: 'DisbursePayout', actor: finance2, at, data: { instalment: n, paymentReference: `PAY-${n}`, earlyPayment: true } });

t.test('a payment is queued on its claim: in one run only, not paid by hand, its payee not changed meanwhile', async (t) => {
  const s = stateOf(scheduledClaim);
  const [queued] = decide(queue(RUN_A, 1), s);
  t.same(queued, { type: 'PaymentQueued', data: data({ runId: RUN_A, payment: { kind: 'instalment', number: 1 }, amount: RSD(100), endToEndId: 'E2E-0b6f-1' }) });
  const inRun = evolve(s, queued!);
  t.same(decide(queue(RUN_A, 1), inRun), [], 'queuing it again in the same run is a retry: nothing new');
  t.equal(codeOf(() => decide(queue(RUN_B, 1), inRun)), 'payment-in-run', 'not in a second run');
  t.equal(codeOf(() => decide(payByHand(1), inRun)), 'payment-in-run', 'not paid by hand');
  t.equal(codeOf(() => decide({ type: 'SetPayee', actor: finance1, at, data: { kind: 'guardian', maskedAccount: 'ME25 **** 8951', details: sealed } }, inRun)),
    'payment-in-run', 'no change of payee while a payment is in a run');
  t.same(decide(unqueue(RUN_B, 1), inRun), [], 'another run cannot take it out');
  const out = evolve(inRun, decide(unqueue(RUN_A, 1), inRun)[0]!);
  t.same(out.fund.queued, {}, 'its run takes it out (a cancellation)');
  t.same(decide(queue(RUN_B, 1), out).map((e) => e.type), ['PaymentQueued'], 'then another run may take it');
  t.equal(codeOf(() => decide(queue(RUN_A, 3), s)), 'not-yet-due', 'an instalment due after the execution date');
  t.equal(codeOf(() => decide(queue(RUN_A, 4), s)), 'unknown-instalment');
  t.equal(codeOf(() => decide(queue(RUN_A, 1, approver), s)), 'four-eyes', 'an approver of the award does not put it in a run');
  t.equal(codeOf(() => decide(queue(RUN_A, 1), stateOf(scheduledClaim.slice(0, -1)))), 'no-payee', 'nobody to pay');
  const paid = evolve(out, { type: 'PayoutDisbursed', data: data({ instalment: 2, amount: RSD(100), paymentReference: 'BANK-1', disbursedBy: 'finance-2', disbursedAt: at }) });
  t.equal(codeOf(() => decide(queue(RUN_A, 2), paid)), 'already-disbursed');
});

t.test('model: random queuing, cancelling and paying by hand never puts a payment in two runs nor pays it twice', async (t) => {
  type Step = { op: 'queue' | 'unqueue'; run: 0 | 1; n: 1 | 2 } | { op: 'pay'; n: 1 | 2 };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constantFrom('queue' as const, 'unqueue' as const), run: fc.constantFrom(0 as const, 1 as const), n: fc.constantFrom(1 as const, 2 as const) }),
    fc.record({ op: fc.constant('pay' as const), n: fc.constantFrom(1 as const, 2 as const) }),
  );
  const runs = [RUN_A, RUN_B];
  fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
    let s = stateOf(scheduledClaim);
    const model = { inRun: new Map<number, number>(), paid: new Set<number>() };
    for (const x of steps) {
      const command = x.op === 'pay' ? payByHand(x.n) : x.op === 'queue' ? queue(runs[x.run]!, x.n) : unqueue(runs[x.run]!, x.n);
      let events: ClaimEvent[] | undefined;
      try {
        events = decide(command, s);
      } catch (err) {
        if (!isDomainError(err)) throw err;
      }
      // The reference: what each command should do to a payment in a run, or paid.
      const run = model.inRun.get(x.n);
      if (x.op === 'pay') {
        const ok = run === undefined && !model.paid.has(x.n);
        if (ok !== (events?.length === 1)) return false;
        if (ok) model.paid.add(x.n);
      } else if (x.op === 'queue') {
        const ok = !model.paid.has(x.n) && (run === undefined || run === x.run);
        if (ok !== (events !== undefined)) return false;
        if (ok && run === undefined) model.inRun.set(x.n, x.run);
        if (ok && events!.length !== (run === undefined ? 1 : 0)) return false;
      } else {
        if (events === undefined || events.length !== (run === x.run ? 1 : 0)) return false;
        if (run === x.run) model.inRun.delete(x.n);
      }
      for (const e of events ?? []) s = evolve(s, e);
      const queued = Object.fromEntries([...model.inRun].map(([n, r]) => [`instalment-${n}`, runs[r]]));
      if (JSON.stringify(Object.fromEntries(Object.entries(s.fund.queued).map(([k, v]) => [k, v.runId]))) !== JSON.stringify(queued)) {
        // Key order may differ: compare as sets.
        const got = Object.entries(s.fund.queued).map(([k, v]) => `${k}:${v.runId}`).sort();
        const want = Object.entries(queued).map(([k, v]) => `${k}:${v}`).sort();
        if (got.join() !== want.join()) return false;
      }
    }
    return true;
  }), { numRuns: 500 });
  t.pass('500 random sequences agree with the model');
});

// ---- the run ----------------------------------------------------------------------------------
const item = (n: number, deciders = ['approver-1']): PaymentRunItem => ({
  claimId, publicReference: 'RS-2026-0001', victimRef: 'vic-1', payment: { kind: 'instalment', number: n }, amount: RSD(100),
  endToEndId: `E2E-${n}`, payeeKind: 'victim', maskedAccount: 'RS35 **** 1379', payeeDetails: sealed, deciders,
});
const prepare = (items: PaymentRunItem[], executionOn = '2026-06-10', actor = finance1): PaymentRunCommand =>
  ({ type: 'PreparePaymentRun', actor, at, data: { runId: RUN_A, jurisdiction: 'RS', executionOn, items } });
const DEBTOR = { name: 'Fund', iban: 'RS35260005601001611379', bic: 'AIKBRS22' };
const runOf = (events: PaymentRunEvent[]): PaymentRunState => events.reduce(evolvePaymentRun, initialPaymentRunState());
const release = (actor: Actor, paying = ['E2E-1', 'E2E-2']): PaymentRunCommand =>
  ({ type: 'ReleasePaymentRun', actor, at, data: { messageId: 'MSG-1', debtor: DEBTOR, fileSha256: 'a'.repeat(64), paying } });
const runCode = (command: PaymentRunCommand, s: PaymentRunState) => codeOf(() => decidePaymentRun(command, s));

t.test('a run is prepared by one finance officer and released by another, never by an approver of an award in it', async (t) => {
  const prepared = decidePaymentRun(prepare([item(1), item(2)]), initialPaymentRunState());
  t.match(prepared, [{ type: 'PaymentRunPrepared', data: { runId: RUN_A, preparedBy: 'finance-1', total: RSD(200), currency: 'RSD', executionOn: '2026-06-10' } }]);
  const s = runOf(prepared);
  t.equal(runCode(prepare([item(1)]), s), 'already-prepared');
  t.equal(runCode(prepare([]), initialPaymentRunState()), 'empty-run');
  t.equal(runCode(prepare([item(1), item(1)]), initialPaymentRunState()), 'duplicate-payment');
  t.equal(runCode(prepare([item(1), { ...item(2), amount: { amountMinor: 5, currency: 'EUR' } }]), initialPaymentRunState()), 'mixed-currencies');
  t.equal(runCode(prepare([item(1)], '2026-05-09'), initialPaymentRunState()), 'execution-in-past', 'not before today in Belgrade');
  t.equal(runCode(release(finance1), s), 'four-eyes', 'who prepared it does not release it');
  t.equal(runCode(release({ sub: 'approver-1', roles: ['fund-finance'] }), s), 'four-eyes', 'nor an approver of an award it pays');
  const released = runOf([...prepared, ...decidePaymentRun(release(finance2), s)]);
  t.same(released.released, { by: 'finance-2', at, messageId: 'MSG-1', debtor: DEBTOR, fileSha256: 'a'.repeat(64) });
  t.equal(runCode(release(finance2), released), 'run-released', 'released once');
  t.equal(runCode({ type: 'CancelPaymentRun', actor: finance1, at, data: { reason: 'x' } }, released), 'run-released', 'the bank has it: no cancelling');
  const cancelled = runOf([...prepared, ...decidePaymentRun({ type: 'CancelPaymentRun', actor: finance1, at, data: { reason: 'Wrong date.' } }, s)]);
  t.equal(cancelled.status, 'cancelled');
  t.equal(runCode(release(finance2), cancelled), 'run-cancelled');
  t.equal(runCode(release(finance2), initialPaymentRunState()), 'no-such-run');
});

t.test('the four-eyes rule of a release has one home: the decider refuses whom releaseConflict names, in its words', async (t) => {
  const s = runOf(decidePaymentRun(prepare([item(1), item(2, ['approver-2'])]), initialPaymentRunState()));
  // A read model's facts: who prepared it and the deciders of what it pays (the console reads these off the projection).
  const facts = { preparedBy: s.preparedBy, paying: paymentsOfRun(s) };
  for (const who of ['finance-1', 'approver-1', 'approver-2', 'finance-2']) {
    const conflict = releaseConflict(facts, who);
    let refusal: unknown;
    try {
      decidePaymentRun(release({ sub: who, roles: ['fund-finance'] }), s);
    } catch (e) {
      refusal = e;
    }
    t.same(refusal && { code: (refusal as { code: string }).code, message: (refusal as Error).message }, conflict && { code: conflict.code, message: conflict.message },
      `${who}: ${conflict ? conflict.message : 'may release'}`);
  }
  t.equal(releaseConflict(facts, 'finance-2'), undefined, 'a second finance officer who approved nothing in it may');
  t.match(releaseConflict(facts, 'finance-1'), { code: 'four-eyes', kind: 'authorization', message: /Who prepared a payment run/, details: { rule: 'preparer-releases-run' } });
  t.same(releaseConflict(facts, 'approver-2')?.details, { rule: 'approver-releases-run' }, 'each rule by its name');
  t.equal(releaseConflict({ ...facts, paying: [item(1)] }, 'approver-2'), undefined, 'an approver of a voided payment only may');
});

// ---- voiding a payment before the release ------------------------------------------------------
const voidOf = (n: number, actor = finance1): PaymentRunCommand =>
  ({ type: 'VoidPayment', actor, at, data: { claimId, payment: { kind: 'instalment', number: n }, reason: 'The account is to be confirmed first.' } });

t.test('given a prepared run of two payments', async (t) => {
  const prepared = decidePaymentRun(prepare([item(1), item(2, ['approver-2'])]), initialPaymentRunState());
  const s = runOf(prepared);

  t.test('when one is voided, then the run no longer pays it: its total shrinks, its place and id stay the voided one\'s', async (t) => {
    const events = decidePaymentRun(voidOf(2), s);
    t.same(events, [{ type: 'PaymentVoided', data: {
      schemaVersion: 1, runId: RUN_A, claimId, payment: { kind: 'instalment', number: 2 }, endToEndId: 'E2E-2', amount: RSD(100),
      voidedBy: 'finance-1', voidedAt: at, reason: 'The account is to be confirmed first.', total: RSD(100),
    } }]);
    const voided = runOf([...prepared, ...events]);
    t.same(paymentsOfRun(voided), [item(1)], 'the bank file pays the other one only');
    t.equal(voided.items.length, 2, 'every end-to-end id keeps naming its place');
    t.same(voided.total, RSD(100));
    t.same(decidePaymentRun(voidOf(2), voided), [], 'voiding it again is a retry: nothing new');
    t.equal(runCode(voidOf(1), voided), 'last-payment', 'the last payment is not voided: the run is cancelled instead');
    t.equal(runCode(voidOf(3), voided), 'payment-not-in-run');
    t.equal(runCode({ ...voidOf(1), data: { ...voidOf(1).data, claimId: RUN_B } } as PaymentRunCommand, voided), 'payment-not-in-run', 'another claim\'s instalment 1');
    t.equal(runCode(release(finance2), voided), 'run-changed', 'a release built before the void pays another file: refused');
    t.same(decidePaymentRun(release({ sub: 'approver-2', roles: ['fund-finance'] }, ['E2E-1']), voided).map((e) => e.type), ['PaymentRunReleased'],
      'who approved only the voided payment\'s award may release what the run pays');
    const released = runOf([...prepared, ...events, ...decidePaymentRun(release(finance2, ['E2E-1']), voided)]);
    t.same(paymentsOfRun(released), [item(1)], 'released without it');
  });

  t.test('when the run was released, cancelled, or does not exist, then nothing is voided', async (t) => {
    const released = runOf([...prepared, ...decidePaymentRun(release(finance2), s)]);
    t.equal(runCode(voidOf(2), released), 'run-released', 'the bank has it');
    const cancelled = runOf([...prepared, ...decidePaymentRun({ type: 'CancelPaymentRun', actor: finance1, at, data: { reason: 'Wrong date.' } }, s)]);
    t.equal(runCode(voidOf(2), cancelled), 'run-cancelled');
    t.equal(runCode(voidOf(2), initialPaymentRunState()), 'no-such-run');
  });
});

t.test('given a payment voided from its run, then its claim lets it go, a later run pays it under a new id, and the old id pays nothing', async (t) => {
  const e2eA = runPaymentEndToEndId(RUN_A, 1);
  const inRun = stateOf([...scheduledClaim, { type: 'PaymentQueued', data: data({ runId: RUN_A, payment: { kind: 'instalment', number: 1 }, amount: RSD(100), endToEndId: e2eA }) }]);
  const out = decide({ type: 'UnqueuePayment', actor: finance1, at, data: { runId: RUN_A, payment: { kind: 'instalment', number: 1 }, reason: 'voided' } }, inRun);
  t.same(out, [{ type: 'PaymentUnqueued', data: data({ runId: RUN_A, payment: { kind: 'instalment', number: 1 }, reason: 'voided' }) }]);
  const free = evolve(inRun, out[0]!);
  t.same(free.fund.queued, {}, 'collectable again');
  const e2eB = runPaymentEndToEndId(RUN_B, 0);
  const [requeued] = decide({ ...queue(RUN_B, 1), data: { ...(queue(RUN_B, 1).data as object), endToEndId: e2eB } } as ClaimCommand, free);
  t.match(requeued, { type: 'PaymentQueued', data: { runId: RUN_B, endToEndId: e2eB } });
  t.not(e2eB, e2eA, 'a new end-to-end id');

  // The run as the statement's matching sees it: instalment 2 in place 0, the voided instalment 1 in place 1.
  const prepared = decidePaymentRun(prepare([{ ...item(2), endToEndId: runPaymentEndToEndId(RUN_A, 0) }, { ...item(1), endToEndId: e2eA }]), initialPaymentRunState());
  const voided = runOf([...prepared, ...decidePaymentRun(voidOf(1), runOf(prepared))]);
  const released = runOf([...prepared, ...decidePaymentRun(voidOf(1), runOf(prepared)), ...decidePaymentRun(release(finance2, [runPaymentEndToEndId(RUN_A, 0)]), voided)]);
  const line = { entry: 1, endToEndId: e2eA, amount: { amountMinor: 100, currency: 'RSD' }, direction: 'debit' as const, booked: true, returned: false, bankReference: 'BK-1' };
  t.match(matchStatementEntry(line, () => released), { outcome: 'unmatched', reason: /voided/ }, 'a statement entry of the voided id is listed for a person, never paid');
  t.match(matchStatementEntry({ ...line, endToEndId: runPaymentEndToEndId(RUN_A, 0) }, () => released), { outcome: 'paid' }, 'the payment left in the run is');
});

t.test('model: random voids of a prepared run keep its total the sum of what it still pays, and never empty it', async (t) => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 12 }), (amounts, voids) => {
    const items = amounts.map((a, i) => ({ ...item(i + 1), amount: RSD(a) }));
    let s = runOf(decidePaymentRun(prepare(items), initialPaymentRunState()));
    const left = new Set(items.map((i) => i.payment.number)); // the reference: the numbers still paid
    for (const n of voids) {
      let events: PaymentRunEvent[] | undefined;
      try {
        events = decidePaymentRun(voidOf(n), s);
      } catch (err) {
        if (!isDomainError(err)) throw err;
      }
      const ok = n <= items.length && (!left.has(n) || left.size > 1);
      if (ok !== (events !== undefined)) return false;
      if (events && events.length !== (left.has(n) ? 1 : 0)) return false;
      if (ok) left.delete(n);
      for (const e of events ?? []) s = evolvePaymentRun(s, e);
      const paid = paymentsOfRun(s);
      if (paid.map((i) => i.payment.number).join() !== [...left].sort((a, b) => a - b).join()) return false;
      if (s.total!.amountMinor !== paid.reduce((sum, i) => sum + i.amount.amountMinor, 0) || paid.length === 0) return false;
    }
    return true;
  }), { numRuns: 500 });
  t.pass('500 random sequences of voids agree with the model');
});
