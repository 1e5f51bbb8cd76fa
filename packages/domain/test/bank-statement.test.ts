import t from 'tap';
import fc from 'fast-check';
import type { Actor, ClaimEvent, Money, PaymentRunItem } from '@cfund/contracts';
import {
  StatementFormatError, claimFunding, decide, decideBankStatement, evolve, evolveBankStatement, initialBankStatementState, initialState,
  matchStatementEntry, parseCamt053, payableAdvances, runPaymentEndToEndId, runPaymentOf, statementComplete,
  type ClaimCommand, type ClaimState, type PaymentRunState, type StatementEntryLine,
} from '@cfund/domain';
import { errorCode as codeOf } from './helpers.ts';

// Bank statements: end-to-end ids, the camt.053 reader, matching, and what a claim records of the
// bank's bookings and returns (given / when / then).

const claimId = '3f1c2a9e-8b7d-4c6e-9a5b-1d2e3f4a5b6c';
const RUN = '0b6f3a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const at = '2026-06-11T10:00:00.000Z';
const RSD = (minor: number): Money => ({ amountMinor: minor, currency: 'RSD' });
const data = <T extends Record<string, unknown>>(d: T) => ({ schemaVersion: 1 as const, claimId, ...d });
const sealed = { alg: 'AES-256-GCM' as const, keyId: 'k-1', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' };
const finance: Actor = { sub: 'finance-1', roles: ['fund-finance'] };
const E2E = runPaymentEndToEndId(RUN, 0);

const queuedClaim: ClaimEvent[] = [
  { type: 'ClaimFiled', data: data({
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-10T09:00:00.000Z', publicReference: 'RS-2026-0001',
    applicantRole: 'direct', victimRef: 'vic-1', personalData: sealed, formOfExploitation: 'labour', incidentOn: '2024-05-01', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(300) }],
  }) },
  { type: 'AwardApprovalGiven', data: data({ approver: 'approver-1', netAward: RSD(300), approvalNumber: 1 }) },
  { type: 'AwardApproved', data: data({ netAward: RSD(300), approvers: ['approver-1'], fundYear: 2026 }) },
  { type: 'DecisionNotified', data: data({ servedAt: '2026-04-01T08:00:00.000Z', appealDeadline: '2026-04-16' }) },
  { type: 'PayoutScheduled', data: { ...data({ instalments: [1, 2, 3].map((n) => ({ number: n, amount: RSD(100), dueOn: `2026-0${4 + n}-04` })), total: RSD(300) }), schemaVersion: 2, committedByDueYear: true } },
  { type: 'PayeeDetailsSet', data: data({ change: 1, payeeKind: 'victim', maskedAccount: 'RS35 **** 1379', details: sealed, setBy: 'lawyer-1', setAt: at }) },
  { type: 'PaymentQueued', data: data({ runId: RUN, payment: { kind: 'instalment', number: 1 }, amount: RSD(100), endToEndId: E2E }) },
];
const stateOf = (events: ClaimEvent[]): ClaimState => events.reduce(evolve, initialState());
const outcome = { runId: RUN, payment: { kind: 'instalment' as 'instalment' | 'advance', number: 1 }, endToEndId: E2E, amount: RSD(100), bankReference: 'BK-1' };
const booked = (d: Partial<typeof outcome> = {}): ClaimCommand => ({ type: 'RecordBankBooking', actor: finance, at, data: { ...outcome, ...d, releasedBy: 'finance-2' } });
const returned = (d: Partial<typeof outcome> = {}): ClaimCommand => ({ type: 'RecordBankReturn', actor: finance, at, data: { ...outcome, bankReference: 'BK-1R', ...d, returnReason: 'AC04' } });

t.test('an end-to-end id names its run and place, and nothing else reads as one', async (t) => {
  fc.assert(fc.property(fc.uuid(), fc.integer({ min: 0, max: 999_999_998 }), (runId, index) => {
    const id = runPaymentEndToEndId(runId, index);
    return id.length <= 35 && /^[A-Za-z0-9-]+$/.test(id) && JSON.stringify(runPaymentOf(id)) === JSON.stringify({ runId: runId.toLowerCase(), index });
  }), { numRuns: 2000 });
  t.equal(runPaymentOf('R0b6f3a9e1c2d4e5f8a9b-1'), undefined, 'the old form names no run');
  t.equal(runPaymentOf('NOTPROVIDED'), undefined);
  t.equal(runPaymentOf(`${'Z'.repeat(25)}-1`), undefined, 'beyond 128 bits');
});

t.test('given a payment queued in a released run', async (t) => {
  const s = stateOf(queuedClaim);
  t.test('when the bank books it, then it is paid with the bank reference, once', async (t) => {
    const events = decide(booked(), s);
    t.match(events, [{ type: 'PayoutDisbursed', data: { instalment: 1, amount: RSD(100), paymentReference: 'BK-1', disbursedBy: 'finance-2', endToEndId: E2E } }]);
    const paid = evolve(s, events[0]!);
    t.same(paid.fund.queued, {}, 'out of the queue');
    t.same(decide(booked(), paid), [], 'the same booking again: nothing');
    t.equal(codeOf(() => decide(booked({ bankReference: 'BK-2' }), paid)), 'booked-twice');
    t.test('and then returns it, then the instalment failed and can be paid again', async (t) => {
      const back = decide(returned(), paid);
      t.match(back, [{ type: 'PayoutFailed', data: { instalment: 1, endToEndId: E2E, reason: /AC04.*BK-1R/ } }]);
      t.equal((back[0]!.data as { unbooked?: true }).unbooked, undefined, 'a return of a booked payment is not unbooked');
      const failed = evolve(paid, back[0]!);
      t.equal(failed.fund.instalments[0]!.status, 'failed');
      t.same(decide(returned(), failed), [], 'the same return again: nothing');
      t.equal(codeOf(() => decide(booked(), failed)), 'payment-returned', 'a booking after the return is for a person');
    });
  });
  t.test('when the bank rejects it unbooked, then it leaves its run and its payment failed (issue 18), the money still committed', async (t) => {
    const events = decide(returned(), s);
    t.match(events, [
      { type: 'PaymentUnqueued', data: { reason: 'rejected-by-bank', endToEndId: E2E } },
      { type: 'PayoutFailed', data: { instalment: 1, endToEndId: E2E, failedAt: at, reason: /rejected.*AC04.*BK-1R/i, unbooked: true } },
    ]);
    t.equal(events.length, 2);
    const out = events.reduce(evolve, s);
    t.same(out.fund.queued, {});
    t.match(out.fund.instalments[0], { status: 'failed', failure: { reason: /AC04/, failedAt: at } });
    t.match(claimFunding(out), { paid: 0, owed: 300, tied: 300, payments: [] }, 'nothing was paid, so the ledger returns nothing');
    t.same(decide(returned(), out), [], 'the same rejection again: nothing');
    t.equal(codeOf(() => decide(booked(), out)), 'payment-returned', 'a booking after the rejection is for a person');
    const NEXT = '7d2c1b0a-9e8f-4a6b-8c5d-3e2f1a0b9c8d';
    const again = decide({ type: 'QueuePayment', actor: finance, at, data: { runId: NEXT, payment: outcome.payment, executionOn: '2026-06-20', endToEndId: runPaymentEndToEndId(NEXT, 0) } }, out);
    t.match(again, [{ type: 'PaymentQueued', data: { runId: NEXT, amount: RSD(100) } }], 'a new run may pay it');
  });
  t.test('when the amount or the payment differs, then it is refused', async (t) => {
    t.equal(codeOf(() => decide(booked({ amount: RSD(99) }), s)), 'amount-differs');
    t.equal(codeOf(() => decide(booked({ endToEndId: runPaymentEndToEndId(RUN, 5) }), s)), 'not-in-run');
    t.equal(codeOf(() => decide(booked({ payment: { kind: 'instalment', number: 2 } }), s)), 'not-in-run');
    t.equal(codeOf(() => decide(booked({ payment: { kind: 'advance', number: 1 } }), s)), 'not-in-run');
  });
});

t.test('given an advance paid through a run, when the bank returns it', async (t) => {
  const e2e = runPaymentEndToEndId(RUN, 1);
  const s = stateOf([...queuedClaim.slice(0, 1),
    { type: 'AdvancePaymentApproved', data: data({ approvedBy: 'approver-1', amount: RSD(50), reason: 'rent', advance: 1, fundYear: 2026 }) },
    { type: 'PayeeDetailsSet', data: data({ change: 1, payeeKind: 'victim', maskedAccount: 'RS35 **** 1379', details: sealed, setBy: 'lawyer-1', setAt: at }) },
    { type: 'PaymentQueued', data: data({ runId: RUN, payment: { kind: 'advance', number: 1 }, amount: RSD(50), endToEndId: e2e }) }]);
  const adv = { payment: { kind: 'advance' as const, number: 1 }, endToEndId: e2e, amount: RSD(50) };
  const paid = evolve(s, decide(booked(adv), s)[0]!);
  t.equal(paid.fund.advances[0]!.status, 'disbursed');
  t.match(claimFunding(paid), { paid: 50, owed: 0, tied: 50 });
  const back = decide(returned(adv), paid);
  t.match(back, [{ type: 'AdvanceFailed', data: { advance: 1, endToEndId: e2e, reason: /AC04.*BK-1R/ } }]);
  const failed = evolve(paid, back[0]!);

  t.test('then it failed, with the bank\'s reason code kept, and is payable again', async (t) => {
    t.match(failed.fund.advances[0], { status: 'failed', failure: { reason: /AC04/, failedAt: at } });
    t.same(payableAdvances(failed).map((a) => a.number), [1], 'a payment run may pay it again');
    const NEXT = '7d2c1b0a-9e8f-4a6b-8c5d-3e2f1a0b9c8d';
    const again = decide({ type: 'QueuePayment', actor: finance, at, data: { runId: NEXT, payment: adv.payment, executionOn: '2026-06-20', endToEndId: runPaymentEndToEndId(NEXT, 0) } }, failed);
    t.match(again, [{ type: 'PaymentQueued', data: { runId: NEXT, amount: RSD(50) } }], 'queued in a new run');
  });
  t.test('then the ledger\'s rule counts it unpaid and still owed: the money stays committed', async (t) => {
    t.match(claimFunding(failed), { paid: 0, owed: 50, tied: 50, payments: [] });
  });
  t.test('rejected unbooked instead, then it leaves its run and failed, and is payable again', async (t) => {
    const rejected = decide(returned(adv), s);
    t.match(rejected, [
      { type: 'PaymentUnqueued', data: { payment: adv.payment, reason: 'rejected-by-bank', endToEndId: e2e } },
      { type: 'AdvanceFailed', data: { advance: 1, endToEndId: e2e, reason: /rejected.*AC04/i, unbooked: true } },
    ]);
    const out = rejected.reduce(evolve, s);
    t.match(out.fund.advances[0], { status: 'failed' });
    t.same(out.fund.queued, {});
    t.same(payableAdvances(out).map((a) => a.number), [1]);
    t.match(claimFunding(out), { paid: 0, owed: 50, tied: 50 });
  });
  t.test('then the same return again changes nothing, and a later booking of it is for a person', async (t) => {
    t.same(decide(returned(adv), failed), []);
    t.equal(codeOf(() => decide(booked(adv), failed)), 'payment-returned');
  });
  t.test('then once the claim is withdrawn it is no longer payable nor owed', async (t) => {
    const withdrawn = evolve(failed, { type: 'ClaimWithdrawn', data: data({ reason: 'the victim asked', withdrawnAt: at }) });
    t.same(payableAdvances(withdrawn), []);
    t.match(claimFunding(withdrawn), { owed: 0, tied: 0 });
  });
});

const camt = (entries: string, ns = 'camt.053.001.08') => `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:${ns}"><BkToCstmrStmt>`
  + '<GrpHdr><MsgId>M1</MsgId></GrpHdr><Stmt><Id>S1</Id><Acct><Id><IBAN>RS35260005601001611379</IBAN></Id></Acct>' + entries + '</Stmt></BkToCstmrStmt></Document>';

t.test('the camt.053 reader', async (t) => {
  const batch = '<Ntry><Amt Ccy="RSD">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-06-11</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef>'
    + '<NtryDtls><TxDtls><Refs><EndToEndId>E-1</EndToEndId></Refs><Amt Ccy="RSD">1</Amt><RltdPties><Cdtr><Pty><Nm>Secret Name</Nm></Pty></Cdtr></RltdPties></TxDtls>'
    + '<TxDtls><Refs><AcctSvcrRef>B1-2</AcctSvcrRef><EndToEndId>E-2</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="RSD">2.00</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry>';
  const ret = '<Ntry><Amt Ccy="EUR">10.5</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><NtryDtls><TxDtls><Refs><EndToEndId>E-3</EndToEndId></Refs>'
    + '<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>closed</AddtlInf></RtrInf></TxDtls></NtryDtls></Ntry>';
  const pending = '<Ntry><Amt Ccy="RSD">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts></Ntry>';
  const s = parseCamt053(camt(batch + ret + pending));
  t.equal(s.messageId, 'M1');
  t.same(s.statements, [{ id: 'S1', iban: 'RS35260005601001611379' }]);
  t.same(s.entries, [
    { entry: 1, endToEndId: 'E-1', amount: { amountMinor: 100, currency: 'RSD' }, direction: 'debit', booked: true, returned: false, bankReference: 'B1', bookedOn: '2026-06-11' },
    { entry: 2, endToEndId: 'E-2', amount: { amountMinor: 200, currency: 'RSD' }, direction: 'debit', booked: true, returned: false, bankReference: 'B1-2', bookedOn: '2026-06-11' },
    { entry: 3, endToEndId: 'E-3', amount: { amountMinor: 1050, currency: 'EUR' }, direction: 'credit', booked: true, returned: true, returnReason: 'AC04' },
    { entry: 4, amount: { amountMinor: 100, currency: 'RSD' }, direction: 'debit', booked: false, returned: false },
  ], 'batch bookings, both amount places, a return, a pending entry; no name or free text read');
  t.equal(parseCamt053(camt(pending, 'camt.053.001.02')).entries.length, 1, 'version .02');
  for (const [bad, why] of [
    ['<x/>', 'not a statement'], [camt('', 'camt.054.001.08'), 'another message'], ['<!DOCTYPE a><Document/>', 'a DTD'], ['<Document', 'not XML'],
    [camt(pending.replace('1.00', '1.001')), 'too many decimals'], [camt(pending.replace('DBIT', 'X')), 'no direction'],
  ] as const) t.throws(() => parseCamt053(bad), StatementFormatError, why);
});

t.test('matching an entry to a released run', async (t) => {
  const item = { claimId, endToEndId: E2E, amount: RSD(100), payment: { kind: 'instalment', number: 1 } } as PaymentRunItem;
  const run = (status: PaymentRunState['status']): PaymentRunState => ({ status, items: [item], voided: {}, ...(status === 'released' ? { released: { by: 'finance-2' } } : {}) }) as PaymentRunState;
  const line = (l: Partial<StatementEntryLine> = {}): StatementEntryLine => ({ entry: 1, endToEndId: E2E, amount: RSD(100), direction: 'debit', booked: true, returned: false, ...l });
  t.match(matchStatementEntry(line(), () => run('released')), { outcome: 'paid', runId: RUN, releasedBy: 'finance-2' });
  t.match(matchStatementEntry(line({ returned: true, direction: 'credit' }), () => run('released')), { outcome: 'returned' });
  t.match(matchStatementEntry(line({ booked: false }), () => run('released')), { outcome: 'not-booked' });
  t.match(matchStatementEntry(line({ amount: RSD(101) }), () => run('released')), { outcome: 'unmatched', reason: /amount/ });
  t.match(matchStatementEntry(line(), () => run('prepared')), { outcome: 'unmatched', reason: /not released/ });
  t.match(matchStatementEntry(line(), () => run('none')), { outcome: 'unmatched' });
  t.match(matchStatementEntry(line({ endToEndId: runPaymentEndToEndId(RUN, 1) }), () => run('released')), { outcome: 'unmatched' });
  t.match(matchStatementEntry(line({ endToEndId: 'INV-77' }), () => run('released')), { outcome: 'unmatched' });
  t.match(matchStatementEntry(line(), () => ({ ...run('released'), voided: { [E2E]: { by: 'finance-1', at, reason: 'x' } } })), { outcome: 'unmatched', reason: /voided/ }, 'a payment voided before the release');
});

t.test('a statement is recorded one part per decision (one append each), finished after a crash, and its unmatched entries resolved once', async (t) => {
  const entries = Array.from({ length: 1201 }, (_, i) => ({ entry: i + 1, amount: RSD(1), direction: 'debit' as const, outcome: i === 0 ? 'unmatched' as const : 'paid' as const, ...(i === 0 ? { reason: 'why' } : {}) }));
  const cmd = { type: 'RecordBankStatement' as const, actor: finance, at, data: { statementId: 'a'.repeat(64), jurisdiction: 'RS' as const, messageId: 'M', statementIds: ['S'], entries } };
  // A KurrentDB 24.10 node takes at most 1 MiB per append: a statement of 10,000 entries is
  // several appends, each the next part, repeated until the statement is complete.
  const first = decideBankStatement(cmd, initialBankStatementState());
  t.same(first.map((e) => e.type), ['BankStatementImported', 'BankStatementEntriesRecorded'], 'the header and the first part');
  let state = first.reduce(evolveBankStatement, initialBankStatementState());
  t.notOk(statementComplete(state), 'not complete after one part');
  const parts: number[] = [];
  while (!statementComplete(state)) {
    const next = decideBankStatement(cmd, state);
    t.equal(next.length, 1, 'one part per decision');
    const part = next[0]!;
    parts.push(part.type === 'BankStatementEntriesRecorded' ? part.data.part : 0);
    state = next.reduce(evolveBankStatement, state);
  }
  t.same(parts, [2, 3], 'a crash after part 1 (or a decision per append): the next parts, in order');
  const whole = state;
  t.equal(whole.entries.length, 1201);
  t.throws(() => decideBankStatement(cmd, whole), { code: 'already-imported' });
  const resolve = (entry: number) => decideBankStatement({ type: 'ResolveStatementEntry', actor: finance, at, data: { entry, note: 'interest' } }, whole);
  t.equal(resolve(1)[0]!.type, 'BankStatementEntryResolved');
  t.throws(() => resolve(2), { code: 'entry-matched' });
  t.throws(() => resolve(5000), { code: 'no-such-entry' });
  t.throws(() => decideBankStatement({ type: 'ResolveStatementEntry', actor: finance, at, data: { entry: 1, note: 'x' } }, evolveBankStatement(whole, resolve(1)[0]!)), { code: 'already-resolved' });
});
