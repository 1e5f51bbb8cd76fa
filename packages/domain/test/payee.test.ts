import t from 'tap';
import type { Actor, ClaimEvent, Money } from '@cfund/contracts';
import { decide, evolve, initialState, isDomainError, type ClaimCommand, type ClaimState } from '@cfund/domain';

// given / when / then over the claim decider, for who the claim's money goes to.
const stateOf = (events: ClaimEvent[]): ClaimState => events.reduce(evolve, initialState());
const when = (events: ClaimEvent[], command: ClaimCommand) => decide(command, stateOf(events));
const refusal = (events: ClaimEvent[], command: ClaimCommand): { code?: string; kind?: string; details?: unknown } => {
  try {
    when(events, command);
  } catch (err) {
    if (isDomainError(err)) return { code: err.code, kind: err.kind, ...(err.code === 'four-eyes' ? { details: err.details } : {}) };
    throw err;
  }
  return {};
};

const claimId = '3f1c2a9e-8b7d-4c6e-9a5b-1d2e3f4a5b6c';
const at = '2026-03-20T10:00:00.000Z';
const RSD = (major: number): Money => ({ amountMinor: major * 100, currency: 'RSD' });
const data = <T extends Record<string, unknown>>(d: T) => ({ schemaVersion: 1 as const, claimId, ...d });
const sealed = { alg: 'AES-256-GCM' as const, keyId: 'k-1', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' };
const lawyer: Actor = { sub: 'lawyer-1', roles: ['lawyer'] };
const finance1: Actor = { sub: 'finance-1', roles: ['fund-finance'] };
const finance2: Actor = { sub: 'finance-2', roles: ['fund-finance'] };
const approverAsFinance: Actor = { sub: 'approver-1', roles: ['fund-finance', 'fund-approver'] };

const filed: ClaimEvent = {
  type: 'ClaimFiled',
  data: data({
    jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-10T09:00:00.000Z',
    publicReference: 'RS-2026-0001', applicantRole: 'direct', victimRef: 'vic-1', personalData: sealed, formOfExploitation: 'labour',
    incidentOn: '2024-05-01', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(100_000) }],
  }),
};
const approvalGiven: ClaimEvent = { type: 'AwardApprovalGiven', data: data({ approver: 'approver-1', netAward: RSD(90_000), approvalNumber: 1 }) };
const advanceApproved: ClaimEvent = { type: 'AdvancePaymentApproved', data: data({ approvedBy: 'approver-1', amount: RSD(10_000), reason: 'rent', advance: 1, fundYear: 2026 }) };

const setPayee = (actor: Actor, masked = 'RS35 **** 1379'): ClaimCommand => ({
  type: 'SetPayee', actor, at, data: { kind: 'victim', maskedAccount: masked, details: sealed },
});
const confirm = (actor: Actor, change: number): ClaimCommand => ({ type: 'ConfirmPayeeChange', actor, at, data: { change } });
const reject = (actor: Actor, change: number): ClaimCommand => ({ type: 'RejectPayeeChange', actor, at, data: { change, reason: 'The bank letter does not match.' } });
const payeeSet = (change: number, by = 'lawyer-1', masked = 'RS35 **** 1379'): ClaimEvent => ({
  type: 'PayeeDetailsSet', data: data({ change, payeeKind: 'victim', maskedAccount: masked, details: sealed, setBy: by, setAt: at }),
});
const changeRequested = (change: number, by = 'lawyer-1', masked = 'ME25 **** 8951'): ClaimEvent => ({
  type: 'PayeeChangeRequested', data: data({ change, payeeKind: 'guardian', maskedAccount: masked, details: sealed, requestedBy: by, requestedAt: at }),
});

t.test('before any approval, payee details are in force at once', async (t) => {
  t.same(when([filed], setPayee(lawyer)), [payeeSet(1)], 'the lawyer gives the payee: change 1, in force');
  t.same(when([filed, payeeSet(1)], setPayee(finance1, 'RS35 **** 9999')), [payeeSet(2, 'finance-1', 'RS35 **** 9999')], 'and it can be changed freely, numbered on');
  t.same(stateOf([filed, payeeSet(1), payeeSet(2, 'finance-1', 'RS35 **** 9999')]).payee,
    { current: { change: 2, kind: 'victim', maskedAccount: 'RS35 **** 9999', by: 'finance-1', details: sealed }, changes: 2 }, 'the state keeps the last one, masked');
  t.equal(refusal([], setPayee(lawyer)).code, 'not-allowed-in-state', 'no claim, no payee');
  t.equal(refusal([filed, { type: 'ClaimClosed', data: data({ reason: 'x', closedAt: at }) }], setPayee(lawyer)).code, 'not-allowed-in-state', 'not on a closed claim');
  t.equal(refusal([filed, { type: 'PersonalDataErased', data: data({ victimRef: 'vic-1', erasedBy: 'dpo-1', erasedAt: at }) }], setPayee(lawyer)).code,
    'personal-data-erased', 'not after the victim\'s data was erased');
});

t.test('after an approval a change is only requested, and a second person confirms it', async (t) => {
  for (const [lock, what] of [[approvalGiven, 'an award approval'], [advanceApproved, 'an approved advance']] as const) {
    t.same(when([filed, payeeSet(1), lock], setPayee(lawyer, 'ME25 **** 8951')).map((e) => e.type), ['PayeeChangeRequested'], `after ${what}`);
  }
  const pending = [filed, payeeSet(1), approvalGiven, changeRequested(2)];
  const s = stateOf(pending);
  t.same(s.payee.current?.maskedAccount, 'RS35 **** 1379', 'the payee in force is unchanged while the change waits');
  t.same(s.payee.pending?.maskedAccount, 'ME25 **** 8951');
  t.same(when(pending, confirm(finance1, 2)), [{ type: 'PayeeChangeConfirmed', data: data({ change: 2, confirmedBy: 'finance-1', confirmedAt: at }) }]);
  const confirmed = stateOf([...pending, { type: 'PayeeChangeConfirmed', data: data({ change: 2, confirmedBy: 'finance-1', confirmedAt: at }) }]).payee;
  t.same(confirmed, { current: { change: 2, kind: 'guardian', maskedAccount: 'ME25 **** 8951', by: 'lawyer-1', details: sealed }, changes: 2 }, 'confirmed: in force');
  const rejected = stateOf([...pending, { type: 'PayeeChangeRejected', data: data({ change: 2, rejectedBy: 'finance-1', rejectedAt: at, reason: 'x' }) }]).payee;
  t.same(rejected, { current: { change: 1, kind: 'victim', maskedAccount: 'RS35 **** 1379', by: 'lawyer-1', details: sealed }, changes: 2 }, 'rejected: the old payee stays');
  t.same(when(pending, reject(finance1, 2)).map((e) => e.type), ['PayeeChangeRejected']);
  t.same(when([filed, approvalGiven], setPayee(lawyer)).map((e) => e.type), ['PayeeChangeRequested'], 'a first payee after an approval also needs confirmation');
});

t.test('refusals: four eyes, one change at a time, the change named', async (t) => {
  const byFinance = [filed, payeeSet(1), approvalGiven, changeRequested(2, 'finance-1')];
  t.same(refusal(byFinance, confirm(finance1, 2)), { code: 'four-eyes', kind: 'authorization', details: { rule: 'requester-confirms-payee', change: 2 } },
    'who asked for the change cannot confirm it (403), the rule and the change named');
  t.same(when(byFinance, confirm(finance2, 2)).map((e) => e.type), ['PayeeChangeConfirmed'], 'another finance officer can');
  t.same(refusal(byFinance, confirm(approverAsFinance, 2)), { code: 'four-eyes', kind: 'authorization', details: { rule: 'approver-confirms-payee', change: 2 } },
    'an approver of the award cannot steer its money');
  const pending = [filed, payeeSet(1), approvalGiven, changeRequested(2)];
  t.equal(refusal(pending, setPayee(lawyer)).code, 'payee-change-pending', 'no second change while one waits');
  t.equal(refusal(pending, confirm(finance1, 3)).code, 'stale-payee-change', 'the confirmation names the change seen');
  t.equal(refusal(pending, reject(finance1, 1)).code, 'stale-payee-change');
  t.equal(refusal([filed, payeeSet(1)], confirm(finance1, 1)).code, 'no-payee-change-pending', 'nothing to confirm');
  t.equal(refusal([filed, payeeSet(1)], reject(finance1, 1)).code, 'no-payee-change-pending', 'nothing to reject');
  const after = [...pending, { type: 'PayeeChangeConfirmed', data: data({ change: 2, confirmedBy: 'finance-1', confirmedAt: at }) } as ClaimEvent];
  t.equal(refusal(after, confirm(finance2, 2)).code, 'no-payee-change-pending', 'a change is confirmed once');
  t.same(when(after, setPayee(lawyer)).map((e) => (e.data as { change: number }).change), [3], 'the next change is number 3');
});

t.test('no money moves while a change of payee waits', async (t) => {
  const pending = [filed, payeeSet(1), advanceApproved, changeRequested(2)];
  const payAdvance: ClaimCommand = { type: 'DisburseAdvance', actor: finance2, at, data: { advance: 1, paymentReference: 'PAY-1' } };
  // The claim must have a fund application for an advance to be paid: take the state as it is, the rule answers first for a known advance.
  const s: ClaimState = { ...stateOf(pending), status: 'applied' };
  let code: string | undefined;
  try {
    decide(payAdvance, s);
  } catch (err) {
    code = isDomainError(err) ? err.code : undefined;
  }
  t.equal(code, 'payee-change-pending', 'an advance is not paid while its payee may be changing');
  const settled: ClaimState = { ...stateOf([...pending, { type: 'PayeeChangeRejected', data: data({ change: 2, rejectedBy: 'finance-1', rejectedAt: at, reason: 'x' }) }]), status: 'applied' };
  t.not(codeOf(() => decide(payAdvance, settled)), 'payee-change-pending', 'once settled, the payment rule no longer stops it');
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isDomainError(err) ? err.code : String(err);
  }
  return undefined;
}
