/** Pure core: who learns what, templates and locales, notification ids, reminder instants across DST. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  Templates, defaultNotificationSettings, desiredReminders, evolveSnapshot, initialSnapshot, notificationId, recipientKey, reminderInstants, reminderIntent, routeClaimEvent, keysOf,
  type NotificationIntent,
} from '../src/index.ts';
import { VICTIM_REF, claimEvent, fold, rsLifecycle } from './fixtures.ts';

const { reminders } = defaultNotificationSettings();

function routeAll(events: ReturnType<typeof rsLifecycle>): { type: string; intents: NotificationIntent[] }[] {
  let state = initialSnapshot();
  return events.map((event, i) => {
    const after = evolveSnapshot(state, event);
    const intents = routeClaimEvent(event, state, after, { eventId: `event-${i}`, occurredAt: `2026-01-01T00:00:0${i % 10}.000Z` });
    state = after;
    return { type: event.type, intents };
  });
}

t.test('routing table: the lawyer, fund staff by role in the jurisdiction, the dpo', async (t) => {
  const routed = routeAll(rsLifecycle());
  const seen = routed.map(({ type, intents }) => `${type}: ${intents.map((i) => `${recipientKey(i.recipient)}/${i.topic}`).join(', ')}`);
  t.same(seen, [
    'ClaimFiled: ',
    'CourtRulingRecorded: ',
    'RulingBecameFinal: ',
    'EnforcementFailed: ',
    'FundApplicationSubmitted: role:fund-assessor:RS/application-submitted',
    'ClaimAssessed: user:lawyer-1/claim-assessed, role:fund-approver:RS/assessment-awaiting-approval',
    'AwardApprovalGiven: role:fund-approver:RS/second-approval-needed',
    'AwardApprovalGiven: ',
    'AwardApproved: user:lawyer-1/award-approved',
    'DecisionNotified: user:lawyer-1/decision-notified',
    'DecisionAppealed: role:fund-approver:RS/appeal-filed',
    'AppealDecided: user:lawyer-1/appeal-decided',
    'PayoutScheduled: user:lawyer-1/payout-scheduled, role:fund-finance:RS/instalments-scheduled',
    'PayoutFailed: user:lawyer-1/payout-failed, role:fund-finance:RS/payout-failed-finance',
    'PayoutDisbursed: user:lawyer-1/payout-disbursed',
    'PersonalDataErased: role:dpo:RS/erasure-completed',
  ]);
  const all = routed.flatMap((r) => r.intents);
  const json = JSON.stringify(all);
  t.notOk(json.includes(VICTIM_REF), 'no victim reference');
  t.notOk(json.includes('Jane Victim'), 'no free text of events (grounds, reasons)');
  t.ok(all.every((i) => i.claimId && i.publicReference === 'RS-2026-000042' && i.timeZone === 'Europe/Belgrade'), 'claim id, public reference, scheme zone');
  const notified = all.find((i) => i.topic === 'decision-notified')!;
  t.same(notified.params.appealDeadline, { date: '2026-04-06' });
  t.same(notified.params.decision, { code: 'approved' });

  // An award at or below the threshold needs one approval: no "second approval needed".
  const small = rsLifecycle().slice(0, 6);
  let s = fold(small);
  const given = claimEvent('AwardApprovalGiven', { claimId: s.claimId, approver: 'approver-1', netAward: { amountMinor: 100, currency: 'RSD' }, approvalNumber: 1 });
  t.same(routeClaimEvent(given, s, (s = evolveSnapshot(s, given)), { eventId: 'x', occurredAt: '2026-01-01T00:00:00Z' }), []);
  t.same(routeAll([rsLifecycle()[0]!])[0]!.intents, [], 'a filing tells nobody');
});

t.test('a caller sees their own and their roles\' notifications', async (t) => {
  t.same(keysOf({ sub: 'u1', roles: ['fund-approver', 'fund-finance'], jurisdictions: ['RS', 'BA'] }),
    ['user:u1', 'role:fund-approver:RS', 'role:fund-approver:BA', 'role:fund-finance:RS', 'role:fund-finance:BA']);
});

t.test('notification ids are deterministic per source, recipient and channel', async (t) => {
  const a = notificationId('event-1', 'user:lawyer-1', 'inbox');
  t.equal(a, notificationId('event-1', 'user:lawyer-1', 'inbox'));
  t.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const others = [notificationId('event-1', 'user:lawyer-1', 'email'), notificationId('event-1', 'user:lawyer-2', 'inbox'),
    notificationId('event-2', 'user:lawyer-1', 'inbox'), notificationId('event-1', 'user:lawyer-1', 'webhook:w1')];
  t.equal(new Set([a, ...others]).size, 5);
});

t.test('templates: English, plain text and HTML, dates in the scheme\'s zone, drop-in catalogues', async (t) => {
  const templates = new Templates();
  const params = {
    claimId: 'c-1', publicReference: 'RS-<b>1</b>', decision: { code: 'rejected' },
    servedAt: { instant: '2026-03-28T23:30:00.000Z' }, appealDeadline: { date: '2026-04-13' },
  };
  const r = templates.render('decision-notified', params, { locale: 'en', timeZone: 'Europe/Belgrade' });
  t.equal(r.subject, 'Decision served for claim RS-<b>1</b>: appeal by Monday, April 13, 2026');
  t.match(r.text, /served on March 29, 2026 at 12:30\sAM GMT\+1/, 'instant in Belgrade time (23:30 UTC is the next day)');
  t.match(r.text, /POST \/claims\/c-1\/appeals/);
  t.match(r.text, /a rejection/);
  t.match(r.html, /RS-&lt;b&gt;1&lt;\/b&gt;/, 'values are escaped in HTML');
  t.notMatch(r.html, /<b>1<\/b>/);
  t.match(r.html, /^<!doctype html><html lang="en">/);
  const money = templates.render('award-approved', { claimId: 'c', publicReference: 'P', netAward: { money: { amountMinor: 90_000_000, currency: 'RSD' } } }, { locale: 'en', timeZone: 'Europe/Belgrade' });
  t.match(money.text, /RSD\s900,000\.00/);

  const dir = mkdtempSync(join(tmpdir(), 'cfund-locales-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'sr-Latn.json'), JSON.stringify({
    'decision-notified.subject': 'Rešenje dostavljeno za predmet {publicReference}: žalba do {appealDeadline}',
  }));
  const local = Templates.fromDirectory(dir);
  const sr = local.render('decision-notified', params, { locale: 'sr-Latn', timeZone: 'Europe/Belgrade' });
  t.match(sr.subject, /^Rešenje dostavljeno za predmet RS-<b>1<\/b>: žalba do ponedeljak, 13\. april 2026\.$/, 'a drop-in message replaces the built-in one; the date in the locale');
  t.match(sr.text, /odbijanje/, 'the other messages stay');
  t.match(sr.html, /lang="sr-Latn"/);
  writeFileSync(join(dir, 'sr-Latn.json'), JSON.stringify({ 'decision-notified.subject': 'Rešenje za {publicReference}: žalba do {appealDate}' }));
  t.throws(() => Templates.fromDirectory(dir), /sr-Latn decision-notified\.subject: placeholders/, 'a drop-in with other placeholders is refused at start-up');
  writeFileSync(join(dir, 'sr-Latn.json'), '{}');
  writeFileSync(join(dir, 'xx.json'), JSON.stringify({ footer: 'x' }));
  t.throws(() => Templates.fromDirectory(dir), /locale file xx\.json/);
});

t.test('reminder instants: local days and hours across DST, in two zones', async (t) => {
  const options = { daysBefore: [14, 7, 1], hour: 9 };
  for (const zone of ['Europe/Belgrade', 'Europe/Tirane']) {
    // Spring: clocks go forward on Sunday 2026-03-29 (CET +1 -> CEST +2).
    t.same(reminderInstants('2026-04-05', zone, options), [
      { label: '14d', fireAt: '2026-03-22T08:00:00.000Z' },
      { label: '7d', fireAt: '2026-03-29T07:00:00.000Z' },
      { label: '1d', fireAt: '2026-04-04T07:00:00.000Z' },
      { label: 'missed', fireAt: '2026-04-05T22:00:00.000Z' },
    ], `${zone}, spring`);
    // Autumn: clocks go back on Sunday 2026-10-25 (CEST +2 -> CET +1).
    t.same(reminderInstants('2026-11-01', zone, options), [
      { label: '14d', fireAt: '2026-10-18T07:00:00.000Z' },
      { label: '7d', fireAt: '2026-10-25T08:00:00.000Z' },
      { label: '1d', fireAt: '2026-10-31T08:00:00.000Z' },
      { label: 'missed', fireAt: '2026-11-01T23:00:00.000Z' },
    ], `${zone}, autumn`);
  }
});

t.test('desired reminders follow the claim: planned while a deadline runs, gone once met', async (t) => {
  const events = rsLifecycle();
  const filedWithAnchor = fold(events.slice(0, 3)); // ruling final on 2025-06-30: RS counts 36 months from it
  const application = desiredReminders(filedWithAnchor, reminders);
  t.same(application.map((r) => `${r.kind} ${r.deadline} ${r.label} ${recipientKey(r.recipient)}`), [
    'application-deadline 2028-06-30 14d user:lawyer-1', 'application-deadline 2028-06-30 7d user:lawyer-1',
    'application-deadline 2028-06-30 1d user:lawyer-1', 'application-deadline 2028-06-30 missed user:lawyer-1',
  ]);
  t.same(desiredReminders(fold(events.slice(0, 3)), reminders).map((r) => r.id), application.map((r) => r.id), 'ids are deterministic');
  t.same(desiredReminders(fold(events.slice(0, 5)), reminders), [], 'applied: the application deadline is met');
  const notified = desiredReminders(fold(events.slice(0, 10)), reminders);
  t.same(notified.map((r) => `${r.kind} ${r.deadline} ${r.label}`), [
    'appeal-deadline 2026-04-06 14d', 'appeal-deadline 2026-04-06 7d', 'appeal-deadline 2026-04-06 1d', 'appeal-deadline 2026-04-06 missed',
  ]);
  t.same(desiredReminders(fold(events.slice(0, 11)), reminders), [], 'appealed: the appeal deadline is met');
  const scheduled = desiredReminders(fold(events.slice(0, 13)), reminders);
  t.same(scheduled.map((r) => `${r.kind} ${r.ref} ${r.deadline} ${recipientKey(r.recipient)} ${r.fireAt}`), [
    'instalment-due 1 2026-05-04 role:fund-finance:RS 2026-05-04T07:00:00.000Z',
    'instalment-due 2 2026-06-01 role:fund-finance:RS 2026-06-01T07:00:00.000Z',
  ]);
  t.same(desiredReminders(fold(events.slice(0, 15)), reminders).map((r) => r.ref), ['2'], 'a disbursed instalment is no longer due');
  const withdrawn = fold([claimEvent('ClaimWithdrawn', { claimId: filedWithAnchor.claimId, reason: 'r', withdrawnAt: '2026-02-01T00:00:00Z' })], filedWithAnchor);
  t.same(desiredReminders(withdrawn, reminders), [], 'withdrawn: nothing runs');

  const missed = reminderIntent(notified[3]!);
  t.equal(missed.topic, 'deadline-missed');
  t.same(missed.params.deadlineKind, { code: 'appeal-deadline' });
  const approaching = reminderIntent(notified[1]!);
  t.equal(approaching.topic, 'deadline-approaching');
  t.equal(approaching.params.daysLeft, 7);
  t.equal(approaching.language, 'sr-Cyrl', 'the scheme\'s language travels with the reminder');
  const text = new Templates().render(approaching.topic, approaching.params, { locale: 'en', timeZone: approaching.timeZone }).text;
  t.match(text, /appeal against the decision for claim RS-2026-000042 is Monday, April 6, 2026 \(7 days left\)/);
});

t.test('configuration: defaults, and a wrong variable is named', async (t) => {
  const { loadConfig, ConfigError } = await import('../src/config.ts');
  const c = loadConfig({});
  t.same([c.PORT, c.REMINDER_DAYS, c.REMINDER_HOUR, c.WEBHOOK_DISABLE_AFTER, c.NOTIFICATION_SQLITE_SYNC, c.SMTP_URL], [4003, [14, 7, 1], 9, 10, 'normal', undefined]);
  t.same(loadConfig({ REMINDER_DAYS: '30,3', SMTP_URL: 'smtp://mail.example.org:587' }).REMINDER_DAYS, [30, 3]);
  t.throws(() => loadConfig({ REMINDER_DAYS: 'soon' }), ConfigError);
  t.throws(() => loadConfig({ SMTP_URL: 'http://mail' }), /SMTP_URL/);
  t.throws(() => loadConfig({ NOTIFICATION_SQLITE_SYNC: 'off' }), /NOTIFICATION_SQLITE_SYNC/);
  // NATS credentials go together; the consumer's stall time is bounded.
  const { natsConnectOptions } = await import('@cfund/service-kit');
  t.same(natsConnectOptions(c), { servers: ['nats://127.0.0.1:4222'] }, 'no credentials unless configured');
  t.same(natsConnectOptions(loadConfig({ NATS_USER: 'notification', NATS_PASSWORD: 's3cret-s3cret' })), { servers: ['nats://127.0.0.1:4222'], user: 'notification', pass: 's3cret-s3cret' });
  t.throws(() => loadConfig({ NATS_USER: 'notification' }), /NATS_USER and NATS_PASSWORD go together/);
  t.throws(() => loadConfig({ NATS_PASSWORD: 's3cret-s3cret' }), /NATS_USER and NATS_PASSWORD go together/);
  t.equal(c.CONSUMER_STALL_MS, 300_000);
  t.throws(() => loadConfig({ CONSUMER_STALL_MS: '10' }), /CONSUMER_STALL_MS/);
});
