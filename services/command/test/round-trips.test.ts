/**
 * How many requests to the event store a command makes, counted by the service's own metric
 * (cfund_eventstore_round_trips_total) through real HTTP and a real store. A command on a claim
 * this instance has seen decides on its cached state: one append and no read. Money commands add
 * the ledger's append (batched per fund year) and, for a payment, one read of the ledger as the
 * store has it. One more round trip on any of them is a regression of the command path's cost.
 */
import t from 'tap';
import { EXAMPLES } from '../src/index.ts';
import { RSD, rsYear, startService, tokens } from './helpers.ts';

type Trips = { read: number; append: number };

async function roundTrips(metrics: string): Promise<Trips> {
  const count = (kind: string) => Number(new RegExp(`cfund_eventstore_round_trips_total\\{kind="${kind}"\\} (\\d+)`).exec(metrics)?.[1] ?? '0');
  return { read: count('read'), append: count('append') };
}

t.test('round trips to the store per command of a whole lifecycle', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const trips = async () => roundTrips((await h.app.inject('/metrics')).body);
  const year = rsYear();
  t.equal((await h.post(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(10_000_000_000) })).statusCode, 200);

  let before = await trips();
  const filed = await h.post('/claims', tk.lawyer, EXAMPLES.fileClaim);
  t.equal(filed.statusCode, 201, filed.body);
  const claimId = filed.json<{ claimId: string }>().claimId;
  let after = await trips();
  t.same({ read: after.read - before.read, append: after.append - before.append }, { read: 0, append: 1 }, 'filing: one append, no read');

  /** [path, token, body, expected round trips] */
  const steps: [string, string, unknown, Trips][] = [
    ['court-rulings', tk.lawyer, EXAMPLES.recordCourtRuling, { read: 0, append: 1 }],
    ['ruling-finality', tk.lawyer, EXAMPLES.recordRulingFinality, { read: 0, append: 1 }],
    ['enforcement-failures', tk.lawyer, EXAMPLES.recordEnforcementFailure, { read: 0, append: 1 }],
    ['fund-application', tk.lawyer, EXAMPLES.submitFundApplication, { read: 0, append: 1 }],
    ['assessment', tk.assessor, EXAMPLES.assessClaim, { read: 0, append: 1 }],
    ['approvals', tk.approver1, {}, { read: 0, append: 1 }],
    // Commits the award in the fund-year ledger (cached since the budget), then appends the claim's events.
    ['approvals', tk.approver2, {}, { read: 0, append: 2 }],
    ['decision-notice', tk.approver1, { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, { read: 0, append: 1 }],
    ['payout-schedule', tk.finance, EXAMPLES.schedulePayout, { read: 0, append: 1 }],
    // Money leaves the fund: the ledger is read as the store has it, the claim's event appended, the payment recorded.
    ['payouts/1/disbursement', tk.finance, { paymentReference: 'PAY-1' }, { read: 1, append: 2 }],
    ['payouts/2/disbursement', tk.finance, { paymentReference: 'PAY-2', earlyPayment: true }, { read: 1, append: 2 }],
    ['payouts/3/disbursement', tk.finance, { paymentReference: 'PAY-3', earlyPayment: true }, { read: 1, append: 2 }],
    ['closure', tk.finance, EXAMPLES.closeClaim, { read: 0, append: 1 }],
  ];
  for (const [path, token, body, expected] of steps) {
    before = await trips();
    const r = await h.post(`/claims/${claimId}/${path}`, token, body);
    t.equal(r.statusCode, 200, `${path}: ${r.body}`);
    after = await trips();
    t.same({ read: after.read - before.read, append: after.append - before.append }, expected, `${path}: round trips`);
  }

  // A refusal is never given on the cache's word: the claim's tail is read first, nothing is appended.
  before = await trips();
  const again = await h.post(`/claims/${claimId}/closure`, tk.finance, EXAMPLES.closeClaim);
  t.equal(again.statusCode, 409, again.body);
  after = await trips();
  t.same({ read: after.read - before.read, append: after.append - before.append }, { read: 1, append: 0 }, 'a refused command: one read, no append');
});
