/**
 * `pnpm bench:notifications`: the latency from a command's acknowledgement to the inbox entry,
 * and webhook deliveries per second, on the whole path of `npm start`: the embedded event store,
 * nats-server, the compiled command service (hosting the relay) and the compiled notification
 * service, each a child process; this process is the HTTP client and the webhook receiver.
 *
 * 1. Claims are prepared to the point of applying to the fund (filing, ruling, finality,
 *    enforcement failed). Each fund application notifies the RS assessors: an inbox entry and one
 *    delivery to each of WEBHOOKS webhooks registered for that role.
 * 2. Maximum rate: applications with IN_FLIGHT in flight; commands/s. Webhook deliveries/s are
 *    measured over the same phase (first to last delivery).
 * 3. Steady half: applications at half that rate, open loop; for each, the time from the
 *    command's answer to the first poll of the assessor's inbox (every POLL_MS) that shows it.
 *    Target: p99 under 100 ms.
 *
 * BENCH_SCALE (default 1) scales the claims per phase (120); BENCH_IN_FLIGHT (16); BENCH_WEBHOOKS (2).
 * Loopback only; temp directories and children are removed on exit, failure or a signal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { connect } from 'nats';
import type { Role } from '@cfund/contracts';
import { jwtSecretPath, readJwtSecretFile, signToken } from '@cfund/service-kit';
import {
  pool, BenchRun, HttpClient, fmt, natsCredentials, quantile, requireBuilt, serviceMain, startEventStore, startNats, startService, storeCli, withProgress, runBench,
} from '@cfund/bench-kit';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const PER_PHASE = Math.max(20, Math.round(120 * scale));
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '16');
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? '2');
const POLL_MS = 10;
const TARGET_P99_MS = 100;
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? '600000');

const report = (name: string, value: string): void => { process.stdout.write(`${name.padEnd(62)} ${value}\n`); };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const http_ = new HttpClient(IN_FLIGHT + 4);
const request = (port: number, method: string, urlPath: string, token?: string, body?: unknown) => http_.request(port, method, urlPath, token, body);

async function ok(p: Promise<{ status: number; text: string }>, what: string): Promise<string> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  return r.text;
}

// ---- the run --------------------------------------------------------------------------------

async function main(): Promise<void> {
  requireBuilt([storeCli, serviceMain('command'), serviceMain('notification')], 'tsc -b services/notification services/command packages/embedded-eventstore');
  const run = new BenchRun('notifbench', DEADLINE_MS);
  const dataDir = run.dir('data');
  process.stdout.write(`notification benchmark (${os.cpus().length} cores, node ${process.version}, scale ${scale}: ${PER_PHASE} applications per phase, `
    + `${IN_FLIGHT} in flight at the maximum rate, ${WEBHOOKS} webhooks for the assessors, inbox polled every ${POLL_MS} ms)\n\n`);

  const store = await startEventStore(run);
  const nats = await startNats(run);
  const natsUrl = nats.url;
  const command = await startService(run, 'command', { connection: store.connection, natsUrl });
  const commandPort = command.port;
  const notification = await startService(run, 'notification', {
    connection: store.connection, natsUrl, env: {
      LOG_LEVEL: 'info', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', // the receiver is this process
      ...(process.env.NOTIFICATION_SQLITE_SYNC ? { NOTIFICATION_SQLITE_SYNC: process.env.NOTIFICATION_SQLITE_SYNC } : {}),
    },
  });
  const notificationPort = notification.port;

  const secret = await readJwtSecretFile(jwtSecretPath(dataDir));
  const token = (sub: string, role: Role) => signToken(secret, { sub, roles: [role], jurisdictions: ['RS'] });
  const lawyer = await token('lawyer-1', 'lawyer');
  const assessor = await token('assessor-1', 'fund-assessor');

  // The webhook receiver: counts deliveries and when they arrived.
  const hits: number[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { hits.push(performance.now()); res.writeHead(204).end(); });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  for (let i = 0; i < WEBHOOKS; i++) {
    await ok(request(notificationPort, 'POST', '/webhooks', assessor, { url: receiverUrl, target: { kind: 'role', role: 'fund-assessor', jurisdiction: 'RS' } }), 'webhook');
  }

  // 1. Claims ready to apply.
  const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' });
  const prepStart = performance.now();
  const claims: string[] = [];
  await withProgress('preparation', { total: 2 * PER_PHASE, unit: 'claims' }, (progress) => pool(Array.from({ length: 2 * PER_PHASE }, (_, i) => i), IN_FLIGHT, async () => {
    const filed = JSON.parse(await ok(request(commandPort, 'POST', '/claims', lawyer, {
      jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'Bench Victim', dateOfBirth: '1990-01-01' }, formOfExploitation: 'labour',
      incidentOn: '2025-01-10', damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }],
    }), 'file')) as { claimId: string };
    const id = filed.claimId;
    await ok(request(commandPort, 'POST', `/claims/${id}/court-rulings`, lawyer, {
      court: 'Higher Court in Belgrade', caseNumber: 'K-1/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }],
    }), 'ruling');
    await ok(request(commandPort, 'POST', `/claims/${id}/ruling-finality`, lawyer, { finalOn: '2025-06-30' }), 'final');
    await ok(request(commandPort, 'POST', `/claims/${id}/enforcement-failures`, lawyer, { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: '2025-09-01' }), 'enforcement');
    claims.push(id);
    progress.advance(1);
  }));
  report('preparation (4 commands per claim)', `${claims.length} claims in ${fmt((performance.now() - prepStart) / 1000, 1)} s`);
  // Let the notification service drain the preparation's events before anything is measured.
  const handledCount = async () => Number(/^cfund_notification_event_handle_seconds_count (\S+)$/m
    .exec((await request(notificationPort, 'GET', '/metrics')).text)?.[1] ?? 0);
  for (const end = performance.now() + 180_000; (await handledCount()) < 4 * claims.length && performance.now() < end;) await sleep(50);
  report('  ... and their events handled by the notification service', `after ${fmt((performance.now() - prepStart) / 1000, 1)} s`);

  // The assessor's inbox, polled: first time each claim's entry is seen.
  const seen = new Map<string, number>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const r = await request(notificationPort, 'GET', '/notifications?limit=20', assessor);
      const at = performance.now();
      if (r.status === 200) for (const item of (JSON.parse(r.text) as { items: { claimId: string }[] }).items) if (!seen.has(item.claimId)) seen.set(item.claimId, at);
      await sleep(POLL_MS);
    }
  })();
  const waitSeen = async (ids: string[], timeoutMs: number) => {
    const end = performance.now() + timeoutMs;
    while (ids.some((id) => !seen.has(id)) && performance.now() < end) await sleep(20);
    return ids.filter((id) => seen.has(id)).length;
  };
  // When each application reaches NATS (published by the relay): splits the latency in two.
  const nc = await connect({ servers: natsUrl, ...natsCredentials(natsUrl, 'bench') });
  const onNats = new Map<string, number>();
  const sub = nc.subscribe('cfund.events.claim.FundApplicationSubmitted.*');
  void (async () => { for await (const m of sub) onNats.set(m.subject.slice(m.subject.lastIndexOf('.') + 1), performance.now()); })();
  const apply = (id: string) => ok(request(commandPort, 'POST', `/claims/${id}/fund-application`, lawyer, { otherCompensationDeclared: [] }), 'apply');

  // 2. Maximum rate.
  const maxClaims = claims.slice(0, PER_PHASE);
  const hitsBefore = hits.length;
  const maxStart = performance.now();
  await pool(maxClaims, IN_FLIGHT, async (id) => { await apply(id); });
  const maxRate = maxClaims.length / ((performance.now() - maxStart) / 1000);
  report('maximum command rate (fund applications, acknowledged)', `${fmt(maxRate, 1)} commands/s`);
  // The inbox's total (the poller reads only the newest 20, and a burst can pass it).
  let caughtUp = 0;
  for (const end = performance.now() + 120_000; caughtUp < maxClaims.length && performance.now() < end; await sleep(20)) {
    caughtUp = (JSON.parse((await request(notificationPort, 'GET', '/notifications?limit=1', assessor)).text) as { total: number }).total;
  }
  const deliveryEnd = performance.now() + 120_000;
  while (hits.length - hitsBefore < maxClaims.length * WEBHOOKS && performance.now() < deliveryEnd) await sleep(20);
  const phaseHits = hits.slice(hitsBefore);
  const deliveriesPerSecond = phaseHits.length > 1 ? (phaseHits.length - 1) / ((phaseHits.at(-1)! - phaseHits[0]!) / 1000) : NaN;
  report('  inbox entries seen / applications', `${caughtUp} / ${maxClaims.length}`);
  report('  inbox entries/s over the phase (start to the last entry)', `${fmt(caughtUp / ((performance.now() - maxStart) / 1000), 1)}`);
  report(`  webhook deliveries/s (${WEBHOOKS} per application, first to last)`, `${fmt(deliveriesPerSecond, 1)} (${phaseHits.length} delivered)`);

  // 3. Steady half rate, open loop.
  const rate = maxRate / 2;
  const steadyClaims = claims.slice(PER_PHASE);
  const acked = new Map<string, number>();
  const steadyStart = performance.now();
  await Promise.all(steadyClaims.map(async (id, i) => {
    const due = steadyStart + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await apply(id);
    acked.set(id, performance.now());
  }));
  const achieved = steadyClaims.length / ((performance.now() - steadyStart) / 1000);
  const seenSteady = await waitSeen(steadyClaims, 60_000);
  polling = false;
  await poller;
  const latencies = steadyClaims.filter((id) => seen.has(id)).map((id) => Math.max(0, seen.get(id)! - acked.get(id)!)).sort((a, b) => a - b);
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  report('steady rate (half the maximum), achieved', `${fmt(achieved, 1)} commands/s`);
  report('  inbox entries seen / applications', `${seenSteady} / ${steadyClaims.length}`);
  report('  command acknowledged -> inbox entry, p50', `${fmt(p50, 1)} ms`);
  report('  command acknowledged -> inbox entry, p99', `${fmt(p99, 1)} ms`);
  report('  command acknowledged -> inbox entry, max', `${fmt(latencies.at(-1) ?? NaN, 1)} ms`);
  const toNats = steadyClaims.filter((id) => onNats.has(id)).map((id) => Math.max(0, onNats.get(id)! - acked.get(id)!)).sort((a, b) => a - b);
  const natsToInbox = steadyClaims.filter((id) => onNats.has(id) && seen.has(id)).map((id) => Math.max(0, seen.get(id)! - onNats.get(id)!)).sort((a, b) => a - b);
  report('  of which acknowledged -> on NATS (the relay), p50 / p99', `${fmt(quantile(toNats, 0.5), 1)} / ${fmt(quantile(toNats, 0.99), 1)} ms`);
  report('  of which on NATS -> inbox entry (this service), p50 / p99', `${fmt(quantile(natsToInbox, 0.5), 1)} / ${fmt(quantile(natsToInbox, 0.99), 1)} ms`);
  report(`target: p99 under ${TARGET_P99_MS} ms at half the maximum rate`, p99 < TARGET_P99_MS && seenSteady === steadyClaims.length ? 'met' : 'missed');

  // Where the time goes, from the notification service's own metrics (the whole run).
  const metrics = (await request(notificationPort, 'GET', '/metrics')).text;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const handled = value('cfund_notification_event_handle_seconds_count');
  report('claim events handled by the notification service', `${fmt(handled)}`);
  report('  mean time to handle one (appends + local commit)', `${fmt((value('cfund_notification_event_handle_seconds_sum') / handled) * 1000, 1)} ms`);
  report('  mean event store commit -> notifications committed', `${fmt((value('cfund_notification_event_lag_seconds_sum') / handled) * 1000, 1)} ms`);
  report('  share within 200 ms of the event store commit', `${fmt((100 * value('cfund_notification_event_lag_seconds_bucket{le="0.2"}')) / handled, 1)} %`);

  receiver.close();
  sub.unsubscribe();
  await nc.close();
  http_.destroy();
  run.cleanup();
}

runBench(main);
