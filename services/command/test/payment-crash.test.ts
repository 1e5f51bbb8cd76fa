/**
 * The command service process SIGKILLed while a payment run is prepared, just after it is
 * released, and while its bank statement is imported (CFUND_FAULT_INJECTION, src/faults.ts).
 * After each restart the same requests are made again: every payment is queued once, the run is
 * released once (its file's digest recorded once), every booking is recorded once on its claim
 * and disbursed once in the ledger, and the statement is recorded once.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { bankStatementStream, claimStream, fundStream, paymentRunStream } from '@cfund/contracts';
import { deterministicUuid } from '@cfund/eventstore';
import { daysAhead, RSD, camt053, payableClaim, rsYear, serviceProcesses, tokens, type Reply } from './helpers.ts';


t.test('SIGKILL during a payment run and its statement, then restarts and retries', async (t) => {
  const system = await serviceProcesses(t, 'payment-crash');
  if (!system) return;
  const { env, client } = system;
  // No reconciler: the retries alone must finish the work.
  const start = (fault?: string) => system.start({ RECONCILER_ENABLED: 'false', ...(fault ? { CFUND_FAULT_INJECTION: fault } : {}) });
  /** The request dies with the process, killed by its fault point. */
  const killedBy = async (t: Test, child: ChildProcess, request: Promise<Reply>) => {
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    await t.rejects(request, 'the connection dies with the process');
    t.equal(await exited, 'SIGKILL', 'killed at the fault point');
  };
  const types = async (stream: string) => {
    const out: string[] = [];
    try {
      for await (const e of env.eventStore.readStream(stream)) out.push(e.event!.type);
    } catch { /* no such stream */ }
    return out;
  };
  const count = async (streams: string[], type: string) => (await Promise.all(streams.map(types))).map((ts) => ts.filter((x) => x === type).length);

  let child = await start('kill-during-run-preparation');
  const tk = await tokens(client);
  const finance2 = await client.token('finance-2', ['fund-finance']);
  const year = rsYear();
  t.equal((await client.post(`/funds/RS/${year}/budget`, tk.admin, { amount: RSD(2_000_000_000) })).statusCode, 200);
  t.equal((await client.post(`/funds/RS/${year + 1}/budget`, tk.admin, { amount: RSD(2_000_000_000) })).statusCode, 200, 'next year\'s: instalments due then are committed there');
  // More claims than an import writes at once (8): a kill after the first leaves some for the retry.
  const claims: string[] = [];
  for (let i = 0; i < 10; i += 1) claims.push(await payableClaim(client, tk, `Payee Number${i} Quonsbry`));
  const ones = claims.map(() => 1);
  const claimStreams = claims.map(claimStream);
  const key = randomUUID();
  const runId = deterministicUuid('payment-run', 'finance-1', key);
  const prepare = () => client.post('/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn: daysAhead(7), payments: claims.map((claimId) => ({ claimId, instalment: 1 })) }, { 'idempotency-key': key });

  await t.test('killed while the run is prepared: the run written, one payment queued', async (t) => {
    await killedBy(t, child, prepare());
    t.same(await types(paymentRunStream(runId)), ['PaymentRunPrepared']);
    t.equal((await count(claimStreams, 'PaymentQueued')).filter((n) => n === 1).length, 1, 'one payment queued');
  });

  await t.test('killed just after the release: the release queued the rest first and was recorded once', async (t) => {
    child = await start('kill-after-run-released');
    await killedBy(t, child, client.post(`/payment-runs/${runId}/release`, finance2, {}));
    t.same(await types(paymentRunStream(runId)), ['PaymentRunPrepared', 'PaymentRunReleased']);
    t.same(await count(claimStreams, 'PaymentQueued'), ones, 'every payment queued once');
  });

  // One file, sent again after each restart (its creation time is part of it, and of its id).
  let file = '';
  const statement = () => file;
  // Claims are written several at a time: the kill after the first leaves one or more recorded.
  await t.test('killed while the statement is imported: some bookings recorded, the statement not', async (t) => {
    child = await start('kill-during-statement-import');
    for await (const e of env.eventStore.readStream(paymentRunStream(runId), { maxCount: 1 })) {
      const items = (e.event!.data as { items: { claimId: string; endToEndId: string }[] }).items;
      file = camt053('crash', claims.map((id, i) => ({ e2e: items.find((x) => x.claimId === id)!.endToEndId, amount: '200000.00', ref: `BK-${i + 1}` })));
    }
    await killedBy(t, child, client.post('/bank-statements', tk.finance, statement()));
    const booked = await count(claimStreams, 'PayoutDisbursed');
    t.ok(booked.every((n) => n <= 1) && booked.includes(1) && booked.includes(0), `some bookings recorded before the kill, not all: ${booked.join(', ')}`);
    t.same(await types(bankStatementStream(createHash('sha256').update(statement(), 'utf8').digest('hex'))), [], 'the statement is recorded last');
  });

  await t.test('after a restart the same requests finish the work once', async (t) => {
    child = await start();
    const again = await client.post(`/payment-runs/${runId}/release`, finance2, {});
    t.equal(again.statusCode, 409, again.body);
    t.equal(again.json<{ code: string }>().code, 'run-released', 'released once: the bank has one file');
    t.equal((await prepare()).statusCode, 409, 'preparing the released run again is refused');

    const imported = await client.post('/bank-statements', tk.finance, statement());
    t.equal(imported.statusCode, 201, imported.body);
    t.match(imported.json(), { counts: { paid: claims.length, unmatched: 0 } }, 'every entry matched, those recorded before the kill too');
    t.same(await count(claimStreams, 'PayoutDisbursed'), ones, 'each instalment paid once');
    t.same(await count([fundStream('RS', year)], 'FundsDisbursed'), [claims.length], 'the ledger disbursed each once');
    const statementStream = bankStatementStream(createHash('sha256').update(statement(), 'utf8').digest('hex'));
    const recorded = await types(statementStream);
    t.equal(recorded.filter((x) => x === 'BankStatementImported').length, 1, 'the statement recorded once');

    const third = await client.post('/bank-statements', tk.finance, statement());
    t.equal(third.statusCode, 200, third.body);
    t.equal(third.json<{ imported: boolean }>().imported, false);
    t.same(await types(statementStream), recorded, 'a third import writes nothing');
    t.same(await count(claimStreams, 'PayoutDisbursed'), ones);
    t.same(await count(claimStreams, 'PaymentQueued'), ones);

    const stopped = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    t.equal(await stopped, 0, 'graceful shutdown exits 0');
  });
});
