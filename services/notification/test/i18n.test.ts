/**
 * Every notification in every locale: complete catalogues (and a broken one caught), plural
 * forms of each language through the real messages, every topic rendered in every locale, and
 * through HTTP a user who chose Serbian getting Serbian while others get the scheme's language,
 * and a notification to a role shown to each of its members in their own language.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { LOCALES, checkCatalogues, type Locale } from '@cfund/i18n';
import { CATALOGUES, Directory, Templates } from '../src/index.ts';
import { TOPICS, type Params } from '../src/routing/topics.ts';
import { signToken } from '@cfund/service-kit';
import { VICTIM_NAME, lifecycle, startHarness } from './helpers.ts';
import { startWebhookReceiver } from './receivers.ts';

const PARAMS: Params = {
  claimId: 'c-1', publicReference: 'RS-2026-000042', eligibility: { code: 'eligible' }, recommendedNet: { money: { amountMinor: 150_000_050, currency: 'RSD' } },
  netAward: { money: { amountMinor: 90_000_000, currency: 'RSD' } }, decision: { code: 'approved' }, servedAt: { instant: '2026-03-28T23:30:00.000Z' },
  appealDeadline: { date: '2026-04-13' }, total: { money: { amountMinor: 100_000, currency: 'EUR' } }, instalments: 3, firstDueOn: { date: '2026-05-04' },
  instalment: 2, amount: { money: { amountMinor: 50_000, currency: 'EUR' } }, disbursedAt: { instant: '2026-05-04T10:00:00.000Z' },
  failedAt: { instant: '2026-05-05T10:00:00.000Z' }, decidedOn: { date: '2026-06-01' }, outcome: { code: 'increased' }, deadline: { date: '2026-04-06' },
  daysLeft: 7, deadlineKind: { code: 'appeal-deadline' }, as: { code: 'co-counsel' }, handedOverAt: { instant: '2026-02-01T09:00:00.000Z' },
  late: { code: 'in-time' }, appealedAt: { instant: '2026-04-01T09:00:00.000Z' }, erasedAt: { instant: '2026-07-01T09:00:00.000Z' },
  webhookId: 'wh-1', url: 'https://hooks.example.org/<x>', failures: 10,
  request: 1, dueOn: { date: '2026-05-20' }, answeredAt: { instant: '2026-05-12T09:00:00.000Z' }, documents: 2,
  change: 2, confirmedAt: { instant: '2026-05-02T09:00:00.000Z' }, rejectedAt: { instant: '2026-05-02T09:00:00.000Z' },
  advance: 1, kind: 'advance', payment: 1, endToEndId: '01JEXAMPLERUN0000000000AB-3',
};

t.test('catalogues: every message in every locale, same placeholders, all compile; a broken one is caught', async (t) => {
  t.same(Object.keys(CATALOGUES).sort(), [...LOCALES].sort(), 'a catalogue per supported locale');
  t.same(checkCatalogues(CATALOGUES), [], 'no problem in any locale');
  for (const topic of TOPICS) t.ok(Object.hasOwn(CATALOGUES.en, `${topic}.subject`) && Object.hasOwn(CATALOGUES.en, `${topic}.text`), `${topic} has messages`);

  const { 'claim-assessed.subject': _dropped, ...lacking } = CATALOGUES.mk;
  const broken = {
    ...CATALOGUES,
    mk: lacking,
    sq: { ...CATALOGUES.sq, 'award-approved.text': 'Fondi miratoi {netAmount} për {publicReference}.' },
    bs: { ...CATALOGUES.bs, 'payout-disbursed.text': 'Rata {instalment, plural, one {# rata}' },
    hr: { ...CATALOGUES.hr, 'deadline-approaching.subject': '{daysLeft, plural, one {Još # dan} other {Još # dana}}: {deadlineKind}, zahtjev {publicReference}' },
  } as unknown as typeof CATALOGUES;
  const problems = checkCatalogues(broken).map((p) => `${p.locale} ${p.id} ${p.problem}`);
  t.same(problems.sort(), [
    'bs payout-disbursed.text compile',
    'hr deadline-approaching.subject plural-forms',
    'mk claim-assessed.subject missing',
    'sq award-approved.text placeholders',
  ], 'a missing message, other placeholders, a message that does not compile, a plural without the language\'s "few"');
  t.throws(() => new Templates(broken), /mk claim-assessed\.subject: missing/, 'the service does not start with them');
});

t.test('plural forms of each language through the deadline reminder', async (t) => {
  const templates = new Templates();
  const left = (locale: Locale, n: number) => /\(([^)]*)\)\./.exec(templates.render('deadline-approaching', { ...PARAMS, daysLeft: n }, { locale, timeZone: 'Europe/Belgrade' }).text.split('\n')[0]!)?.[1];
  const southSlavic: [Locale, string, string, string][] = [
    ['sr-Latn', 'preostao je još # dan', 'preostala su još # dana', 'preostalo je još # dana'],
    ['sr-Cyrl', 'преостао је још # дан', 'преостала су још # дана', 'преостало је још # дана'],
    ['bs', 'preostao je još # dan', 'preostala su još # dana', 'preostalo je još # dana'],
    ['cnr', 'preostao je još # dan', 'preostala su još # dana', 'preostalo je još # dana'],
    ['hr', 'preostao je još # dan', 'preostala su još # dana', 'preostalo je još # dana'],
  ];
  for (const [locale, one, few, other] of southSlavic) {
    const expected = { 1: one, 2: few, 5: other, 11: other, 21: one, 22: few, 25: other };
    for (const [n, form] of Object.entries(expected)) t.equal(left(locale, Number(n)), form.replace('#', n), `${locale} ${n}`);
  }
  // Macedonian: "one" for 1, 21, 31... but not 11; Albanian: "one" for 1 only.
  for (const [n, form] of [[1, 'преостанува уште 1 ден'], [2, 'преостануваат уште 2 дена'], [11, 'преостануваат уште 11 дена'], [21, 'преостанува уште 21 ден'], [25, 'преостануваат уште 25 дена']] as const) {
    t.equal(left('mk', n), form, `mk ${n}`);
  }
  for (const [n, form] of [[1, 'mbetet edhe 1 ditë'], [2, 'mbeten edhe 2 ditë'], [11, 'mbeten edhe 11 ditë'], [21, 'mbeten edhe 21 ditë']] as const) t.equal(left('sq', n), form, `sq ${n}`);
  for (const [n, form] of [[1, '1 day left'], [2, '2 days left'], [21, '21 days left']] as const) t.equal(left('en', n), form, `en ${n}`);
  t.match(templates.render('payout-scheduled', { ...PARAMS, instalments: 22 }, { locale: 'sr-Latn', timeZone: 'Europe/Belgrade' }).text, /zakazana je u 22 rate;/, 'instalments: few');
  t.match(templates.render('payout-scheduled', { ...PARAMS, instalments: 5 }, { locale: 'sr-Latn', timeZone: 'Europe/Belgrade' }).text, /zakazana je u 5 rata;/, 'instalments: other');
  // A payment the bank rejected is an instalment or an advance: the word and its case follow.
  const rejected = (locale: Locale, kind: string) => templates.render('payment-rejected', { ...PARAMS, kind, payment: 2 }, { locale, timeZone: 'Europe/Belgrade' }).text;
  t.match(rejected('sr-Latn', 'instalment'), /odbila isplatu rate 2 /);
  t.match(rejected('sr-Latn', 'advance'), /odbila isplatu avansa 2 /);
  t.match(rejected('hr', 'advance'), /odbila isplatu predujma 2 /);
  t.match(rejected('sq', 'instalment'), /pagesën e këstit 2 /);
  t.match(rejected('en', 'advance'), /payment of advance 2 for claim/);
});

t.test('every topic renders in every locale: complete, in the locale, escaped in HTML', async (t) => {
  const templates = new Templates();
  const english = new Map(TOPICS.map((topic) => [topic, templates.render(topic, PARAMS, { locale: 'en', timeZone: 'Europe/Belgrade' })]));
  for (const locale of LOCALES) {
    for (const topic of TOPICS) {
      const r = templates.render(topic, PARAMS, { locale, timeZone: 'Europe/Belgrade' });
      const all = `${r.subject}\n${r.text}`;
      t.notMatch(all, /[{}]|undefined|NaN|\.\./, `${locale} ${topic}: every placeholder filled, no double full stop`);
      t.match(r.text, /RS-2026-000042/, `${locale} ${topic}: names the claim by reference`);
      if (locale !== 'en') t.not(r.text, english.get(topic)!.text, `${locale} ${topic}: translated`);
      t.match(r.html, new RegExp(`^<!doctype html><html lang="${locale}">`));
      if (topic === 'webhook-disabled') t.ok(r.html.includes('https://hooks.example.org/&lt;x&gt;') && !r.html.includes('<x>'), `${locale}: parameters escaped in HTML`);
    }
  }
  for (const locale of LOCALES) {
    const own = templates.render('webhook-disabled', { webhookId: 'wh-1', url: 'https://hooks.example.org/h', failures: 3 }, { locale, timeZone: 'UTC' });
    t.notMatch(own.text, /[{}]|undefined/, `${locale}: a notification of no claim has the service's footer`);
  }
  const cnr = templates.render('deadline-approaching', PARAMS, { locale: 'cnr', timeZone: 'Europe/Podgorica' });
  t.match(cnr.text, /ponedeljak, 6\. april 2026/, 'Montenegrin dates through the documented sr-Latn-ME fallback');
  const mk = templates.render('award-approved', PARAMS, { locale: 'mk', timeZone: 'Europe/Skopje' });
  t.match(mk.text, /900\.000,00\sRSD/, 'amounts in the locale, with the currency');
});

t.test('a user who chose Serbian gets Serbian; others the scheme\'s language; the victim in nothing logged', async (t) => {
  const h = await startHarness(t);
  const lawyer = await h.token('lawyer-1', ['lawyer']);
  const settings = async (method: 'GET' | 'PUT', payload?: Record<string, unknown>, token = lawyer) => h.app.inject({
    method, url: '/notification-settings', headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }),
  });
  t.same((await settings('GET')).json(), { locale: null }, 'no choice yet');
  const bad = await settings('PUT', { locale: 'klingon' });
  t.equal(bad.statusCode, 400);
  t.match(bad.headers['content-type'], /application\/problem\+json/);
  t.same((await settings('PUT', { locale: 'sr-Latn', extra: 1 })).statusCode, 400, 'unknown fields refused');
  t.same((await settings('GET')).json(), { locale: null }, 'a refused choice changes nothing');
  t.same((await settings('PUT', { locale: 'sr-Latn' })).json(), { locale: 'sr-Latn' });
  t.same((await settings('GET')).json(), { locale: 'sr-Latn' });
  const finance = await h.token('finance-1', ['fund-finance']);
  t.same((await settings('PUT', { locale: 'en' }, finance)).json(), { locale: 'en' }, 'another user chooses English');

  await lifecycle(h);
  await h.pump();
  const inbox = async (token: string) => (await h.app.inject({ method: 'GET', url: '/notifications?html=true', headers: { authorization: `Bearer ${token}` } }))
    .json<{ items: { topic: string; subject: string; text: string; html: string; recipient: string }[] }>().items;

  const mine = await inbox(lawyer);
  const assessed = mine.find((i) => i.topic === 'claim-assessed')!;
  t.match(assessed.subject, /^Zahtev RS-\S+ je procenjen$/, 'the lawyer\'s notification in Serbian (Latin)');
  t.match(assessed.text, /Fond je procenio zahtev RS-\S+: ispunjava uslove, preporučena neto naknada iznosi [\d.]+,\d\d\sRSD\./);
  t.match(assessed.html, /<html lang="sr-Latn">/);
  t.match(mine.find((i) => i.topic === 'payout-scheduled')!.text, /u 2 rate;/, 'with the plural form');

  const approver = await inbox(await h.token('approver-9', ['fund-approver']));
  t.match(approver.find((i) => i.topic === 'assessment-awaiting-approval')!.subject, /^Процена чека одобрење: захтев RS-/, 'a role with no choice: the Serbian scheme\'s language (Cyrillic)');
  const fin = await inbox(finance);
  t.match(fin.find((i) => i.topic === 'instalments-scheduled')!.subject, /^Instalments scheduled: claim RS-/, 'a notification to a role is in the language its reader chose');

  await settings('PUT', { locale: null });
  t.same((await settings('GET')).json(), { locale: null }, 'null forgets the choice');

  const everything = JSON.stringify([mine, approver, h.logs]);
  t.notOk(everything.includes(VICTIM_NAME), 'the victim\'s name is in no notification and no log line');
});

t.test('a token\'s locale claim chooses the language, below an explicit setting; a malformed one is ignored', async (t) => {
  const h = await startHarness(t);
  const tokenWith = (sub: string, locale: string) => signToken(h.secret, { sub, roles: ['lawyer'], jurisdictions: ['RS'], locale });
  const albanian = await tokenWith('lawyer-sq', 'sq_AL');
  const macedonian = await tokenWith('lawyer-mk', 'mk');
  const malformed = await tokenWith('lawyer-x', 'no such tag!');
  const get = (token: string, url = '/notifications?html=true') => h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  for (const token of [albanian, macedonian, malformed]) t.equal((await get(token)).statusCode, 200, 'a token with a locale claim is accepted');
  t.same((await get(albanian, '/notification-settings')).json(), { locale: null }, 'the token\'s locale is not an explicit setting');
  // lawyer-mk also chooses English explicitly: the setting wins over the token.
  const put = await h.app.inject({ method: 'PUT', url: '/notification-settings', headers: { authorization: `Bearer ${macedonian}` }, payload: { locale: 'en' } });
  t.equal(put.statusCode, 200);

  for (const lawyer of ['lawyer-sq', 'lawyer-mk', 'lawyer-x']) await lifecycle(h, { lawyer });
  await h.pump();
  const assessed = async (token: string) => (await get(token)).json<{ items: { topic: string; html: string }[] }>().items.find((i) => i.topic === 'claim-assessed')!;
  t.match((await assessed(albanian)).html, /<html lang="sq">/, 'the token said sq_AL: Albanian');
  t.match((await assessed(macedonian)).html, /<html lang="en">/, 'the token said mk, the user chose English: English');
  t.match((await assessed(malformed)).html, /<html lang="sr-Cyrl">/, 'a malformed claim is ignored: the scheme\'s language');
});

t.test('a notification to a role reaches each member in their own language; reads and counts stay per user', async (t) => {
  const h = await startHarness(t);
  const latin = await h.token('assessor-lat', ['fund-assessor']);
  const none = await h.token('assessor-cyr', ['fund-assessor']);
  const albanian = await signToken(h.secret, { sub: 'assessor-sq', roles: ['fund-assessor'], jurisdictions: ['RS'], locale: 'sq' });
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const choose = (token: string, locale: string | null) => h.app.inject({ method: 'PUT', url: '/notification-settings', headers: auth(token), payload: { locale } });
  t.equal((await choose(latin, 'sr-Latn')).statusCode, 200, 'one assessor chooses Serbian (Latin)');
  t.equal((await h.app.inject({ method: 'GET', url: '/notifications', headers: auth(albanian) })).statusCode, 200, 'another calls with a token saying sq');

  await lifecycle(h, { until: 'fund-application' });
  await h.pump();
  type Page = { items: { id: string; topic: string; subject: string; text: string; html: string; recipient: string; read: boolean }[]; total: number; unread: number };
  const inbox = async (token: string, query = 'html=true') => (await h.app.inject({ method: 'GET', url: `/notifications?${query}`, headers: auth(token) })).json<Page>();
  const submitted = async (token: string) => (await inbox(token)).items.find((i) => i.topic === 'application-submitted')!;

  const lat = await submitted(latin);
  t.equal(lat.recipient, 'role:fund-assessor:RS', 'addressed to the role');
  t.match(lat.subject, /^Nova prijava fondu: zahtev RS-\S+$/, 'the assessor who chose sr-Latn reads Latin');
  t.match(lat.text, /^Za zahtev RS-\S+ podneta je prijava fondu \(u roku; rok: .+\)\. Prijava čeka procenu\.\n/);
  t.match(lat.html, /^<!doctype html><html lang="sr-Latn">.*Nova prijava fondu/);
  const cyr = await submitted(none);
  t.equal(cyr.id, lat.id, 'the same notification');
  t.match(cyr.subject, /^Нова пријава фонду: захтев RS-\S+$/, 'the assessor with no preference reads the scheme\'s Cyrillic');
  t.match(cyr.text, /Пријава чека процену\./);
  t.match(cyr.html, /<html lang="sr-Cyrl">/);
  const sq = await submitted(albanian);
  t.match(sq.subject, /^Aplikim i ri në fond: kërkesa RS-/, 'the token\'s locale claim: Albanian');
  t.match(sq.html, /<html lang="sq">/);

  // The choice applies to the role's rows already in the inbox: forgetting it shows the scheme's language.
  await choose(latin, null);
  t.match((await submitted(latin)).subject, /^Нова пријава фонду/, 'no choice any more: Cyrillic');
  await choose(latin, 'sr-Latn');

  // Read state, counts and pages are each reader's, as before.
  const before = await inbox(none, 'limit=1');
  t.same([before.items.length, before.total, before.unread], [1, 1, 1]);
  t.equal((await h.app.inject({ method: 'POST', url: `/notifications/${lat.id}/read`, headers: auth(latin) })).statusCode, 200);
  const read = await inbox(latin, 'limit=1');
  t.same([read.items[0]!.read, read.total, read.unread], [true, 1, 0], 'read by the one who read it');
  t.same((await inbox(none, 'unread=true')).items.map((i) => i.id), [lat.id], 'still unread for the other');
  t.match((await inbox(latin, 'limit=1')).items[0]!.subject, /^Nova prijava fondu/, 'a read row is rendered the same way');
});

t.test('inbox rows of an older version, rendered text only, are served as stored; the database is migrated', async (t) => {
  const h = await startHarness(t);
  const latin = await h.token('assessor-lat', ['fund-assessor']);
  const auth = { authorization: `Bearer ${latin}` };
  await h.app.inject({ method: 'PUT', url: '/notification-settings', headers: auth, payload: { locale: 'sr-Latn' } });
  await lifecycle(h, { until: 'fund-application' });
  await h.pump();

  // The shape of the previous version: no schema version, an inbox of rendered text only,
  // its role rows rendered in the scheme's language when the event was handled.
  await h.app.close();
  h.store.close();
  const path = join(h.dataDir, 'notification-0.db');
  const legacy = new Database(path);
  legacy.prepare("UPDATE inbox SET subject = 'Нова пријава фонду: стари ред', text = 'стари ред', html = '<p>стари ред</p>' WHERE topic = 'application-submitted'").run();
  for (const column of ['params', 'time_zone', 'language']) legacy.exec(`ALTER TABLE inbox DROP COLUMN ${column}`);
  legacy.pragma('user_version = 0');
  legacy.close();

  const app = await h.restart();
  t.equal(app.store.db.pragma('user_version', { simple: true }), 1, 'migrated to the current schema version');
  const columns = (app.store.db.pragma('table_info(inbox)') as { name: string }[]).map((c) => c.name);
  t.ok(['params', 'time_zone', 'language'].every((c) => columns.includes(c)), 'with the columns to render a row again');
  const items = async () => (await app.inject({ method: 'GET', url: '/notifications?html=true', headers: auth }))
    .json<{ items: { topic: string; subject: string; text: string; html: string }[] }>().items.filter((i) => i.topic === 'application-submitted');
  const [old] = await items();
  t.same([old!.subject, old!.text, old!.html], ['Нова пријава фонду: стари ред', 'стари ред', '<p>стари ред</p>'], 'an old row is served as stored');

  await lifecycle(h, { until: 'fund-application' });
  await h.pump();
  const [fresh, stored] = await items();
  t.match(fresh!.subject, /^Nova prijava fondu: zahtev RS-/, 'a row written after the migration is rendered in the reader\'s language');
  t.equal(stored!.text, 'стари ред', 'next to the old one, unchanged');
});

t.test('a role\'s notification: each member\'s directory entry, then the role\'s, in the inbox; its webhook in the role\'s one language', async (t) => {
  const receiver = await startWebhookReceiver();
  t.teardown(() => receiver.close());
  const directory = new Directory({ users: { 'assessor-hr': { locale: 'hr' } }, roles: { 'fund-assessor:RS': { locale: 'bs' } } });
  const h = await startHarness(t, { directory });
  const auth = async (sub: string) => ({ authorization: `Bearer ${await h.token(sub, ['fund-assessor'])}` });
  const [croatian, bosnian, latin] = [await auth('assessor-hr'), await auth('assessor-bs'), await auth('assessor-lat')];
  await h.app.inject({ method: 'PUT', url: '/notification-settings', headers: latin, payload: { locale: 'sr-Latn' } });
  const hook = await h.app.inject({ method: 'POST', url: '/webhooks', headers: latin, payload: { url: receiver.url, target: { kind: 'role', role: 'fund-assessor', jurisdiction: 'RS' } } });
  t.equal(hook.statusCode, 201, 'the assessor who chose Latin registers a webhook for the role');

  await lifecycle(h, { until: 'fund-application' });
  await h.pump();
  const lang = async (headers: Record<string, string>) => /<html lang="([^"]+)">/.exec((await h.app.inject({ method: 'GET', url: '/notifications?html=true', headers }))
    .json<{ items: { topic: string; html: string }[] }>().items.find((i) => i.topic === 'application-submitted')!.html)?.[1];
  t.equal(await lang(croatian), 'hr', 'a member listed with a locale: theirs');
  t.equal(await lang(bosnian), 'bs', 'a member not listed: the role\'s entry, before the scheme\'s language');
  t.equal(await lang(latin), 'sr-Latn', 'a member who chose: their choice');

  await h.app.scheduler.tick();
  const hit = receiver.hits.find((x) => x.topic === 'application-submitted');
  t.ok(hit, 'delivered to the role\'s webhook');
  const payload = JSON.parse(hit!.body) as { subject: string; text: string };
  t.match(payload.subject, /^Nova prijava fondu: zahtjev RS-\S+$/, 'the webhook carries the role\'s one language (its directory entry, Bosnian)');
  t.match(payload.text, /podnesena je prijava fondu/, 'not its owner\'s choice (Serbian Latin: "zahtev", "podneta")');
});
