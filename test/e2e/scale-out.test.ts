/**
 * Issue 19 §2: two command services, two projections and two notification services at once on
 * the embedded store and a real nats-server, each instance with its own DATA_DIR, durable
 * consumer and name. 1,000 claims are filed through both command services (a light path: one
 * filing each, in Kosovo, six months after an incident a year ago, so that the application
 * deadline is already missed and its reminder falls due at once); then both read models equal the
 * event store, and every reminder was emailed exactly once (a real SMTP server counts the
 * Message-IDs) although both notification services planned and fired it.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { claimIdOfStream } from '@cfund/contracts';
import { eventually } from '@cfund/test-support';
import { issuedEmails, mailsPerNotification, startSmtpServer } from '../../services/notification/test/receivers.ts';
import { call, startSystem } from './system.ts';

const CLAIMS = Number(process.env.SCALE_OUT_CLAIMS ?? 1000);
const IN_FLIGHT = 8;

// Six services starting and 1,000 claims: longer than the suite's 10 minutes when other suites share the two cores.
t.setTimeout(30 * 60_000);

t.test('two of each service: 1,000 claims through both command services, both read models equal the event store, every notification once', async (t) => {
  const smtp = await startSmtpServer();
  t.teardown(() => smtp.close());
  const directoryDir = join((await import('node:os')).tmpdir(), `cfund-scale-out-${randomBytes(4).toString('hex')}.json`);
  await writeFile(directoryDir, JSON.stringify({ users: { 'lawyer-xk': { email: 'lawyer@example.org' } } }));
  const system = await startSystem(t, {
    instances: 2, logLevel: 'warn',
    env: { SMTP_URL: smtp.url, NOTIFICATION_DIRECTORY: directoryDir, SCHEDULER_INTERVAL_MS: '200', NOTIFICATION_LEASE_TTL_MS: '3000' },
  });
  if ('skipped' in system) return t.plan(0, system.skipped);
  const lawyer = await system.token('lawyer-xk', 'lawyer', ['XK']);
  const auditor = await system.token('auditor-xk', 'auditor', ['XK']);

  const began = performance.now();
  let next = 0;
  const filed: string[] = [];
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < CLAIMS) {
      const i = next++;
      const r = await call(system.urls.command[i % 2]!, 'POST', '/claims', lawyer, {
        jurisdiction: 'XK', applicantRole: 'direct', victim: { fullName: `Victim ${i}`, dateOfBirth: '1990-01-01' },
        formOfExploitation: 'labour', incidentOn: '2025-06-01', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 500_000, currency: 'EUR' } }],
      });
      if (r.status !== 201) throw new Error(`claim ${i}: ${r.status} ${r.text}`);
      filed.push((JSON.parse(r.text) as { claimId: string }).claimId);
    }
  }));
  const filing = (performance.now() - began) / 1000;
  t.equal(filed.length, CLAIMS, `${CLAIMS} claims filed through both command services in ${filing.toFixed(1)} s`);

  // What the event store holds: every claim stream and its last revision.
  const storeRevisions = async () => {
    const heads = new Map<string, number>();
    for await (const r of system.env.eventStore.readAll({ fromPosition: 'start', maxCount: Number.MAX_SAFE_INTEGER })) {
      const claimId = r.event ? claimIdOfStream(r.event.streamId) : undefined;
      if (claimId) heads.set(claimId, Number(r.event!.revision));
    }
    return heads;
  };
  const readModel = async (base: string) => {
    const rows = new Map<string, number>();
    for (let offset = 0; ; offset += 500) {
      const r = await call(base, 'GET', `/claims?jurisdiction=XK&limit=500&offset=${offset}`, auditor);
      if (r.status !== 200) throw new Error(`${base}: ${r.status} ${r.text}`);
      const page = JSON.parse(r.text) as { items: { claimId: string; revision: number }[] };
      for (const c of page.items) rows.set(c.claimId, c.revision);
      if (page.items.length < 500) return rows;
    }
  };
  const heads = await storeRevisions();
  t.equal(heads.size, CLAIMS, 'the event store has every claim');
  for (const [n, base] of system.urls.projection.entries()) {
    let rows = new Map<string, number>();
    await eventually(`projection ${n + 1} to catch up`, async () => {
      rows = await readModel(base);
      return rows.size === heads.size && [...heads].every(([id, rev]) => rows.get(id) === rev);
    }, 300_000, 1000).catch(() => undefined); // compared below either way
    t.same([...rows].sort(), [...heads].sort(), `projection ${n + 1}'s read model equals the event store (every claim at its last revision)`);
  }
  const projected = (performance.now() - began) / 1000;

  // Every claim's missed application deadline: one reminder, emailed once, by whichever instance sends.
  let issued = new Map<string, string>();
  await eventually('every reminder emailed', async () => {
    issued = await issuedEmails(system.env.eventStore);
    const received = mailsPerNotification(smtp.mails);
    return issued.size >= CLAIMS && [...issued.keys()].every((id) => received.has(id));
  }, 900_000, 1000).catch(() => undefined); // counted below either way
  const notified = (performance.now() - began) / 1000;
  await new Promise((r) => setTimeout(r, 6000)); // two lease TTLs: time for a second sender to show itself
  const counts = mailsPerNotification(smtp.mails);
  t.equal(issued.size, CLAIMS, 'one email notification issued per claim');
  t.ok([...issued.values()].every((topic) => topic === 'deadline-missed'), '... each the missed application deadline');
  t.equal(counts.size, CLAIMS, 'every one arrived, and nothing else');
  t.same([...counts].filter(([, n]) => n !== 1), [], 'none twice');

  const active = await Promise.all(system.urls.notification.map(async (base) => /^cfund_notification_active 1$/m.test(await (await fetch(`${base}/metrics`)).text())));
  t.same(active.filter(Boolean).length, 1, 'one notification service sent; the other stood by');
  // Both inboxes are whole: each instance consumed every event through its own durable.
  for (const [n, base] of system.urls.notification.entries()) {
    let inbox = { total: 0 };
    await eventually(`inbox ${n + 1}`, async () => {
      inbox = JSON.parse((await call(base, 'GET', '/notifications?limit=1', lawyer)).text) as { total: number };
      return inbox.total === CLAIMS;
    }, 60_000, 1000).catch(() => undefined);
    t.equal(inbox.total, CLAIMS, `notification service ${n + 1}'s inbox holds every reminder`);
  }
  t.comment(`filed in ${filing.toFixed(1)} s; both read models equal the store at ${projected.toFixed(1)} s; every email at ${notified.toFixed(1)} s`);
  await system.stopServices();
});
