/**
 * Bounds at the command boundary, through the command service's HTTP API: amounts (the attack:
 * 2^53 - 1, twice), zero amounts and empty damages, control characters and lone surrogates, dates
 * in year 0 or 9999, a date of birth after the filing, a fund year budgeted in another currency.
 * Each is refused with a problem naming the field, and nothing is written.
 */
import t from 'tap';
import { START } from '@eventstore/db-client';
import { MAX_AMOUNT_MINOR } from '@cfund/contracts';
import { RSD, assessedClaim, claimBody, rsYear, startService, tokens, type Harness } from './helpers.ts';

interface Problem { status: number; code?: string; errors?: { path: string; message: string }[] }

async function userEvents(h: Harness): Promise<number> {
  let n = 0;
  for await (const e of h.env.eventStore.readAll({ fromPosition: START })) if (e.event && !e.event.type.startsWith('$')) n += 1;
  return n;
}

t.test('bounds at the command boundary', async (t) => {
  const h = await startService(t);
  const tk = await tokens(h);
  const filed = await h.post('/claims', tk.lawyer, claimBody());
  t.equal(filed.statusCode, 201, filed.body);
  const id = filed.json<{ claimId: string }>().claimId;

  /** Posts, expects a 400 problem naming exactly `paths`, and that nothing was written. */
  const refused = async (url: string, token: string, body: unknown, paths: string[], what: string) => {
    const before = await userEvents(h);
    const r = await h.post(url, token, body);
    t.equal(r.statusCode, 400, `${what}: 400`);
    t.match(String(r.headers['content-type']), /^application\/problem\+json/, `${what}: a problem`);
    t.same(r.json<Problem>().errors?.map((e) => e.path).sort(), [...paths].sort(), `${what}: names ${paths.join(', ')}`);
    t.equal(await userEvents(h), before, `${what}: nothing written`);
  };

  await t.test('amounts: at most 10^12 minor units, more than zero, something claimed', async () => {
    const huge = [{ head: 'non-pecuniary', amount: RSD(Number.MAX_SAFE_INTEGER) }];
    await refused('/claims', tk.lawyer, claimBody({ damagesClaimed: huge }), ['body.damagesClaimed.0.amount.amountMinor'], 'damages of 2^53 - 1');
    await refused('/claims', tk.lawyer, claimBody({ damagesClaimed: huge }), ['body.damagesClaimed.0.amount.amountMinor'], 'twice');
    await refused('/claims', tk.lawyer, claimBody({ damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(MAX_AMOUNT_MINOR + 1) }] }), ['body.damagesClaimed.0.amount.amountMinor'], 'one above the maximum');
    await refused('/claims', tk.lawyer, claimBody({ damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(0) }] }), ['body.damagesClaimed.0.amount.amountMinor'], 'zero damages');
    await refused('/claims', tk.lawyer, claimBody({ damagesClaimed: [] }), ['body.damagesClaimed'], 'empty damages');
    await refused(`/claims/${id}/offender-payments`, tk.lawyer, { amount: RSD(MAX_AMOUNT_MINOR * 10), receivedOn: '2025-06-01' }, ['body.amount.amountMinor'], 'an offender payment above the maximum');
    await refused(`/claims/${id}/court-rulings`, tk.lawyer, {
      court: 'Higher Court', caseNumber: 'K-1', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(Number.MAX_SAFE_INTEGER) }],
    }, ['body.amounts.0.amount.amountMinor'], 'a court award of 2^53 - 1');
    await refused('/funds/RS/2031/budget', tk.admin, { amount: RSD(Number.MAX_SAFE_INTEGER) }, ['body.amount.amountMinor'], 'a budget of 2^53 - 1');
    await refused('/funds/RS/2031/budget', tk.admin, { amount: RSD(0) }, ['body.amount.amountMinor'], 'a budget of zero');
    const r = await h.post('/claims', tk.lawyer, claimBody({ damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(MAX_AMOUNT_MINOR) }] }));
    t.equal(r.statusCode, 201, 'the maximum itself is accepted');
  });

  await t.test('text: no NUL, control characters, lone surrogates', async () => {
    for (const [what, bad] of [['NUL', 'Ana\u0000Example'], ['escape', 'Ana\u001b[2J'], ['a lone surrogate', 'Ana\ud800']] as const) {
      await refused('/claims', tk.lawyer, claimBody({ victim: { fullName: bad, address: bad } }), ['body.victim.fullName', 'body.victim.address'], `${what} in a name and an address`);
      await refused(`/claims/${id}/criminal-proceedings`, tk.lawyer, { court: bad, caseNumber: bad }, ['body.court', 'body.caseNumber'], `${what} in a court and a case number`);
      await refused(`/claims/${id}/evidence`, tk.lawyer, { documentId: bad, kind: 'other', sha256: 'a'.repeat(64), title: 'Report' }, ['body.documentId'], `${what} in a document id`);
    }
  });

  await t.test('dates: years 1900 to 2199 at the boundary, a date of birth not after the filing', async () => {
    await refused('/claims', tk.lawyer, claimBody({ incidentOn: '0000-01-01' }), ['body.incidentOn'], 'an incident in year 0');
    await refused('/claims', tk.lawyer, claimBody({ victim: { fullName: 'A', dateOfBirth: '9999-12-31' } }), ['body.victim.dateOfBirth'], 'born in 9999');
    await refused(`/claims/${id}/court-rulings`, tk.lawyer, { court: 'C', caseNumber: 'K-1', decidedOn: '9999-01-01', outcome: 'dismissed', amounts: [] }, ['body.decidedOn'], 'a ruling in 9999');
    await refused(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 2, firstDueOn: '9999-01-01', intervalMonths: 1 }, ['body.firstDueOn'], 'a first instalment in 9999');
    await refused(`/claims/${id}/payout-schedule`, tk.finance, { instalments: 120, firstDueOn: '2026-01-01', intervalMonths: 12 }, ['body.instalments'], 'a schedule of 119 years');
    const nextYear = new Date().getUTCFullYear() + 1;
    const before = await userEvents(h);
    const r = await h.post('/claims', tk.lawyer, claimBody({ victim: { fullName: 'A', dateOfBirth: `${nextYear}-01-01` } }));
    t.equal(r.statusCode, 409, 'born next year: a rule of the domain (it knows the time)');
    t.match(r.json<Problem>(), { code: 'birth-in-future' });
    t.notOk(r.body.includes(`${nextYear}-01-01`), 'the date of birth (personal data) is not echoed');
    t.equal(await userEvents(h), before, 'nothing written');
  });

  await t.test('a payout schedule starts within a year', async () => {
    t.equal((await h.post(`/funds/RS/${rsYear()}/budget`, tk.admin, { amount: RSD(10_000_000_000) })).statusCode, 200);
    t.equal((await h.post(`/funds/RS/${rsYear() + 1}/budget`, tk.admin, { amount: RSD(10_000_000_000) })).statusCode, 200, 'next month may be next year');
    const awarded = await assessedClaim(h, tk, 40_000_000);
    t.equal((await h.post(`/claims/${awarded}/approvals`, tk.approver1, {})).statusCode, 200);
    t.equal((await h.post(`/claims/${awarded}/decision-notice`, tk.approver1, { servedAt: new Date(Date.now() - 60_000).toISOString() })).statusCode, 200);
    const before = await userEvents(h);
    const inFiveYears = `${new Date().getUTCFullYear() + 5}-01-01`;
    const r = await h.post(`/claims/${awarded}/payout-schedule`, tk.finance, { instalments: 2, firstDueOn: inFiveYears, intervalMonths: 1 });
    t.equal(r.statusCode, 409, 'five years ahead');
    t.match(r.json<Problem>(), { code: 'due-date-too-far' });
    t.equal(await userEvents(h), before, 'nothing written');
    const nextMonth = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
    t.equal((await h.post(`/claims/${awarded}/payout-schedule`, tk.finance, { instalments: 2, firstDueOn: nextMonth, intervalMonths: 1 })).statusCode, 200, 'next month');
  });

  await t.test('a fund year is budgeted in the scheme\'s currency', async () => {
    const before = await userEvents(h);
    const r = await h.post('/funds/RS/2032/budget', tk.admin, { amount: { amountMinor: 1_000_000, currency: 'EUR' } });
    t.equal(r.statusCode, 409, 'euros for Serbia, even as the first allocation');
    t.match(r.json<Problem>(), { code: 'currency-mismatch' });
    t.equal(await userEvents(h), before, 'nothing written');
    t.equal((await h.post('/funds/RS/2032/budget', tk.admin, { amount: RSD(1_000_000) })).statusCode, 200, 'dinars are accepted');
  });
});
