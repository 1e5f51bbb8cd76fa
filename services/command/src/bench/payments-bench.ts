/**
 * `pnpm bench:payments`: BENCH_PAYMENTS (default 10,000) instalments paid through payment runs
 * and one bank statement, against the compiled command service and the embedded event store
 * (child processes, loopback):
 *   1. claims made payable through HTTP (five monthly instalments each), not measured;
 *   2. runs prepared (MAX_RUN_PAYMENTS payments each: several runs for 10,000) and released by a
 *      second finance officer, each release producing its pain.001 file: time and events/s;
 *   3. one camt.053 statement booking every payment, imported: time and events/s;
 *   4. bare appends of as many events as 2 and 3 wrote, through the client, 8 in flight (the
 *      import writes 8 claims at a time), in the same run: the ceiling the two are compared with.
 * Events written are counted from `$all` before and after each phase.
 */
import os from 'node:os';
import { EventStoreDBClient, END, START, jsonEvent, type Position } from '@eventstore/db-client';
import { MAX_RUN_PAYMENTS } from '@cfund/contracts';
import {
  BenchRun, HttpClient, RSD, allocateLargeBudget, benchTokens, day, fileBody, fmt, lifecycleSteps, report, requireBuilt, sendCommand, serviceMain,
  startEventStore, startService, storeCli, withProgress, runBench,
} from '@cfund/bench-kit';
import { jwtSecretPath, readJwtSecretFile, signToken } from '@cfund/service-kit';

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? '10000');
const PER_CLAIM = 5;
const IN_FLIGHT = 32;
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? '1800000');
const FUND_IBAN = 'RS35260005601001611379';
const http = new HttpClient(IN_FLIGHT);

/** Claims up to a schedule of PER_CLAIM monthly instalments, the first due two weeks ago, with a payee. */
async function payableClaims(port: number, tk: Awaited<ReturnType<typeof benchTokens>>, count: number): Promise<string[]> {
  const upToNotice = lifecycleSteps().slice(0, 8);
  const ids: string[] = [];
  let next = 0;
  await withProgress('claims made payable', { total: count, unit: 'claims' }, (progress) => Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < count) {
      const n = next++;
      const { claimId } = await sendCommand(http, port, 'file', '/claims', tk.lawyer, fileBody(n), 201);
      for (const [name, p, who, body] of upToNotice) {
        await sendCommand(http, port, name, `/claims/${claimId}/${p}`, tk[who], body, 200);
        if (name === 'assessment') {
          await sendCommand(http, port, 'payee', `/claims/${claimId}/payee`, tk.lawyer, { kind: 'victim', payee: { name: `Bench Payee ${n}`, iban: 'RS35 9085 0010 3195 8472 62' } }, 200);
        }
      }
      await sendCommand(http, port, 'schedule', `/claims/${claimId}/payout-schedule`, tk.finance, { instalments: PER_CLAIM, firstDueOn: day(-14), intervalMonths: 1 }, 200);
      ids.push(claimId);
      progress.advance(1);
    }
  })));
  return ids;
}

/** Events appended to `$all` after `from` (system events left out), and the position reached. */
async function eventsSince(connection: string, from: Position | typeof START): Promise<{ count: number; to: Position | typeof START }> {
  // A client of its own: a long-lived one that had left a read early once stalled here, mid-$all (not reproduced since; docs/benchmarks.md).
  const client = EventStoreDBClient.connectionString(connection);
  let count = 0;
  let to = from;
  for await (const e of client.readAll({ fromPosition: from, maxCount: Number.MAX_SAFE_INTEGER })) {
    if (!e.event || e.event.type.startsWith('$')) continue;
    if (from !== START && e.event.position.commit === (from as Position).commit) continue;
    count += 1;
    to = e.event.position;
  }
  void client.dispose();
  return { count, to };
}

async function lastPosition(client: EventStoreDBClient): Promise<Position | typeof START> {
  let last: Position | typeof START = START;
  for await (const e of client.readAll({ fromPosition: END, direction: 'backwards', maxCount: 1 })) if (e.event) last = e.event.position;
  return last;
}

/** A camt.053.001.08 statement of the fund's account booking each payment (entries in the runs' order). */
function statementOf(payments: { e2e: string; amount: string }[]): string {
  const booked = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Belgrade' }).format(new Date());
  const entries = payments.map((p, i) => `<Ntry><Amt Ccy="RSD">${p.amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${booked}</Dt></BookgDt>`
    + `<AcctSvcrRef>BK-${i}</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>BK-${i}</AcctSvcrRef><EndToEndId>${p.e2e}</EndToEndId></Refs>`
    + `<Amt Ccy="RSD">${p.amount}</Amt></TxDtls></NtryDtls></Ntry>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>`
    + `<GrpHdr><MsgId>BENCH-1</MsgId><CreDtTm>${new Date().toISOString().slice(0, 19)}</CreDtTm></GrpHdr>`
    + `<Stmt><Id>BENCH-STMT-1</Id><Acct><Id><IBAN>${FUND_IBAN}</IBAN></Id><Ccy>RSD</Ccy></Acct>${entries}</Stmt></BkToCstmrStmt></Document>`;
}

/** `count` single-event appends to fresh streams, `inFlight` at a time: seconds taken. */
async function bareAppends(client: EventStoreDBClient, count: number, inFlight: number): Promise<number> {
  const run = crypto.randomUUID();
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) {
      const i = next++;
      await client.appendToStream(`bench-payment-${run}-${i % 1000}`, jsonEvent({
        type: 'BenchEvent', data: { claimId: `c${i}`, amount: RSD(20_000_000), endToEndId: `E2E-${i}`, bankReference: `BK-${i}`, note: 'x'.repeat(120) },
      }));
    }
  }));
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command')], 'tsc -b services/command packages/embedded-eventstore');
  const run = new BenchRun('paybench', DEADLINE_MS);
  const claimsNeeded = Math.ceil(PAYMENTS / PER_CLAIM);
  const runs = Math.ceil(PAYMENTS / MAX_RUN_PAYMENTS);
  process.stdout.write(`payments benchmark (${os.cpus().length} cores, node ${process.version}): ${fmt(PAYMENTS)} instalments of ${fmt(claimsNeeded)} claims, `
    + `${runs} runs of at most ${MAX_RUN_PAYMENTS}, one statement of ${fmt(PAYMENTS)} entries\n\n`);
  const store = await startEventStore(run);
  const service = await startService(run, 'command', { connection: store.connection, env: { RECONCILER_ENABLED: 'false' } });
  const port = service.port;
  // The service's errors (warn and above), so that a failed phase says why.
  service.proc.stdout!.on('data', (chunk: Buffer) => { if (/"level":(4|5|6)0/.test(chunk.toString())) process.stderr.write(chunk); });
  const tk = await benchTokens(run.dir('data'));
  const finance2 = await signToken(await readJwtSecretFile(jwtSecretPath(run.dir('data'))), { sub: 'bench-finance-2', roles: ['fund-finance'], jurisdictions: ['RS'] });
  await allocateLargeBudget(http, port, tk);
  const client = EventStoreDBClient.connectionString(store.connection);

  let t0 = performance.now();
  const claims = await payableClaims(port, tk, claimsNeeded);
  report('claims made payable (not measured), s', fmt((performance.now() - t0) / 1000, 1));

  const payments = claims.flatMap((claimId) => Array.from({ length: PER_CLAIM }, (_, i) => ({ claimId, instalment: i + 1 }))).slice(0, PAYMENTS);
  const executionOn = day(31 * PER_CLAIM);
  let from = await lastPosition(client);
  t0 = performance.now();
  const runIds: string[] = [];
  let prepareS = 0;
  for (let i = 0; i < payments.length; i += MAX_RUN_PAYMENTS) {
    const p0 = performance.now();
    const r = await http.request(port, 'POST', '/payment-runs', tk.finance, { jurisdiction: 'RS', executionOn, payments: payments.slice(i, i + MAX_RUN_PAYMENTS) });
    if (r.status !== 201) throw new Error(`prepare: ${r.status} ${r.text}`);
    prepareS += (performance.now() - p0) / 1000;
    runIds.push((JSON.parse(r.text) as { runId: string }).runId);
    process.stdout.write(`  run ${runIds.length} of ${runs} prepared (${fmt(performance.now() - p0)} ms)\n`);
  }
  let releaseS = 0;
  for (const runId of runIds) {
    const r0 = performance.now();
    const r = await http.request(port, 'POST', `/payment-runs/${runId}/release`, finance2, {});
    if (r.status !== 200) throw new Error(`release: ${r.status} ${r.text}`);
    releaseS += (performance.now() - r0) / 1000;
    process.stdout.write(`  run ${runIds.indexOf(runId) + 1} of ${runs} released (${fmt(performance.now() - r0)} ms)\n`);
  }
  const producedS = (performance.now() - t0) / 1000;
  process.stdout.write('  counting the events written\n');
  const produced = await eventsSince(store.connection, from);
  from = produced.to;

  const e2e: { e2e: string; amount: string }[] = [];
  for (const runId of runIds) {
    for await (const e of client.readStream(`paymentrun-${runId}`, { maxCount: 1 })) {
      for (const item of (e.event!.data as { items: { endToEndId: string; amount: { amountMinor: number } }[] }).items) {
        e2e.push({ e2e: item.endToEndId, amount: (item.amount.amountMinor / 100).toFixed(2) });
      }
    }
  }
  const xml = statementOf(e2e);
  t0 = performance.now();
  const imported = await http.requestRaw(port, 'POST', '/bank-statements', xml, { authorization: `Bearer ${tk.finance}`, 'content-type': 'application/xml' });
  const importS = (performance.now() - t0) / 1000;
  if (imported.status !== 201) throw new Error(`import: ${imported.status} ${imported.text.slice(0, 500)}`);
  const counts = (JSON.parse(imported.text) as { counts: Record<string, number> }).counts;
  if (counts['paid'] !== PAYMENTS) throw new Error(`the statement paid ${counts['paid']} of ${PAYMENTS}: ${imported.text.slice(0, 500)}`);
  const importedEvents = await eventsSince(store.connection, from);

  const bareProduceS = await bareAppends(client, produced.count, 1);
  const bareImportS = await bareAppends(client, importedEvents.count, 8);
  await client.dispose();

  report(`runs prepared and released (${runIds.length} runs, ${fmt(PAYMENTS)} payments), s`, `${fmt(producedS, 1)}  (prepare ${fmt(prepareS, 1)}, release ${fmt(releaseS, 1)})`);
  report('  events written / events/s', `${fmt(produced.count)} / ${fmt(produced.count / producedS)}`);
  report('  bare appends of as many events, one at a time: s / events/s', `${fmt(bareProduceS, 1)} / ${fmt(produced.count / bareProduceS)}`);
  report('  ratio runs / bare appends (events/s)', fmt(bareProduceS / producedS, 2));
  report(`statement of ${fmt(PAYMENTS)} entries imported (${fmt(Buffer.byteLength(xml) / 1024 / 1024, 1)} MiB), s`, fmt(importS, 1));
  report('  events written / events/s', `${fmt(importedEvents.count)} / ${fmt(importedEvents.count / importS)}`);
  report('  bare appends of as many events, 8 in flight: s / events/s', `${fmt(bareImportS, 1)} / ${fmt(importedEvents.count / bareImportS)}`);
  report('  ratio import / bare appends (events/s)', fmt(bareImportS / importS, 2));

  await run.stop(service.proc);
  await run.stop(store.proc);
  http.destroy();
}

runBench(main);
