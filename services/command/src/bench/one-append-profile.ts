/**
 * Where the command service's time goes on one-append claim commands: the service (dist/main.js)
 * runs with `--cpu-prof`; PROFILE_CLAIMS claims (default 1,000) are filed, then each takes the
 * one-append steps of filing to assessment (court ruling, ruling finality, enforcement failure,
 * fund application, assessment) one kind after another, PROFILE_IN_FLIGHT (default 8) in flight,
 * PROFILE_ROUNDS times (default 2: the first warms up). Only the samples taken while the counted
 * steps ran are read (the driver's monotonic clock and V8's profile clock are the same), so the
 * filing's key files and the warm-up stay out. Prints self time by function and by package, the
 * inclusive time of the service's own functions, the store calls per command, and the service's
 * CPU per command over the counted steps (from /proc). PROFILE_DIR keeps the .cpuprofile (default:
 * the run's temp directory); PROFILE_CPU_ONLY=1 runs the service without the profiler and prints
 * only the CPU per command (to compare two builds by turns, a few runs each).
 *
 * `tsc -b services/command packages/embedded-eventstore && node services/command/dist/bench/one-append-profile.js`
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BenchRun, HttpClient, benchTokens, cpuMsOf, fileBody, lifecycleSteps, pool, requireBuilt, runBench, sendCommand, serviceMain, startEventStore, startService, storeCli,
} from '@cfund/bench-kit';

const CLAIMS = Number(process.env.PROFILE_CLAIMS ?? '1000');
const IN_FLIGHT = Number(process.env.PROFILE_IN_FLIGHT ?? '8');
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? '2');
const ONE_APPEND_STEPS = 5;
const CPU_ONLY = process.env.PROFILE_CPU_ONLY === '1';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

/** The owner of a script: its package (node_modules, or the workspace's packages and services), node itself, or V8. */
function ownerOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const own = /\/(packages|services)\/([^/]+)\//.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const label = (n: ProfileNode): string => {
  const f = n.callFrame;
  const file = f.url === '' ? '' : ` ${f.url.replace(/^.*\/(node_modules|packages|services)\//, '$1/')}:${f.lineNumber + 1}`;
  return `${f.functionName || '(anonymous)'}${file}`;
};

/** Self and inclusive time of the samples taken in [from, to] (µs, the profile's clock). */
function analyse(profile: CpuProfile, from: number, to: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let t = profile.startTime;
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i]!;
    if (t < from || t > to) continue;
    const id = profile.samples[i]!;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') { idle += 1; continue; }
    total += 1;
    self.set(id, (self.get(id) ?? 0) + 1);
  }
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  const selfByLabel = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, count] of self) {
    const node = byId.get(id)!;
    selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + count);
    const owner = ownerOf(node.callFrame.url, node.callFrame.functionName);
    selfByOwner.set(owner, (selfByOwner.get(owner) ?? 0) + count);
    // Each function once per sample, however deep its recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + count);
    }
  }
  const top = (m: Map<string, number>, n: number, keep: (k: string) => boolean = () => true) => [...m].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `  ${pct(v)}  ${k}`).join('\n');
  return `busy samples ${total} (idle ${idle} left out)\n\nself time by package:\n${top(selfByOwner, 25)}\n\nself time by function:\n${top(selfByLabel, 45)}\n\n`
    + `inclusive time of the workspace's functions:\n${top(inclusive, 70, (k) => /(packages|services)\//.test(k) && !k.includes('node_modules'))}\n`;
}

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command')], 'tsc -b services/command packages/embedded-eventstore');
  const run = new BenchRun('cmdprof', 600_000);
  const dir = process.env.PROFILE_DIR ? path.resolve(process.env.PROFILE_DIR) : run.dir('profile');
  fs.mkdirSync(dir, { recursive: true });
  const store = await startEventStore(run);
  const service = await startService(run, 'command', {
    connection: store.connection, ...(CPU_ONLY ? {} : { cpuProfDir: dir }), env: { RECONCILER_ENABLED: 'false', DOCUMENT_SWEEP_INTERVAL_MS: '0' },
  });
  const http = new HttpClient(IN_FLIGHT);
  const tk = await benchTokens(run.dir('data'));
  const steps = lifecycleSteps().slice(0, ONE_APPEND_STEPS);
  const windows: [number, number][] = [];
  let cpuMs = 0;
  const roundTrips = async (): Promise<Map<string, number>> => {
    const r = await http.request(service.port, 'GET', '/metrics', undefined);
    return new Map(r.text.split('\n').filter((l) => l.startsWith('cfund_eventstore_round_trips_total')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
  };
  let tripsBefore = new Map<string, number>();
  let tripsAfter = new Map<string, number>();
  const now = () => Number(process.hrtime.bigint() / 1000n);
  for (let round = 0; round < ROUNDS; round += 1) {
    const ids: string[] = [];
    await pool(Array.from({ length: CLAIMS }, (_, i) => i), IN_FLIGHT, async (i) => {
      ids[i] = (await sendCommand(http, service.port, 'file claim', '/claims', tk.lawyer, fileBody(round * CLAIMS + i), 201)).claimId;
    });
    tripsBefore = await roundTrips();
    const cpuBefore = cpuMsOf(service.proc.pid) ?? NaN;
    const from = now();
    for (const [name, p, who, body] of steps) {
      await pool(ids, IN_FLIGHT, async (id) => { await sendCommand(http, service.port, name, `/claims/${id}/${p}`, tk[who], body, 200); });
    }
    windows.push([from, now()]);
    cpuMs = (cpuMsOf(service.proc.pid) ?? NaN) - cpuBefore;
    tripsAfter = await roundTrips();
  }
  await run.stop(service.proc);
  await run.stop(store.proc);
  http.destroy();
  const cpuLine = `service CPU per one-append command, the last round: ${((cpuMs * 1000) / (CLAIMS * ONE_APPEND_STEPS)).toFixed(0)} µs; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`;
  process.stdout.write(cpuLine);
  if (CPU_ONLY) return;
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const [from, to] = windows[windows.length - 1]!;
  process.stdout.write(`one-append claim commands, the last of ${ROUNDS} rounds: ${CLAIMS} claims x ${ONE_APPEND_STEPS} kinds, ${IN_FLIGHT} in flight, `
    + `${((to - from) / 1000).toFixed(0)} ms; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${file}\n`);
  process.stdout.write(analyse(profile, from, to));
  process.stdout.write('\nrequests to the event store per command, the last round:\n');
  for (const [series, count] of tripsAfter) process.stdout.write(`  ${((count - (tripsBefore.get(series) ?? 0)) / (CLAIMS * ONE_APPEND_STEPS)).toFixed(2)}  ${series}\n`);
}

runBench(main);
