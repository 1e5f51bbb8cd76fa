/**
 * Instalments due in a later year are committed against that year's budget: through the command
 * service's HTTP API on the embedded event store, a schedule commits each later year's money in
 * that year's ledger with that year's budget check (`no-budget`, `budget-exceeded`, naming the
 * year; then nothing is scheduled and nothing stays committed), releases it from the award's
 * year, pays each instalment from its year's ledger, and a write lost on the way leaves money
 * held twice, never a schedule without money, which the reconciler's sweep of the years ahead repairs.
 */
import t from 'tap';
import { available, type LedgerCommand } from '@cfund/domain';
import { reconciledYears } from '../src/reconciler.ts';
import { fundYearHarness } from './fund-year-harness.ts';
import { RSD } from './helpers.ts';

const YEAR = 2033;

t.test('instalments committed in the fund years they fall due in', async (t) => {
  const { h, tk, ok, tiedIn, awarded: awardedClaim } = await fundYearHarness(t, YEAR);
  const service = h.app.commandService;
  const sys = { principal: { sub: 'system:test', roles: [], jurisdictions: [] }, correlationId: 'test' };
  const entry = async (year: number, claimId: string) => (await service.loadLedger('RS', year)).claims[claimId];
  /** A claim awarded RSD 400,000.00 in YEAR and served: 40,000,000 committed in YEAR. */
  const awarded = () => awardedClaim('Years Victim');
  /** Two instalments of 20,000,000: 1 December YEAR and 1 June YEAR + 1. */
  const twoYears = { instalments: 2, firstDueOn: `${YEAR}-12-01`, intervalMonths: 6 };

  await ok(`/funds/RS/${YEAR}/budget`, tk.admin, { amount: RSD(1_000_000_000) });

  t.test('a later year without a budget refuses the schedule with no-budget naming that year; nothing is scheduled', async (t) => {
    const id = await awarded();
    const r = await h.post(`/claims/${id}/payout-schedule`, tk.finance, twoYears);
    t.equal(r.statusCode, 409, r.body);
    t.equal(r.json<{ code: string }>().code, 'no-budget');
    t.match(r.json<{ detail: string }>().detail, String(YEAR + 1), 'the refusal names the year');
    t.equal((await service.loadClaim(id)).state.status, 'notified', 'no schedule');
    t.equal(await tiedIn(YEAR, id), 40_000_000, 'the award stays committed in its year');
  });

  t.test('a refusal in a year after a later year that committed releases what that year committed', async (t) => {
    await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(30_000_000) });
    const id = await awarded();
    // Three instalments of 13,333,334/13,333,333/13,333,333 in YEAR, YEAR + 1 and YEAR + 2 (no budget).
    const r = await h.post(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 3, firstDueOn: `${YEAR}-12-01`, intervalMonths: 12 });
    t.equal(r.json<{ code: string }>().code, 'no-budget', r.body);
    t.match(r.json<{ detail: string }>().detail, String(YEAR + 2));
    t.equal(await tiedIn(YEAR + 1, id), 0, `what ${YEAR + 1} committed for the refused schedule is released`);
    t.match(await entry(YEAR + 1, id), { committed: 13_333_333, released: 13_333_333 }, 'committed, then released');
    t.equal(await tiedIn(YEAR, id), 40_000_000);

  });

  t.test('a schedule commits its later instalment in that year and releases it from the award\'s year', async (t) => {
    const id = await awarded();
    const nextBefore = available(await service.loadLedger('RS', YEAR + 1));
    t.same(await ok(`/claims/${id}/payout-schedule`, tk.finance, twoYears), ['PayoutScheduled']);
    t.equal(await tiedIn(YEAR, id), 20_000_000, 'the award\'s year keeps the instalment due in it');
    t.equal(await tiedIn(YEAR + 1, id), 20_000_000, 'the next year holds the instalment due in it');
    t.equal(available(await service.loadLedger('RS', YEAR + 1)), nextBefore - 20_000_000, 'against that year\'s budget');
    t.same(service.funding.differences(id, (await service.loadClaim(id)).state, YEAR + 1, await service.loadLedger('RS', YEAR + 1)), []);

    // Paid early (in YEAR), the instalment of YEAR + 1 is paid from YEAR + 1's ledger.
    t.same(await ok(`/claims/${id}/payouts/2/disbursement`, tk.finance, { paymentReference: 'PAY-2', earlyPayment: true }), ['PayoutDisbursed']);
    t.match(await entry(YEAR + 1, id), { disbursed: 20_000_000, instalments: [2] });
    t.match(await entry(YEAR, id), { disbursed: 0, instalments: [] });
  });

  t.test('the budget check of a later year counts what other claims committed there', async (t) => {
    // YEAR + 1 had 30,000,000: 20,000,000 went to the claim above; 10,000,000 are left.
    const id = await awarded();
    const r = await h.post(`/claims/${id}/payout-schedule`, tk.finance, twoYears);
    t.equal(r.json<{ code: string }>().code, 'budget-exceeded', r.body);
    t.match(r.json<{ detail: string }>().detail, String(YEAR + 1));
    t.equal(await tiedIn(YEAR + 1, id), 0);
    await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(10_000_000) });
    t.same(await ok(`/claims/${id}/payout-schedule`, tk.finance, twoYears), ['PayoutScheduled'], 'a budget allocated ahead: the schedule goes through');
  });

  t.test('a release lost after the schedule leaves the money held twice, never nowhere; the reconciler\'s sweep releases it', async (t) => {
    await ok(`/funds/RS/${YEAR + 1}/budget`, tk.admin, { amount: RSD(100_000_000) });
    const id = await awarded();
    const ledgerCommand = service.ledgerCommand.bind(service);
    service.ledgerCommand = async (j, y, c, command) => {
      if (command.type === 'ReleaseFunds') throw new Error('test: the ledger write was lost');
      return ledgerCommand(j, y, c, command as Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>);
    };
    t.teardown(() => { service.ledgerCommand = ledgerCommand; });
    t.same(await ok(`/claims/${id}/payout-schedule`, tk.finance, twoYears), ['PayoutScheduled']);
    service.ledgerCommand = ledgerCommand;
    t.same([await tiedIn(YEAR, id), await tiedIn(YEAR + 1, id)], [40_000_000, 20_000_000], 'held twice: an excess in the award\'s year');
    const sweep = await service.reconcileAll(reconciledYears(YEAR), sys);
    t.ok(sweep.repairs.includes('FundsReleased'), 'the sweep releases it');
    t.same([await tiedIn(YEAR, id), await tiedIn(YEAR + 1, id)], [20_000_000, 20_000_000]);
  });

  t.test('the reconciler sweeps the years ahead: a payment whose ledger write was lost in a later year is recorded', async (t) => {
    t.ok(reconciledYears(YEAR).includes(YEAR + 12), 'as far as a schedule made now can reach');
    const id = await awarded();
    await ok(`/claims/${id}/payout-schedule`, tk.finance, twoYears);
    const ledgerCommand = service.ledgerCommand.bind(service);
    service.ledgerCommand = async (j, y, c, command) => {
      if (command.type === 'DisburseFunds') throw new Error('test: the ledger write was lost');
      return ledgerCommand(j, y, c, command as Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>);
    };
    t.teardown(() => { service.ledgerCommand = ledgerCommand; });
    await ok(`/claims/${id}/payouts/2/disbursement`, tk.finance, { paymentReference: 'PAY-2', earlyPayment: true });
    service.ledgerCommand = ledgerCommand;
    t.match(await entry(YEAR + 1, id), { disbursed: 0 }, 'the payment is missing in the ledger of its year');
    const current = await service.reconcileAll([YEAR - 1, YEAR], sys);
    t.notOk(current.repairs.includes('FundsDisbursed'), 'the previous and current year alone do not see it');
    const sweep = await service.reconcileAll(reconciledYears(YEAR), sys);
    t.ok(sweep.repairs.includes('FundsDisbursed'));
    t.match(await entry(YEAR + 1, id), { disbursed: 20_000_000, instalments: [2] });
    t.same((await service.reconcileAll(reconciledYears(YEAR), sys)).differences, 0, 'every ledger agrees with every claim');
  });
});
