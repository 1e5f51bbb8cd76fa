/**
 * A rebuild's progress: GET /admin/rebuild and the rebuild gauges of /metrics over real HTTP
 * while POST /admin/rebuild runs over a few thousand events, and `pnpm rebuild:projections`
 * (the CLI, as a child process) printing it.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GENESIS_HASH, appendEncoded, type CommandMetadata, type EncodedEvent } from '@cfund/eventstore';
import { allocateBudget, disburse, rsYear, scheduledClaim, startHarness, startProjection, tokens } from './helpers.ts';

const CLAIMS = 300;
const CLI = resolve(import.meta.dirname, '../src/rebuild-cli.ts');
/** tap's TypeScript loader and the ws-source condition, so the child runs src/ without a build. */
const childExecArgv = process.execArgv.filter((a) => !a.includes('@tapjs/processinfo'));

interface Status { state: string; eventsDone?: number; eventsTotal?: number; ratePerSecond?: number; etaSeconds?: number; startedAt?: string; finishedAt?: string }

t.test('rebuild progress', async (t) => {
  const h = await startHarness(t);
  const tk = await tokens(h);
  await allocateBudget(h, tk, rsYear(h.clock.now));
  const template = await scheduledClaim(h, tk, 90_000_000, 2);
  await disburse(h, template, tk, 1);
  // Copies of the template claim's stream under new ids: a few thousand events.
  const events: (EncodedEvent & { metadata: CommandMetadata })[] = [];
  for await (const r of h.env.eventStore.readStream(`claim-${template}`)) {
    const { hash: _h, prevHash: _p, ...meta } = r.event!.metadata as Record<string, unknown>;
    events.push({ type: r.event!.type, data: r.event!.data as EncodedEvent['data'], metadata: meta as unknown as CommandMetadata });
  }
  for (let i = 0; i < CLAIMS; i += 20) {
    await Promise.all(Array.from({ length: 20 }, async () => {
      const id = crypto.randomUUID();
      const batch = events.map((e) => ({ ...e, data: JSON.parse(JSON.stringify(e.data).replaceAll(template, id)) as EncodedEvent['data'] }));
      await appendEncoded(h.env.eventStore, `claim-${id}`, batch, { expectedRevision: 'no_stream', prevHash: GENESIS_HASH, metadata: {}, signer: h.chainSigner });
    }));
  }
  const copied = CLAIMS * events.length;
  t.ok(copied >= 2000, `${copied} events copied`);

  await t.test('GET /admin/rebuild follows POST /admin/rebuild; /metrics has the gauges', async (t) => {
    const app = await startProjection(h);
    t.teardown(() => app.close());
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const operator = await h.token('operator-1', ['operator'], []);
    const auth = { authorization: `Bearer ${operator}` };
    const status = async (): Promise<Status> => (await (await fetch(`${base}/admin/rebuild`, { headers: auth })).json()) as Status;

    t.same(await status(), { state: 'idle' }, 'none since the start');
    t.equal((await fetch(`${base}/admin/rebuild`, { headers: { authorization: `Bearer ${tk.auditor}` } })).status, 403, 'the rebuild\'s own authorisation');
    t.equal((await fetch(`${base}/admin/rebuild`)).status, 401);

    const rebuilt = fetch(`${base}/admin/rebuild`, { method: 'POST', headers: auth }).then(async (r) => (await r.json()) as { events: number });
    let finished = false;
    void rebuilt.finally(() => { finished = true; });
    const seen: Status[] = [];
    let runningMetrics = '';
    while (!finished) {
      const s = await status();
      seen.push(s);
      if (s.state === 'running' && (s.eventsDone ?? 0) > 0 && !runningMetrics) runningMetrics = await (await fetch(`${base}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 5));
    }
    const result = await rebuilt;
    t.ok(result.events > copied, `${result.events} events rebuilt`);
    const running = seen.filter((s) => s.state === 'running');
    t.ok(running.length > 0, `seen running ${running.length} times`);
    const done = running.map((s) => s.eventsDone!);
    t.same(done, [...done].sort((a, b) => a - b), `events done only grow: ${[...new Set(done)].join(', ')}`);
    const midway = running.find((s) => s.eventsDone! > 0 && s.eventsDone! < result.events);
    t.ok(midway, 'seen part-way through');
    if (midway) {
      t.ok(midway.eventsTotal! > midway.eventsDone!, `the total estimated from $all positions: ${midway.eventsTotal} (of ${result.events})`);
      t.ok(midway.eventsTotal! <= result.events * 1.5 && midway.eventsTotal! >= result.events * 0.5, 'and close to the real one');
      t.ok(midway.ratePerSecond! > 0, `${Math.round(midway.ratePerSecond!)} events/s`);
    }
    t.match(runningMetrics, /cfund_rebuild_running 1/, 'the gauges while it runs');
    t.match(runningMetrics, /cfund_rebuild_events_done [1-9]/);

    const last = await status();
    t.match(last, { state: 'done', eventsDone: result.events, eventsTotal: result.events, etaSeconds: 0 });
    t.ok(Date.parse(last.finishedAt!) >= Date.parse(last.startedAt!));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    t.match(metrics, new RegExp(`cfund_rebuild_events_done ${result.events}\\n`));
    t.match(metrics, new RegExp(`cfund_rebuild_events_total ${result.events}\\n`));
    t.match(metrics, /cfund_rebuild_rate [1-9]/);
    t.match(metrics, /cfund_rebuild_running 0/);
  });

  await t.test('pnpm rebuild:projections prints its progress', async (t) => {
    const dataDir = join(h.dataDir, 'cli');
    mkdirSync(dataDir);
    const child = spawn(process.execPath, [...childExecArgv, CLI], {
      env: { ...process.env, ESDB_CONNECTION_STRING: h.env.esdbConnectionString, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    t.equal(code, 0, stderr);
    const events = Number(/from (\d+) events/.exec(stdout)?.[1]);
    t.ok(events > copied, stdout);
    t.match(stderr, new RegExp(`^rebuild 100% ${events}/${events} events [\\d.]+/s ETA 0s$`, 'm'), 'a last progress line (not a terminal: no bar)');
    t.notOk(stderr.includes('\r'));
  });
});
