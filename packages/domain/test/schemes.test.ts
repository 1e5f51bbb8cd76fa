import t from 'tap';
import fs from 'node:fs';
import { JURISDICTIONS, type Jurisdiction } from '@cfund/contracts';
import {
  DomainError, SCHEME_FILES, checkSchemes, formatMoney, holidayOn, SchemeSchema, createSchemeRegistry, fromMajor, law, model, schemeAt, schemeById, schemeFor,
  schemes, type SchemeFileInput,
} from '../src/index.ts';
import { errorCode } from './helpers.ts';


const ZONES: Record<Jurisdiction, string> = {
  RS: 'Europe/Belgrade', BA: 'Europe/Sarajevo', ME: 'Europe/Podgorica', AL: 'Europe/Tirane', MK: 'Europe/Skopje', XK: 'Europe/Belgrade',
};
const CURRENCY: Record<Jurisdiction, string> = { RS: 'RSD', BA: 'BAM', ME: 'EUR', AL: 'ALL', MK: 'MKD', XK: 'EUR' };

t.test('every scheme file validates and every value carries its provenance', async (t) => {
  t.same([...schemes.jurisdictions].sort(), [...JURISDICTIONS].sort(), 'one scheme file per jurisdiction');
  for (const j of JURISDICTIONS) {
    const parsed = SchemeSchema.safeParse(SCHEME_FILES[j]);
    t.ok(parsed.success, `${j} validates${parsed.success ? '' : ': ' + JSON.stringify(parsed.error.issues)}`);
    for (const s of schemes.versionsOf(j)) {
      t.equal(s.jurisdiction, j);
      t.equal(s.timeZone, ZONES[j], `${s.id} time zone`);
      t.equal(s.currency, CURRENCY[j], `${s.id} currency`);
      t.equal(s.language, ({ RS: 'sr-Cyrl', BA: 'bs', ME: 'cnr', AL: 'sq', MK: 'mk', XK: 'sq' } as Record<string, string>)[j], `${s.id} language of the proceedings`);
      t.ok(Object.isFrozen(s) && Object.isFrozen(s.caps.total) && Object.isFrozen(s.calendar), `${s.id} is frozen`);
      const expected = [
        'effectiveFrom', 'currency', 'timeZone', 'language', 'applicationDeadline', 'enforcementMustFailFirst', 'caps.total',
        'dualApprovalThreshold', 'appealDays', 'advancePayments', 'recoveryFromOffender', 'calendar',
        ...Object.keys(s.caps.perHead).map((h) => `caps.perHead.${h}`),
        ...(s.decisionTimeLimitDays === null ? [] : ['decisionTimeLimitDays']),
      ];
      t.same(Object.keys(s.provenance).sort(), expected.sort(), `${s.id}: a provenance for every value`);
      for (const [field, p] of Object.entries(s.provenance)) {
        if (p.kind === 'law-in-force') t.ok(p.source.length >= 10, `${s.id} ${field}: law with a source`);
        else t.ok(p.basis.length >= 10, `${s.id} ${field}: model value with a basis`);
      }
      t.equal(s.calendar.country, j, `${s.id} uses its country's calendar`);
      t.equal(holidayOn(s.calendar, '2026-01-01')?.name, 'New Year\'s Day', `${s.id} knows New Year 2026`);
      for (const [head, cap] of Object.entries(s.caps.perHead)) {
        t.ok(cap.amountMinor <= s.caps.total.amountMinor, `${s.id} ${head} cap within the total`);
      }
    }
  }
});

t.test('law in force and model values are labelled as their sources say', async (t) => {
  const mk = schemeFor('MK', '2026-01-15');
  t.equal(mk.id, 'MK@2023-05-25');
  t.same(mk.caps.total, fromMajor(307_500, 'MKD'), 'EUR 5,000 at 61.5 MKD/EUR');
  t.equal(mk.provenance['caps.total']?.kind, 'law-in-force');
  t.match(mk.provenance['caps.total']?.note ?? '', /EUR 5,000.*model value/);
  t.equal(mk.recoveryFromOffender, true);
  t.equal(mk.provenance.recoveryFromOffender?.kind, 'law-in-force');
  t.equal(mk.provenance.effectiveFrom?.kind, 'law-in-force');
  t.equal(mk.provenance.dualApprovalThreshold?.kind, 'model-value');

  const xk = schemeFor('XK', '2026-01-15');
  t.same(xk.applicationDeadline, { anchor: 'incident', period: { months: 6 } });
  t.equal(xk.provenance.applicationDeadline?.kind, 'law-in-force');
  t.same(xk.caps.total, fromMajor(7_000, 'EUR'));
  t.equal(xk.provenance['caps.total']?.kind, 'law-in-force');
  t.equal(xk.timeZone, 'Europe/Belgrade', 'Kosovo keeps Europe/Belgrade time');

  for (const j of ['RS', 'BA', 'ME', 'AL'] as const) {
    const s = schemeFor(j, '2026-01-15');
    for (const field of ['applicationDeadline', 'caps.total', 'dualApprovalThreshold', 'appealDays', 'advancePayments', 'enforcementMustFailFirst']) {
      t.equal(s.provenance[field]?.kind, 'model-value', `${j} ${field} is a model value (no fund law in force)`);
    }
  }
  const anchors = new Set(JURISDICTIONS.map((j) => schemeFor(j, '2026-01-15').applicationDeadline.anchor));
  t.same([...anchors].sort(), ['enforcement-failed', 'incident', 'ruling-final'], 'every anchor is used by some scheme');
  t.equal(schemeFor('AL', '2026-01-15').advancePayments.allowed, false);
  t.same(schemeFor('RS', '2026-01-15').advancePayments, { allowed: true, maxSharePercent: 50 });
});

t.test('version selection by filing date', async (t) => {
  t.equal(errorCode(() => schemeFor('MK', '2023-05-24')), 'no-scheme-in-force', 'the day before the MK law applied');
  t.equal(schemeFor('MK', '2023-05-25').id, 'MK@2023-05-25', 'the day it applied');
  const e = t.throws(() => schemeFor('MK', '2022-12-01')) as DomainError;
  t.match(e.message, /North Macedonia.*2022-12-01.*2023-05-25/);
  t.equal(errorCode(() => schemeFor('RS', '2026-13-01x')), 'invalid-date');
  t.equal(schemeById('XK@2016-01-01').jurisdiction, 'XK');
  t.equal(errorCode(() => schemeById('XK@1999-01-01')), 'unknown-scheme');

  // A registry with three versions: selection is by effective date, inclusive.
  const base = structuredClone(SCHEME_FILES.ME);
  const v1 = base.versions[0]!;
  const version = (from: string, capMajor: number) => ({
    ...structuredClone(v1),
    effectiveFrom: model(from, 'test version of the Montenegro model'),
    caps: { total: model(fromMajor(capMajor, 'EUR'), 'test cap of the Montenegro model'), perHead: {} },
  });
  const registry = createSchemeRegistry([{ ...base, versions: [version('2024-01-01', 1_000), version('2025-07-01', 2_000), version('2026-03-01', 3_000)] }]);
  t.equal(errorCode(() => registry.schemeFor('ME', '2023-12-31')), 'no-scheme-in-force');
  t.equal(registry.schemeFor('ME', '2024-01-01').caps.total.amountMinor, 100_000);
  t.equal(registry.schemeFor('ME', '2025-06-30').caps.total.amountMinor, 100_000);
  t.equal(registry.schemeFor('ME', '2025-07-01').caps.total.amountMinor, 200_000);
  t.equal(registry.schemeFor('ME', '2026-02-28').caps.total.amountMinor, 200_000);
  t.equal(registry.schemeFor('ME', '2026-03-01').caps.total.amountMinor, 300_000);
  t.equal(registry.schemeFor('ME', '2099-01-01').id, 'ME@2026-03-01');
  t.equal(registry.schemeFor('ME', '2025-07-01').supersededOn, '2026-03-01');
  t.equal(registry.schemeFor('ME', '2026-03-01').supersededOn, null);
  t.equal(errorCode(() => registry.schemeFor('RS', '2026-01-01')), 'no-scheme-in-force', 'no file for RS in this registry');
  // By instant: 2025-06-30T22:30Z is already 1 July in Podgorica (UTC+2 in summer).
  t.equal(registry.schemeAt('ME', '2025-06-30T22:30:00Z').id, 'ME@2025-07-01');
  t.equal(registry.schemeAt('ME', '2025-06-30T21:59:59Z').id, 'ME@2024-01-01');
  t.equal(errorCode(() => registry.schemeAt('ME', '2023-12-31T22:59:59Z')), 'no-scheme-in-force');
  t.equal(registry.schemeAt('ME', '2023-12-31T23:00:00Z').id, 'ME@2024-01-01', 'midnight in Podgorica (UTC+1 in winter)');
  t.equal(schemeAt('MK', '2023-05-24T22:00:00Z').id, 'MK@2023-05-25', 'midnight in Skopje on the day the law applied');
  t.equal(errorCode(() => schemeAt('MK', '2023-05-24T21:59:59Z')), 'no-scheme-in-force');
});

t.test('invalid scheme files are refused at load, naming the field', async (t) => {
  const cases: [string, (f: SchemeFileInput) => void, RegExp][] = [
    ['unknown time zone', (f) => { f.versions[0]!.timeZone = law('Europe/Atlantis', 'a made-up zone for the test'); }, /timeZone/],
    ['cap in another currency', (f) => { f.versions[0]!.caps.total = model(fromMajor(1, 'RSD'), 'a wrong currency for the test'); }, /caps\.total.*RSD/],
    ['head cap above total', (f) => { f.versions[0]!.caps.perHead = { 'funeral-costs': model(fromMajor(99_999, 'EUR'), 'too high for the test') }; }, /funeral-costs.*above the total/],
    ['versions out of order', (f) => { f.versions.push(structuredClone(f.versions[0]!)); }, /strictly increasing/],
    ['value without provenance', (f) => { (f.versions[0] as unknown as Record<string, unknown>).appealDays = 15; }, /appealDays/],
    ['a short source', (f) => { f.versions[0]!.appealDays = law(15, 'a law'); }, /appealDays/],
    ['advances disallowed with a share', (f) => { f.versions[0]!.advancePayments = model({ allowed: false, maxSharePercent: 10 }, 'inconsistent for the test'); }, /maxSharePercent/],
    ['empty period', (f) => { f.versions[0]!.applicationDeadline = model({ anchor: 'incident', period: {} }, 'an empty period for the test'); }, /period/],
    ['unknown field', (f) => { (f as unknown as Record<string, unknown>).extra = 1; }, /extra|Unrecognized/i],
    ['a decision time limit of no day', (f) => { f.versions[0]!.decisionTimeLimitDays = model(0, 'no day for the test'); }, /decisionTimeLimitDays/],
    ['a decision time limit in part days', (f) => { f.versions[0]!.decisionTimeLimitDays = model(90.5, 'part days for the test'); }, /decisionTimeLimitDays/],
    ['a decision time limit without provenance', (f) => { (f.versions[0] as unknown as Record<string, unknown>).decisionTimeLimitDays = 182; }, /decisionTimeLimitDays/],
  ];
  for (const [name, mutate, message] of cases) {
    const f = structuredClone(SCHEME_FILES.ME);
    mutate(f);
    const e = t.throws(() => createSchemeRegistry([f]), name) as DomainError;
    t.equal(e.code, 'invalid-scheme', name);
    t.match(e.message, message, `${name}: ${e.message}`);
  }
  t.equal(errorCode(() => createSchemeRegistry([SCHEME_FILES.ME, SCHEME_FILES.ME])), 'invalid-scheme', 'two files for one jurisdiction');
});

t.test('the schemes are read as written (no zod when loaded) and validated at start-up', async (t) => {
  for (const j of JURISDICTIONS) {
    // What lets the registry skip zod: the schema checks and changes nothing (no default, no transform).
    t.same(SchemeSchema.parse(SCHEME_FILES[j]), SCHEME_FILES[j], `${j}: what zod returns is the file as written`);
  }
  const validated = createSchemeRegistry(Object.values(SCHEME_FILES));
  for (const j of JURISDICTIONS) t.same(schemes.versionsOf(j), validated.versionsOf(j), `${j}: the registry loaded is the validated one`);
  t.doesNotThrow(() => checkSchemes(), 'the six files pass the start-up check');

  const version = SCHEME_FILES.ME.versions[0]!;
  const written = version.appealDays;
  version.appealDays = law(0, 'no day to appeal, for the test');
  try {
    t.equal(errorCode(() => checkSchemes()), 'invalid-scheme', 'a file zod refuses stops the start-up');
  } finally {
    version.appealDays = written;
  }
});

t.test('the README table says what the scheme files say', async (t) => {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const row = (label: string) => readme.split('\n').find((l) => l.startsWith(`| ${label} |`))?.split('|').slice(2, -1).map((c) => c.trim());
  const all = JURISDICTIONS.map((j) => schemeFor(j, '2026-06-01'));
  const tag = (s: (typeof all)[number], field: string) => (s.provenance[field]?.kind === 'law-in-force' ? 'law' : 'model');
  t.same(row('Version (effective from)'), all.map((s) => `${s.id} (${tag(s, 'effectiveFrom')})`));
  t.same(row('Time zone'), all.map((s) => `${s.timeZone} (${tag(s, 'timeZone')})`));
  t.same(row('Calendar'), all.map((s) => `${[s.calendar.country, s.calendar.region].filter(Boolean).join('/')} (${tag(s, 'calendar')})`));
  t.same(row('Total cap')?.map((c) => c.replace(/ \(.*\)$/, '')), all.map((s) => formatMoney(s.caps.total)));
  t.same(row('Total cap')?.map((c) => c.includes('(law') ? 'law' : 'model'), all.map((s) => tag(s, 'caps.total')));
  t.same(row('Two approvers above'), all.map((s) => `${formatMoney(s.dualApprovalThreshold)} (${tag(s, 'dualApprovalThreshold')})`));
  t.same(row('Appeal deadline after service'), all.map((s) => `${s.appealDays} days (${tag(s, 'appealDays')})`));
  t.same(row('Decision time limit'), all.map((s) => (s.decisionTimeLimitDays === null ? 'none' : `${s.decisionTimeLimitDays} days (${tag(s, 'decisionTimeLimitDays')})`)));
  t.same(
    row('Application deadline'),
    all.map((s) => `${s.applicationDeadline.period.months} months from ${s.applicationDeadline.anchor} (${tag(s, 'applicationDeadline')})`),
  );
  for (const head of ['non-pecuniary', 'lost-earnings', 'medical-costs', 'loss-of-maintenance', 'funeral-costs', 'other-pecuniary'] as const) {
    t.same(row(`Cap ${head}`), all.map((s) => {
      const cap = s.caps.perHead[head];
      return cap ? `${formatMoney(cap)} (${tag(s, `caps.perHead.${head}`)})` : 'total only';
    }), `cap ${head}`);
  }
});
