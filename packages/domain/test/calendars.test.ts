import t from 'tap';
import { JURISDICTIONS } from '@cfund/contracts';
import {
  CalendarSchema, DomainError, checkSchemeCalendars, SCHEME_FILES, addPeriod, appealDeadline, applicationDeadline, createSchemeRegistry, deadlineEnd,
  holidayOn, isWorkingDay, law, localDateOf, publicHolidays, rollForward, schemeFor, type CalendarInput, type SchemeFileInput,
} from '../src/index.ts';

const RS = schemeFor('RS', '2026-01-01');
const AL = schemeFor('AL', '2026-01-01');
const XK = schemeFor('XK', '2026-01-01');
const ALL = JURISDICTIONS.map((j) => schemeFor(j, '2026-06-01'));

/** A copy of a jurisdiction's scheme file whose versions use `calendars` (one per version). */
function fileWith(base: SchemeFileInput, ...calendars: CalendarInput[]): SchemeFileInput {
  const f = structuredClone(base);
  const first = f.versions[0]!;
  f.versions = calendars.map((calendar, i) => ({
    ...structuredClone(first),
    effectiveFrom: law(i === 0 ? '2025-01-01' : '2026-06-01', 'a version date chosen for the test'),
    calendar: law(calendar, 'a calendar chosen for the test'),
  }));
  return f;
}

t.test('Serbia: a deadline on Orthodox Good Friday moves past Easter Monday', async (t) => {
  t.equal(holidayOn(RS.calendar, '2026-04-10')?.name, 'Orthodox Good Friday');
  t.equal(rollForward('2026-04-10', RS), '2026-04-14', 'Friday 10 April 2026 -> Tuesday 14 April');
  // 36 months from the final ruling (model), and 15 days from service on 26 March (local date).
  t.equal(applicationDeadline(RS, { rulingFinalOn: '2023-04-10' }), '2026-04-14');
  t.equal(appealDeadline(RS, '2026-03-26T10:00:00Z'), '2026-04-14');
  t.equal(rollForward('2026-04-03', RS), '2026-04-03', 'Catholic Good Friday is optional in Serbia: offices open, no roll');
});

t.test('Albania and Kosovo: a deadline on Eid al-Fitr 2026 moves to the next working day', async (t) => {
  t.match(holidayOn(XK.calendar, '2026-03-20')?.name, /Eid al-Fitr/);
  t.match(holidayOn(AL.calendar, '2026-03-20')?.name, /Eid al-Fitr/);
  // Kosovo: 6 months from the incident; Friday 20 March is Eid, then the weekend.
  t.equal(applicationDeadline(XK, { incidentOn: '2025-09-20' }), '2026-03-23', 'Monday 23 March');
  // Albania: Eid Friday, Saturday, Nowruz on Sunday 22 March and its Monday in lieu.
  t.equal(applicationDeadline(AL, { rulingFinalOn: '2025-03-20' }), '2026-03-24', 'Tuesday 24 March');
  t.equal(rollForward('2026-05-27', XK), '2026-05-28', 'Eid al-Adha, Wednesday 27 May 2026');
});

t.test('a deadline in 2031 still skips that year\'s holidays', async (t) => {
  t.equal(rollForward('2031-04-11', RS), '2031-04-15', 'Orthodox Good Friday 11 April 2031 -> Tuesday 15 April');
  t.equal(applicationDeadline(XK, { incidentOn: '2030-07-24' }), '2031-01-27', 'Eid al-Fitr, Friday 24 January 2031');
  t.equal(rollForward('2031-11-28', AL), '2031-12-02', 'Independence Day Fri, Liberation Day Sat, Sun, Monday in lieu');
  for (const s of ALL) {
    const days = publicHolidays(s.calendar, 2031);
    t.ok(days.length >= 8, `${s.id}: ${days.length} public holidays in 2031`);
    t.ok(days.every((h) => !isWorkingDay(h.date, s)), `${s.id}: none of them is a working day`);
    t.equal(holidayOn(s.calendar, '2031-01-01')?.name, 'New Year\'s Day');
  }
});

t.test('DST changes in each scheme\'s time zone', async (t) => {
  const zones = [...new Set(ALL.map((s) => s.timeZone))];
  t.same(zones.sort(), ['Europe/Belgrade', 'Europe/Podgorica', 'Europe/Sarajevo', 'Europe/Skopje', 'Europe/Tirane']);
  // [instant, local date]: spring forward (CET -> CEST) and fall back (CEST -> CET), 2026 and 2031.
  const instants: [string, string][] = [
    ['2026-03-28T22:59:59Z', '2026-03-28'], ['2026-03-28T23:00:00Z', '2026-03-29'],
    ['2026-03-29T21:59:59Z', '2026-03-29'], ['2026-03-29T22:00:00Z', '2026-03-30'],
    ['2026-10-24T21:59:59Z', '2026-10-24'], ['2026-10-24T22:00:00Z', '2026-10-25'],
    ['2026-10-25T22:59:59Z', '2026-10-25'], ['2026-10-25T23:00:00Z', '2026-10-26'],
    ['2031-03-29T23:00:00Z', '2031-03-30'], ['2031-03-30T22:00:00Z', '2031-03-31'],
    ['2031-10-25T22:00:00Z', '2031-10-26'], ['2031-10-26T23:00:00Z', '2031-10-27'],
  ];
  for (const s of ALL) {
    for (const [instant, local] of instants) {
      t.equal(localDateOf(instant, s.timeZone), local, `${s.id} ${instant} is ${local} in ${s.timeZone}`);
      t.equal(appealDeadline(s, instant), rollForward(addPeriod(local, { days: s.appealDays }), s), `${s.id}: appeal counted from ${local}`);
    }
    t.equal(deadlineEnd('2026-03-29', s.timeZone), '2026-03-29T22:00:00.000Z', `${s.id}: the spring DST day ends at CEST midnight`);
    t.equal(deadlineEnd('2026-10-25', s.timeZone), '2026-10-25T23:00:00.000Z', `${s.id}: the 25-hour day ends at CET midnight`);
    t.equal(deadlineEnd('2031-03-30', s.timeZone), '2031-03-30T22:00:00.000Z');
    t.equal(deadlineEnd('2031-10-26', s.timeZone), '2031-10-26T23:00:00.000Z');
  }
});

t.test('Bosnia and Herzegovina: the entity or district is chosen per scheme version', async (t) => {
  const entity = (region: string) => CalendarSchema.parse({ country: 'BA', region });
  t.equal(schemeFor('BA', '2026-06-01').calendar.region, 'BIH');
  t.same(['BIH', 'SRP', 'BRC'].map((r) => isWorkingDay('2026-01-09', entity(r))), [true, false, true], 'Republic Day of Republika Srpska');
  t.same(['BIH', 'SRP', 'BRC'].map((r) => isWorkingDay('2027-03-01', entity(r))), [false, true, true], 'Independence Day in the Federation');
  t.same(['BIH', 'SRP', 'BRC'].map((r) => isWorkingDay('2027-03-08', entity(r))), [true, true, false], 'Day of Brčko District');
});

t.test('a scheme version adds or removes days as data', async (t) => {
  const registry = createSchemeRegistry([fileWith(
    SCHEME_FILES.RS,
    { country: 'RS', added: [{ date: '2026-04-09', name: 'Day of mourning declared by the government' }] },
    { country: 'RS', removed: [{ date: '2026-11-11', reason: 'Armistice Day moved by a decision of the government' }] },
  )]);
  const before = registry.schemeFor('RS', '2026-01-01');
  const after = registry.schemeFor('RS', '2026-06-01');
  t.equal(holidayOn(before.calendar, '2026-04-09')?.name, 'Day of mourning declared by the government');
  t.equal(rollForward('2026-04-09', before), '2026-04-14', 'the added Thursday, then Good Friday to Easter Monday');
  t.ok(publicHolidays(before.calendar, 2026).some((h) => h.date === '2026-04-09'));
  t.notOk(isWorkingDay('2026-11-11', before), 'Armistice Day in the first version');
  t.ok(isWorkingDay('2026-11-11', after), 'removed in the second version');
  t.notOk(publicHolidays(after.calendar, 2026).some((h) => h.date === '2026-11-11'));
  t.ok(isWorkingDay('2026-04-09', after), 'the one-off day belongs to the first version only');
  t.notOk(isWorkingDay('2026-11-11', RS), 'the registry\'s own Serbian scheme is untouched');
  t.notOk(isWorkingDay('2027-11-11', after), 'a removed day is that date only, not every year');
});

t.test('invalid calendar data is refused at start-up, naming the field', async (t) => {
  const cases: [string, CalendarInput, RegExp][] = [
    ['unknown country', { country: 'QQ' }, /calendar\.value\.country: "QQ" is not a country/],
    ['unknown region', { country: 'BA', region: 'FBiH' }, /calendar\.value\.region: "FBiH" is not a region of BA \(known: BIH, BRC, SRP\)/],
    ['a region where there is none', { country: 'XK', region: 'PR' }, /region: "PR" is not a region of XK \(known: none\)/],
    ['removing a day that is no holiday', { country: 'RS', removed: [{ date: '2026-03-03', reason: 'a mistake made for the test' }] }, /removed\.0\.date: 2026-03-03 is not a public holiday of RS/],
    ['adding a day that already is one', { country: 'RS', added: [{ date: '2026-01-07', name: 'Christmas again' }] }, /added\.0\.date: 2026-01-07 is already a public holiday of RS/],
    ['a day added twice', { country: 'RS', added: [{ date: '2026-03-03', name: 'a' }, { date: '2026-03-03', name: 'b' }] }, /added\.1\.date: 2026-03-03 is added or removed twice/],
    ['not a date', { country: 'RS', added: [{ date: '2026-02-30', name: 'no such day' }] }, /added\.0\.date/],
    ['a removal without its reason', { country: 'RS', removed: [{ date: '2026-11-11' }] } as unknown as CalendarInput, /removed\.0\.reason/],
    ['an unknown field', { country: 'RS', holidays: [] } as unknown as CalendarInput, /calendar\.value.*holidays|Unrecognized/i],
  ];
  for (const [name, calendar, message] of cases) {
    const e = t.throws(() => checkSchemeCalendars(createSchemeRegistry([fileWith(SCHEME_FILES.RS, calendar)])), name) as DomainError;
    t.equal(e.code, 'invalid-scheme', name);
    t.match(e.message, /^The scheme file of RS is invalid: versions\.0\.calendar/, `${name}: names the version's calendar`);
    t.match(e.message, message, `${name}: ${e.message}`);
  }
});

t.test('a calendar the holiday data does not know is refused on its first use too, without the start-up check', async (t) => {
  const registry = createSchemeRegistry([fileWith(SCHEME_FILES.BA, { country: 'BA', region: 'FBiH' })]);
  const scheme = registry.schemeFor('BA', '2026-01-01');
  const e = t.throws(() => isWorkingDay('2026-03-03', scheme)) as DomainError;
  t.equal(e.code, 'invalid-scheme');
  t.match(e.message, /The calendar BA\/FBiH is invalid: region: "FBiH" is not a region of BA \(known: BIH, BRC, SRP\)/);
});

t.test('the registry of the six scheme files passes the start-up check', async (t) => {
  t.doesNotThrow(() => checkSchemeCalendars());
});
