/**
 * What the bank did, through the real command service and the notifier: a payment run released by
 * a second finance officer, then a camt.053 statement that books and returns one payment and
 * rejects another before booking. The lawyers and finance officers learn each outcome; the
 * returned instalment is due again; no payee name or account reaches a notification or a log.
 */
import t from 'tap';
import { camt053, payableClaim, rsYear, tokens, type Client } from '../../command/test/helpers.ts';
import { isCurrentSnapshot } from '../src/claim-snapshot.ts';
import { lifecycle, startHarness } from './helpers.ts';

const PAYEES = ['Ilvarethe Quonsbry', 'Tomaszlin Vrey'];
const PAYEE_IBAN = /RS35\s?9085|908500103195847262/;
const inAWeek = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date(Date.now() + 7 * 86_400_000));

t.test('a statement books, returns and rejects: the lawyers and finance learn what the bank did', async (t) => {
  const h = await startHarness(t);
  const client: Client = {
    token: h.token,
    post: (url, token, body = {}, headers = {}) => h.command.inject({
      method: 'POST', url, payload: body as object, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    }),
  };
  const tk = await tokens(client);
  const finance2 = await h.token('finance-2', ['fund-finance']);
  for (const year of [rsYear(), rsYear() + 1]) {
    t.equal((await client.post(`/funds/RS/${year}/budget`, tk.admin, { amount: { amountMinor: 2_000_000_000, currency: 'RSD' } })).statusCode, 200, `the budget of ${year}: instalments due then are committed there`);
  }
  const [returned, rejected] = [await payableClaim(client, tk, PAYEES[0]!), await payableClaim(client, tk, PAYEES[1]!)];

  const prepared = await client.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: inAWeek(), payments: [{ claimId: returned, instalment: 1 }, { claimId: rejected, instalment: 1 }] });
  t.equal(prepared.statusCode, 201, prepared.body);
  const { runId } = prepared.json<{ runId: string }>();
  t.equal((await client.post(`/payment-runs/${runId}/release`, finance2, {})).statusCode, 200, 'released by a second officer');
  const items: { claimId: string; endToEndId: string }[] = [];
  for await (const e of h.env.eventStore.readStream(`paymentrun-${runId}`)) {
    if (e.event?.type === 'PaymentRunPrepared') items.push(...(e.event.data as { items: typeof items }).items);
  }
  const e2e = (claimId: string) => items.find((i) => i.claimId === claimId)!.endToEndId;

  const imported = await h.command.inject({
    method: 'POST', url: '/bank-statements', headers: { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' },
    payload: camt053('N1', [
      { e2e: e2e(returned), amount: '200000.00', ref: 'BK-R1', creditor: PAYEES[0] },
      { e2e: e2e(returned), amount: '200000.00', dir: 'CRDT', ref: 'BK-R1X', returnCode: 'AC04', creditor: PAYEES[0] },
      { e2e: e2e(rejected), amount: '200000.00', dir: 'CRDT', ref: 'BK-J1X', returnCode: 'AC01', creditor: PAYEES[1] },
    ]),
  });
  t.equal(imported.statusCode, 201, imported.body);
  t.same(imported.json<{ counts: unknown }>().counts, { paid: 1, returned: 2, unmatched: 0, notBooked: 0 });
  await h.pump();

  const inbox = async (token: string) => (await h.app.inject({ method: 'GET', url: '/notifications?limit=100', headers: { authorization: `Bearer ${token}` } }))
    .json<{ items: { topic: string; claimId: string; subject: string; text: string }[] }>().items;
  const topicsOf = (items: { topic: string; claimId: string }[], claimId: string) => items.filter((i) => i.claimId === claimId).map((i) => i.topic);
  const lawyer = await inbox(await h.token('lawyer-1', ['lawyer']));
  t.same(topicsOf(lawyer, returned).slice(0, 2), ['payout-failed', 'payout-disbursed'], 'booked, then returned');
  t.same(topicsOf(lawyer, rejected)[0], 'payment-rejected', 'rejected before booking');
  const finance = await inbox(await h.token('finance-3', ['fund-finance']));
  t.same(topicsOf(finance, returned)[0], 'payout-failed-finance');
  t.same(topicsOf(finance, rejected)[0], 'payment-rejected-finance');
  t.match(finance.find((i) => i.topic === 'payment-rejected-finance')!.text, new RegExp(`\\(end-to-end id ${e2e(rejected)}\\)`), 'finance can find the payment');
  const paidAgainLater = lawyer.filter((i) => i.topic === 'payout-failed' || i.topic === 'payment-rejected');
  t.equal(paidAgainLater.length, 2);
  for (const n of paidAgainLater) {
    t.match(n.text, /у једном од наредних кругова исплате; проверите да ли су евидентирани подаци о примаоцу тачни/, 'paid again later; the lawyer checks the payee (the scheme\'s Serbian Cyrillic)');
  }

  const snapshot = h.store.claim(returned)!.snapshot;
  t.ok(isCurrentSnapshot(snapshot));
  t.same((snapshot as { instalmentsDue: { number: number }[] }).instalmentsDue.map((i) => i.number), [1, 2], 'the returned instalment is due again');

  const everything = JSON.stringify([lawyer, finance]) + h.logs.join('\n');
  for (const name of PAYEES) t.notOk(everything.includes(name), 'no payee name in a notification or a log line');
  t.notMatch(everything, PAYEE_IBAN, 'no payee account');
});

t.test('an instalment paid early and returned is reminded on its due date again; paid again, it is not', async (t) => {
  const h = await startHarness(t);
  const claimId = await lifecycle(h, { until: 'payouts/1/failure' });
  await h.pump();
  const instalmentReminders = () => h.store.remindersOf(claimId).filter((r) => r.kind === 'instalment-due').map((r) => `${r.ref} ${r.deadline} ${r.status}`);
  t.same(instalmentReminders(), ['1 2027-01-04 pending', '2 2027-02-04 pending'], 'returned: the first instalment is due again');
  const paid = await h.command.inject({
    method: 'POST', url: `/claims/${claimId}/payouts/1/disbursement`, payload: { paymentReference: 'PAY-2026-2', earlyPayment: true },
    headers: { authorization: `Bearer ${await h.token('finance-1', ['fund-finance'])}` },
  });
  t.equal(paid.statusCode, 200, paid.body);
  await h.pump();
  t.same(instalmentReminders(), ['1 2027-01-04 cancelled', '2 2027-02-04 pending'], 'paid again: no reminder');
});
