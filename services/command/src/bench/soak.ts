/**
 * Soak: does the command service's memory level off under a stream of malformed requests?
 * Starts the embedded event store and the command service (as `npm start` runs them, rate limits
 * off as in every benchmark), sends malformed requests (bad JSON, wrong types, NUL bytes, huge
 * strings, wrong media types, bad tokens, unknown routes, bad path parameters) from 16
 * connections for SOAK_SECONDS (default 180), and prints the service's heap and RSS (from its
 * /metrics) every SOAK_REPORT_SECONDS (default 15). Not a test: run it by hand, record the
 * figures in docs/benchmarks.md.
 *
 *   pnpm soak:commands              # SOAK_SECONDS=600 for a longer run
 */
import os from 'node:os';
import { BenchRun, HttpClient, benchTokens, requireBuilt, serviceMain, startEventStore, startService, storeCli, runBench } from '@cfund/bench-kit';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const REPORT_SECONDS = Number(process.env.SOAK_REPORT_SECONDS ?? 15);
const IN_FLIGHT = 16;

const UUID = '00000000-0000-4000-8000-000000000000';

/** The malformed requests, in turn: [method, path, body, headers]. Bodies are sent as given (strings raw). */
function malformed(lawyer: string): [string, string, string | undefined, Record<string, string>][] {
  const json = { 'content-type': 'application/json' };
  const auth = { authorization: `Bearer ${lawyer}` };
  return [
    ['POST', '/claims', '{"jurisdiction":', { ...json, ...auth }],
    ['POST', '/claims', JSON.stringify({ jurisdiction: 42, victim: 'x' }), { ...json, ...auth }],
    ['POST', '/claims', JSON.stringify({ jurisdiction: 'RS', victim: { fullName: 'a\u0000b'.repeat(100) } }), { ...json, ...auth }],
    ['POST', '/claims', JSON.stringify({ note: 'x'.repeat(60_000) }), { ...json, ...auth }],
    ['POST', '/claims', JSON.stringify({ big: 'y'.repeat(100_000) }), { ...json, ...auth }],
    ['POST', '/claims', 'name=x', { 'content-type': 'text/plain', ...auth }],
    ['POST', `/claims/${UUID}/evidence`, JSON.stringify({ documentId: '\ud800', kind: [] }), { ...json, ...auth }],
    ['POST', `/claims/not-a-uuid/withdrawal`, '{}', { ...json, ...auth }],
    ['POST', `/claims/${'x'.repeat(300)}/withdrawal`, '{}', { ...json, ...auth }],
    ['POST', '/claims/%E0%A4%A/withdrawal', '{}', { ...json, ...auth }],
    ['POST', '/claims', '{}', { ...json, authorization: 'Bearer x.y.z' }],
    ['POST', '/claims', '{}', { ...json, authorization: `Bearer ${'a'.repeat(3000)}` }],
    ['POST', `/claims/${UUID}/criminal-proceedings`, '{}', { ...json, ...auth, 'if-match': 'yesterday', 'idempotency-key': 'k'.repeat(300) }],
    ['GET', `/nowhere/${'z'.repeat(1000)}?q=%00`, undefined, auth],
    ['POST', `/funds/ZZ/99999/budget`, JSON.stringify({ amount: { amountMinor: -1, currency: 'XXX' } }), { ...json, ...auth }],
  ];
}

async function metric(http: HttpClient, port: number, name: string): Promise<number> {
  const text = (await http.request(port, 'GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command')], 'tsc -b services/command packages/embedded-eventstore');
  const run = new BenchRun('soak', (SECONDS + 120) * 1000);
  process.stdout.write(`command service soak (${os.cpus().length} cores, node ${process.version}): malformed requests, ${IN_FLIGHT} in flight, ${SECONDS} s\n\n`);
  const store = await startEventStore(run);
  const service = await startService(run, 'command', { connection: store.connection });
  const tk = await benchTokens(run.dir('data'));
  const requests = malformed(tk.lawyer);
  const http = new HttpClient(IN_FLIGHT + 1);

  const rows: { s: number; sent: number; heapMb: number; rssMb: number }[] = [];
  const sample = async (s: number, sent: number) => {
    const heapMb = (await metric(http, service.port, 'cfund_nodejs_heap_size_used_bytes')) / 2 ** 20;
    const rssMb = (await metric(http, service.port, 'cfund_process_resident_memory_bytes')) / 2 ** 20;
    rows.push({ s, sent, heapMb, rssMb });
    process.stdout.write(`${String(s).padStart(5)} s  ${String(sent).padStart(9)} requests  heap ${heapMb.toFixed(1).padStart(6)} MB  rss ${rssMb.toFixed(1).padStart(6)} MB\n`);
  };

  let sent = 0;
  const statuses = new Map<number, number>();
  const started = Date.now();
  const end = started + SECONDS * 1000;
  await sample(0, 0);
  let nextReport = started + REPORT_SECONDS * 1000;
  const reporter = (async () => {
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(nextReport, end) - Date.now())));
      if (Date.now() >= nextReport) {
        await sample(Math.round((Date.now() - started) / 1000), sent);
        nextReport += REPORT_SECONDS * 1000;
      }
    }
  })();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, worker) => {
    for (let i = worker; Date.now() < end; i += IN_FLIGHT) {
      const [method, path, body, headers] = requests[i % requests.length]!;
      const answer = await http.requestRaw(service.port, method, path, body, headers).then((a) => a.status, () => 0);
      statuses.set(answer, (statuses.get(answer) ?? 0) + 1);
      sent += 1;
    }
  }));
  await reporter;
  await sample(Math.round((Date.now() - started) / 1000), sent);
  http.destroy();

  const after = rows.filter((r) => r.s >= SECONDS / 3);
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  process.stdout.write(`\nstatuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}\n`);
  process.stdout.write(`after the first third: heap ${Math.min(...after.map((r) => r.heapMb)).toFixed(1)}–${Math.max(...after.map((r) => r.heapMb)).toFixed(1)} MB `
    + `(spread ${spread(after.map((r) => r.heapMb)).toFixed(1)}), rss ${Math.min(...after.map((r) => r.rssMb)).toFixed(1)}–${Math.max(...after.map((r) => r.rssMb)).toFixed(1)} MB\n`);
  run.cleanup();
}

runBench(main, 'soak');
