import t from 'tap';
import { isErased } from '@cfund/eventstore';
import { allocateBudgets, assessedClaim, RSD, startService, tokens, type Harness } from './helpers.ts';

// Who a claim's money goes to, through HTTP against the embedded store: validated, encrypted
// under the victim's key, masked in events, and after an approval changed only with a second person.

const NAME = 'Vesnadrin Quorlath';
const IBAN = 'RS35260005601001611379';
const payee = { kind: 'victim', payee: { name: NAME, iban: 'rs35 2600 0560 1001 6113 79', bic: 'aikbrs22' } };
const guardian = { kind: 'guardian', payee: { name: 'Tomaszlin Vrey', iban: 'ME25505000012345678951' } };

async function claimEvents(h: Harness, id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  for await (const e of h.env.eventStore.readStream(`claim-${id}`)) out.push({ type: e.event!.type, data: e.event!.data as Record<string, unknown> });
  return out;
}

t.test('payee details through HTTP', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  const ok = async (url: string, token: string, body: unknown) => {
    const r = await h.post(url, token, body);
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json<{ events: string[]; revision: number }>();
  };
  t.same(await allocateBudgets(h, tk.admin, 2_000_000_000), [200, 200], 'this year\'s and next year\'s budgets');

  t.test('before an approval: validated, encrypted, masked, in force at once', async (t) => {
    const id = await assessedClaim(h, tk, 40_000_000);
    const revision = (await claimEvents(h, id)).length - 1;
    const bad = await h.post(`/claims/${id}/payee`, tk.lawyer, { kind: 'victim', payee: { name: NAME, iban: 'RS35260005601001611378' } });
    t.equal(bad.statusCode, 400, 'a wrong check digit is refused');
    t.match(bad.headers['content-type'], /application\/problem\+json/);
    t.match(bad.json<{ errors: { path: string }[] }>().errors, [{ path: 'body.payee.iban' }]);
    const both = await h.post(`/claims/${id}/payee`, tk.lawyer, { kind: 'victim', payee: { name: NAME, iban: IBAN, domesticAccount: '160-5100000012345-67', bankName: 'Banka' } });
    t.equal(both.statusCode, 400, 'an IBAN or a domestic account, not both');
    t.equal((await h.post(`/claims/${id}/payee`, tk.lawyer, { kind: 'aunt', payee: { name: NAME, iban: IBAN } })).statusCode, 400, 'an unknown payee kind');
    t.equal((await h.post(`/claims/${id}/payee`, tk.lawyer2, payee)).statusCode, 404, 'a lawyer not on the claim does not learn it exists');
    t.equal((await h.post(`/claims/${id}/payee`, tk.assessor, payee)).statusCode, 403, 'an assessor does not give payees');
    t.equal((await claimEvents(h, id)).length - 1, revision, 'no refused request wrote anything');

    const set = await ok(`/claims/${id}/payee`, tk.lawyer, payee);
    t.same(set.events, ['PayeeDetailsSet']);
    const event = (await claimEvents(h, id)).at(-1)!;
    t.equal(event.data.maskedAccount, 'RS35 **** 1379', 'the event keeps a masked account');
    t.equal(event.data.payeeKind, 'victim');
    const raw = JSON.stringify(event);
    t.notOk(raw.includes(NAME) || raw.includes(IBAN) || raw.includes('2600 0560'), 'neither the name nor the account in the event');
    const details = await h.protector.decryptPersonalData(`vic-${id}`, event.data.details as never);
    t.same(details, { name: NAME, iban: IBAN, bic: 'AIKBRS22' }, 'the details decrypt, in electronic form');
    const domestic = await ok(`/claims/${id}/payee`, tk.finance, { kind: 'service-provider', payee: { name: 'Shelter Sigurna Kuća', domesticAccount: '160-5100000012345-67', bankName: 'Banca Intesa' } });
    t.same(domestic.events, ['PayeeDetailsSet'], 'a finance officer may give it too; a domestic account with its bank');
    t.equal((await claimEvents(h, id)).at(-1)!.data.maskedAccount, '**** 4567');
  });

  t.test('after an approval: requested, confirmed by a second person, nothing paid meanwhile', async (t) => {
    const id = await assessedClaim(h, tk, 40_000_000);
    await ok(`/claims/${id}/payee`, tk.lawyer, payee);
    await ok(`/claims/${id}/advance-payments`, tk.approver1, { amount: RSD(1_000_000), reason: 'Rent for a safe flat.' });
    const requested = await ok(`/claims/${id}/payee`, tk.finance, guardian);
    t.same(requested.events, ['PayeeChangeRequested'], 'after an approved advance the change waits');
    const again = await h.post(`/claims/${id}/payee`, tk.lawyer, payee);
    t.equal(again.json<{ code: string }>().code, 'payee-change-pending', 'one change at a time');
    const pay = await h.post(`/claims/${id}/advances/1/disbursement`, finance2, { paymentReference: 'PAY-ADV-1' });
    t.equal(pay.statusCode, 409, 'the advance is not paid while its payee may be changing');
    t.equal(pay.json<{ code: string }>().code, 'payee-change-pending');
    const self = await h.post(`/claims/${id}/payee-confirmation`, tk.finance, { change: 2 });
    t.equal(self.statusCode, 403, 'who asked for the change cannot confirm it');
    t.equal(self.json<{ code: string }>().code, 'four-eyes');
    t.equal((await h.post(`/claims/${id}/payee-confirmation`, tk.lawyer, { change: 2 })).statusCode, 403, 'a lawyer does not confirm');
    t.equal((await h.post(`/claims/${id}/payee-confirmation`, finance2, { change: 1 })).json<{ code: string }>().code, 'stale-payee-change');
    t.same((await ok(`/claims/${id}/payee-confirmation`, finance2, { change: 2 })).events, ['PayeeChangeConfirmed']);
    t.same((await ok(`/claims/${id}/advances/1/disbursement`, finance2, { paymentReference: 'PAY-ADV-1' })).events, ['AdvanceDisbursed'], 'then it is paid');

    await ok(`/claims/${id}/payee`, tk.lawyer, payee);
    t.same((await ok(`/claims/${id}/payee-rejection`, tk.finance, { change: 3, reason: 'The bank letter names another holder.' })).events, ['PayeeChangeRejected']);
    const last = (await claimEvents(h, id)).filter((e) => e.type.startsWith('Payee')).map((e) => `${e.type}:${e.data.change}`);
    t.same(last, ['PayeeDetailsSet:1', 'PayeeChangeRequested:2', 'PayeeChangeConfirmed:2', 'PayeeChangeRequested:3', 'PayeeChangeRejected:3']);
  });

  t.test('erasure makes the details unreadable and closes the claim to new ones; logs never hold them', async (t) => {
    const id = await assessedClaim(h, tk, 40_000_000);
    await ok(`/claims/${id}/payee`, tk.lawyer, payee);
    const event = (await claimEvents(h, id)).at(-1)!;
    await ok(`/victims/vic-${id}/erasure`, tk.dpo, { reason: 'Erasure request of the data subject.' });
    t.ok(isErased(await h.protector.decryptPersonalData(`vic-${id}`, event.data.details as never)), 'the details are gone with the key');
    const after = await h.post(`/claims/${id}/payee`, tk.lawyer, payee);
    t.equal(after.statusCode, 409);
    t.equal(after.json<{ code: string }>().code, 'personal-data-erased');
    const logs = h.logs.join('\n');
    t.notOk(logs.includes(NAME) || logs.includes(IBAN) || logs.includes('2600 0560'), 'no payee name or account in any log line');
  });
});
