import t from 'tap';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  addPeriod, addWorkingDays, appealDeadline, applicationDeadline, deadlineEnd, isLate, isTimeZone, isWorkingDay, localDateOf, rollForward,
  schemeFor,
} from '../src/index.ts';
import { dayNumber, weekdayOf } from '../src/local-dates.ts';
import { errorCode } from './helpers.ts';


const RS = schemeFor('RS', '2026-01-01');
const MK = schemeFor('MK', '2026-01-01');
const AL = schemeFor('AL', '2026-01-01');
const XK = schemeFor('XK', '2026-01-01');
const BA = schemeFor('BA', '2026-01-01');
const ME = schemeFor('ME', '2026-01-01');

t.test('addPeriod on calendar dates', async (t) => {
  t.equal(addPeriod('2026-01-15', { days: 10 }), '2026-01-25');
  t.equal(addPeriod('2025-12-25', { days: 10 }), '2026-01-04', 'across a year end');
  t.equal(addPeriod('2026-01-31', { months: 1 }), '2026-02-28', 'end of month clamps');
  t.equal(addPeriod('2028-01-31', { months: 1 }), '2028-02-29', 'leap year');
  t.equal(addPeriod('2026-01-31', { months: 1, days: 1 }), '2026-03-01', 'months first, then days');
  t.equal(addPeriod('2023-02-14', { months: 36 }), '2026-02-14');
  t.equal(addPeriod('2026-03-28', { days: 1 }), '2026-03-29', 'a DST day is one calendar day');
  t.equal(addPeriod('2026-03-29', { days: 1 }), '2026-03-30');
  t.equal(addPeriod('2026-10-25', { days: 1 }), '2026-10-26');
  t.equal(errorCode(() => addPeriod('2026-02-30', { days: 1 })), 'invalid-date');
  t.equal(errorCode(() => addPeriod('26-02-01', { days: 1 })), 'invalid-date');
  t.equal(errorCode(() => addPeriod('2026-02-01', { days: -1 })), 'invalid-date');
  t.equal(errorCode(() => addPeriod('2026-02-01', { days: 1.5 })), 'invalid-date');
});

t.test('addPeriod and weekdays (day numbers) agree with luxon on random dates (model test)', async (t) => {
  let seed = 20261206;
  const next = (n: number) => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed % n; };
  let differ = 0;
  for (let i = 0; i < 20_000; i++) {
    const from = DateTime.fromObject({ year: 1901 + next(200), month: 1 + next(12), day: 1 }, { zone: 'utc' }).plus({ days: next(31) });
    const date = from.toISODate() as string;
    const period = { months: next(3) === 0 ? 0 : next(400), days: next(2) === 0 ? 0 : next(1000) };
    if (addPeriod(date, period) !== from.plus({ months: period.months }).plus({ days: period.days }).toISODate()) differ++;
    if (weekdayOf(dayNumber(date)) !== from.weekday) differ++;
  }
  t.equal(differ, 0, '20,000 random dates and periods, 1901-2100');
});

t.test('working days: weekends and the scheme\'s public holidays', async (t) => {
  t.ok(isWorkingDay('2026-02-18', RS));
  t.notOk(isWorkingDay('2026-02-14', RS), 'Saturday');
  t.notOk(isWorkingDay('2026-02-15', RS), 'Sunday');
  t.notOk(isWorkingDay('2026-02-16', RS), 'Statehood Day (Monday) in Serbia');
  t.notOk(isWorkingDay('2026-02-17', RS), 'Statehood Day 15 February fell on a Sunday: Tuesday is off too');
  t.ok(isWorkingDay('2026-02-16', XK), 'but a working day in Kosovo');
  t.notOk(isWorkingDay('2026-02-17', XK), 'Independence Day in Kosovo');
  t.equal(rollForward('2026-02-18', RS), '2026-02-18', 'a working day stays');
  t.equal(rollForward('2026-02-14', RS), '2026-02-18', 'Saturday, Sunday, Statehood Day Monday and its Tuesday in lieu of Sunday');
  t.equal(rollForward('2026-02-14', XK), '2026-02-16', 'the same weekend in Kosovo ends on Monday');
  t.equal(rollForward('2026-02-15', XK), '2026-02-16');
  t.equal(rollForward('2026-01-01', RS), '2026-01-05', 'New Year Thursday and Friday, then the weekend');
  t.equal(rollForward('2026-05-01', ME), '2026-05-04', 'Labour Day Friday, then the weekend');
  t.equal(rollForward('2025-11-28', AL), '2025-12-02', 'Independence Day Friday, Liberation Day Saturday, Sunday, Monday in lieu of Saturday');
  t.equal(rollForward('2026-01-07', MK), '2026-01-08', 'Orthodox Christmas in North Macedonia');
  t.equal(rollForward('2026-01-09', BA), '2026-01-09', 'Day of Republika Srpska is not a holiday of the Federation (BA chooses BIH)');
  t.equal(rollForward('2026-01-09', RS.calendar), '2026-01-09', 'a calendar works as well as a scheme');
  // Exhaustive check over three years: the result is the first working day on or after the date.
  for (const scheme of [RS, BA, ME, AL, MK, XK]) {
    let bad = 0;
    for (let d = DateTime.fromISO('2025-01-01', { zone: 'utc' }); d.year < 2032; d = d.plus({ days: 1 })) {
      const date = d.toISODate() as string;
      const rolled = rollForward(date, scheme);
      if (rolled < date || !isWorkingDay(rolled, scheme)) bad++;
      for (let x = d; (x.toISODate() as string) < rolled; x = x.plus({ days: 1 })) if (isWorkingDay(x.toISODate() as string, scheme)) bad++;
    }
    t.equal(bad, 0, `${scheme.id}: rollForward gives the first working day, 2025-2031`);
  }
});

t.test('application deadline by anchor', async (t) => {
  // XK: 6 months from the incident (law in force); 17 Feb 2026 is Independence Day.
  t.equal(applicationDeadline(XK, { incidentOn: '2025-08-17' }), '2026-02-18');
  t.equal(applicationDeadline(XK, { incidentOn: '2025-08-10' }), '2026-02-10');
  t.equal(applicationDeadline(XK, { incidentOn: '2025-08-31' }), '2026-03-02', '28 Feb 2026 (clamped) is a Saturday');
  t.equal(applicationDeadline(XK, { rulingFinalOn: '2025-08-10' }), null, 'the incident date is the anchor in Kosovo');
  // RS: 36 months from the ruling becoming final (model).
  t.equal(applicationDeadline(RS, { rulingFinalOn: '2023-02-14', incidentOn: '2019-01-01' }), '2026-02-18', 'Sat, Sun, Statehood Day Mon and Tue');
  t.equal(applicationDeadline(RS, { incidentOn: '2019-01-01' }), null, 'not final yet: the clock has not started');
  t.equal(applicationDeadline(RS, { rulingFinalOn: null }), null);
  // BA: 12 months from the failed enforcement (model).
  t.equal(applicationDeadline(BA, { enforcementFailedOn: '2025-05-01', rulingFinalOn: '2020-01-01' }), '2026-05-04', 'Labour Day Fri, Sat (also Labour Day), Sun');
  t.equal(applicationDeadline(BA, { rulingFinalOn: '2025-05-01' }), null);
  t.equal(applicationDeadline(ME, { incidentOn: '2024-07-13' }), '2026-07-15', '13 and 14 July: Statehood Day');
  t.equal(errorCode(() => applicationDeadline(XK, { incidentOn: '2025-02-29' })), 'invalid-date');
});

t.test('instants become local dates in the scheme\'s zone, across DST changes', async (t) => {
  // Spring forward in Belgrade: 29 March 2026 02:00 CET -> 03:00 CEST.
  t.equal(localDateOf('2026-03-28T22:59:59Z', 'Europe/Belgrade'), '2026-03-28', '23:59:59 CET');
  t.equal(localDateOf('2026-03-28T23:00:00Z', 'Europe/Belgrade'), '2026-03-29', 'midnight CET');
  t.equal(localDateOf('2026-03-29T21:59:59.999Z', 'Europe/Belgrade'), '2026-03-29', '23:59:59.999 CEST');
  t.equal(localDateOf('2026-03-29T22:00:00Z', 'Europe/Belgrade'), '2026-03-30', 'midnight CEST: one hour earlier in UTC');
  // Fall back: 25 October 2026 03:00 CEST -> 02:00 CET; 02:30 happens twice, both on the 25th.
  t.equal(localDateOf('2026-10-24T21:59:59Z', 'Europe/Belgrade'), '2026-10-24');
  t.equal(localDateOf('2026-10-24T22:00:00Z', 'Europe/Belgrade'), '2026-10-25');
  t.equal(localDateOf('2026-10-25T00:30:00Z', 'Europe/Belgrade'), '2026-10-25', '02:30 CEST');
  t.equal(localDateOf('2026-10-25T01:30:00Z', 'Europe/Belgrade'), '2026-10-25', '02:30 CET');
  t.equal(localDateOf('2026-10-25T22:59:59Z', 'Europe/Belgrade'), '2026-10-25', '23:59:59 CET');
  t.equal(localDateOf('2026-10-25T23:00:00Z', 'Europe/Belgrade'), '2026-10-26');
  // A second zone with different DST dates: New York springs forward on 8 March 2026.
  t.equal(localDateOf('2026-03-08T04:59:59Z', 'America/New_York'), '2026-03-07', 'EST, UTC-5');
  t.equal(localDateOf('2026-03-08T05:00:00Z', 'America/New_York'), '2026-03-08');
  t.equal(localDateOf('2026-03-09T03:59:59Z', 'America/New_York'), '2026-03-08', 'EDT, UTC-4');
  t.equal(localDateOf('2026-03-09T04:00:00Z', 'America/New_York'), '2026-03-09');
  t.equal(localDateOf('2026-03-29T23:59:59+02:00', 'Europe/Belgrade'), '2026-03-29', 'an explicit offset is honoured');
  t.equal(errorCode(() => localDateOf('2026-03-29T10:00:00', 'Europe/Belgrade')), 'invalid-date', 'no zone: ambiguous, refused');
  t.equal(errorCode(() => localDateOf('yesterday', 'Europe/Belgrade')), 'invalid-date');
  t.equal(errorCode(() => localDateOf('2026-03-29T10:00:00Z', 'Europe/Atlantis')), 'invalid-date');
});

t.test('appeal deadline counts from the local date of service', async (t) => {
  // MK: 30 days (model). 23:30 UTC on Saturday 28 March is already Sunday 29 March in Skopje.
  t.equal(appealDeadline(MK, '2026-03-28T22:59:59Z'), '2026-04-27', 'served 28 March local');
  t.equal(appealDeadline(MK, '2026-03-28T23:30:00Z'), '2026-04-28', 'served 29 March local');
  t.equal(appealDeadline(MK, '2026-03-29T21:30:00Z'), '2026-04-28', '23:30 CEST, still 29 March');
  t.equal(appealDeadline(MK, '2026-03-29T22:30:00Z'), '2026-04-29', '00:30 CEST on 30 March');
  // RS: 15 days (model). After the autumn change midnight is 23:00 UTC again; 11 November is a holiday.
  t.equal(appealDeadline(RS, '2026-10-26T22:30:00Z'), '2026-11-10', '23:30 CET on 26 October (a fixed +2h would say 27th)');
  t.equal(appealDeadline(RS, '2026-10-26T23:00:00Z'), '2026-11-12', '27 October + 15 = Armistice Day, rolled');
  // AL in Tirane: 28 and 29 November are holidays, then a Sunday, then Monday in lieu of Saturday 29th.
  t.equal(appealDeadline(AL, '2025-10-28T22:59:59Z'), '2025-11-27');
  t.equal(appealDeadline(AL, '2025-10-28T23:30:00Z'), '2025-12-02');
  t.equal(errorCode(() => appealDeadline(AL, '2025-10-28 23:30')), 'invalid-date');
});

t.test('late or in time at local midnight', async (t) => {
  const cases: [deadline: string, zone: string, lastInTime: string, firstLate: string][] = [
    ['2026-03-28', 'Europe/Belgrade', '2026-03-28T22:59:59.999Z', '2026-03-28T23:00:00.000Z'], // CET
    ['2026-03-29', 'Europe/Belgrade', '2026-03-29T21:59:59.999Z', '2026-03-29T22:00:00.000Z'], // the DST day ends in CEST
    ['2026-10-24', 'Europe/Belgrade', '2026-10-24T21:59:59.999Z', '2026-10-24T22:00:00.000Z'], // CEST
    ['2026-10-25', 'Europe/Belgrade', '2026-10-25T22:59:59.999Z', '2026-10-25T23:00:00.000Z'], // a 25-hour day, ends in CET
    ['2026-03-29', 'Europe/Tirane', '2026-03-29T21:59:59.999Z', '2026-03-29T22:00:00.000Z'],
    ['2026-03-07', 'America/New_York', '2026-03-08T04:59:59.999Z', '2026-03-08T05:00:00.000Z'],
    ['2026-03-08', 'America/New_York', '2026-03-09T03:59:59.999Z', '2026-03-09T04:00:00.000Z'],
  ];
  for (const [deadline, zone, lastInTime, firstLate] of cases) {
    t.equal(isLate(deadline, lastInTime, zone), false, `${deadline} ${zone}: in time at ${lastInTime}`);
    t.equal(isLate(deadline, firstLate, zone), true, `${deadline} ${zone}: late at ${firstLate}`);
    t.equal(isLate(deadline, `${deadline}T00:00:00Z`, zone), false, `${deadline} ${zone}: in time early that day`);
    t.equal(deadlineEnd(deadline, zone), firstLate, `${deadline} ${zone}: ends at ${firstLate}`);
  }
  t.equal(isLate('2026-03-28', '2026-03-27T23:30:00Z', 'Europe/Belgrade'), false, 'the day before');
  t.equal(isLate('2026-03-28', '2026-04-01T10:00:00Z', 'Europe/Belgrade'), true, 'days after');
  t.equal(errorCode(() => isLate('2026-02-30', '2026-03-01T10:00:00Z', 'Europe/Belgrade')), 'invalid-date');
  t.equal(errorCode(() => deadlineEnd('2026-02-30', 'Europe/Belgrade')), 'invalid-date');
  // The full chain: an application deadline in Kosovo, judged at Belgrade-time midnight.
  const deadline = applicationDeadline(XK, { incidentOn: '2025-08-10' }) as string;
  t.equal(isLate(deadline, '2026-02-10T22:59:59Z', XK.timeZone), false, '23:59:59 on the deadline day');
  t.equal(isLate(deadline, '2026-02-10T23:00:00Z', XK.timeZone), true, 'midnight after it');
});

t.test('the local date of an instant asked again, in another zone, or after a bad zone: each zone\'s own answer', async (t) => {
  const instant = '2026-03-01T23:30:00Z';
  for (let round = 0; round < 2; round++) {
    t.equal(localDateOf(instant, 'Europe/Belgrade'), '2026-03-02', `round ${round}: already the 2nd in Belgrade`);
    t.equal(localDateOf(instant, 'UTC'), '2026-03-01', `round ${round}: still the 1st in UTC`);
    t.equal(errorCode(() => localDateOf(instant, 'Mars/Olympus')), 'invalid-date', `round ${round}: an unknown zone is refused every time`);
  }
  for (let i = 0; i < 600; i++) localDateOf(`2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`, 'UTC');
  t.equal(localDateOf(instant, 'Europe/Belgrade'), '2026-03-02', 'the same answer after many other instants');
});

t.test('the local date of an instant: the same answer as luxon\'s zone conversion, for any instant and zone (model)', async (t) => {
  // localDateOf reads instants itself (as the service writes them through Date, any other form by its own rules) and converts them through Intl; luxon is the model.
  const ZONES = ['Europe/Belgrade', 'Europe/Skopje', 'Europe/Tirane', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'Etc/GMT-14', 'UTC', 'utc', 'Mars/Olympus'];
  const model = (instant: string, zone: string): string => {
    const local = DateTime.fromISO(instant, { setZone: true });
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(instant) || !local.isValid) return 'invalid-date';
    const zoned = local.setZone(zone);
    return zoned.isValid ? zoned.toISODate()! : 'invalid-date';
  };
  const answer = (instant: string, zone: string): string => errorCode(() => localDateOf(instant, zone)) ?? localDateOf(instant, zone);
  const canonical = fc.date({ min: new Date('0500-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
  // Near-canonical forms: other offsets, no milliseconds, lower case, days a month does not have (Date would roll 30 February over).
  const variant = fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }),
    fc.constantFrom('.000Z', 'Z', '.5z', '+01:00', '-0530', '+14:00', '.123456Z', ''))
    .map(([y, mo, d, h, tail]) => `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:30:00${tail}`);
  fc.assert(fc.property(fc.oneof(canonical, variant), fc.constantFrom(...ZONES), (instant, zone) => answer(instant, zone) === model(instant, zone)), { numRuns: 5000 });
  t.equal(answer('2026-02-30T10:00:00.000Z', 'Europe/Belgrade'), 'invalid-date', '30 February is refused, not rolled over');
  t.equal(answer('2026-03-01T23:30:00.000Z', 'Europe/Belgrade'), '2026-03-02');
  t.equal(answer('2026-03-01T23:30:00.000Z', 'Mars/Olympus'), 'invalid-date');
});

t.test('instants close together (as a service\'s commands come) get the local date of each, across midnights and offset changes (model)', async (t) => {
  // Runs of instants a few seconds to minutes apart, in zones whose midnight is not on a quarter
  // hour of UTC (Monrovia's -00:44:30 until 1972, +05:45, +08:45, +12:45) and around DST changes.
  const ZONES = ['Europe/Belgrade', 'America/New_York', 'Asia/Kathmandu', 'Australia/Eucla', 'Pacific/Chatham', 'Africa/Monrovia', 'Asia/Kolkata', 'UTC'];
  const model = (instant: string, zone: string): string => DateTime.fromISO(instant, { setZone: true }).setZone(zone).toISODate()!;
  const near = ['2026-03-29T00:55:00.000Z', '2026-10-25T00:50:00.000Z', '2026-03-08T06:50:00.000Z', '2026-11-01T05:50:00.000Z', '1960-07-01T00:40:00.000Z', '2026-04-05T13:30:00.000Z', '2026-12-07T18:00:00.000Z'];
  const run = fc.tuple(
    fc.oneof(fc.constantFrom(...near.map((i) => Date.parse(i))), fc.integer({ min: Date.parse('1850-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') })),
    fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 40 }),
    fc.constantFrom(...ZONES),
  );
  fc.assert(fc.property(run, ([start, steps, zone]) => {
    let at = start;
    for (const step of steps) {
      at += step * 10;
      const instant = new Date(at).toISOString();
      if (localDateOf(instant, zone) !== model(instant, zone)) return false;
    }
    return true;
  }), { numRuns: 2000 });
  // Local midnight in Kathmandu (+05:45) is 18:15 UTC, the start of a quarter hour; in Monrovia
  // in 1960 (-00:44:30) it falls inside one: both sides of it, in turn.
  for (const [instant, zone, date] of [
    ['2026-12-07T18:14:59.999Z', 'Asia/Kathmandu', '2026-12-07'], ['2026-12-07T18:15:00.000Z', 'Asia/Kathmandu', '2026-12-08'],
    ['1960-07-01T00:44:29.999Z', 'Africa/Monrovia', '1960-06-30'], ['1960-07-01T00:44:30.000Z', 'Africa/Monrovia', '1960-07-01'],
    ['1960-07-01T00:44:29.999Z', 'Africa/Monrovia', '1960-06-30'],
  ] as const) t.equal(localDateOf(instant, zone), date, `${instant} in ${zone}`);
});

t.test('an instant in any ISO 8601 form with an offset, and the zones Intl knows', async (t) => {
  t.equal(localDateOf('2026-03-01T24:00:00Z', 'UTC'), '2026-03-02', '24:00 is the end of the day');
  t.equal(localDateOf('2026-03-01T23:30+01:00', 'UTC'), '2026-03-01', 'no seconds, an offset');
  t.equal(localDateOf('2026-03-01T23:30:00.5-0530', 'Europe/Belgrade'), '2026-03-02', 'a fraction, an offset without colon');
  t.equal(localDateOf('0500-06-15T10:00:00.000Z', 'Europe/Belgrade'), '0500-06-15', 'a year before 1000');
  t.equal(localDateOf('0000-01-01T00:30:00Z', 'America/New_York'), '-000001-12-31', 'a year before 1: ISO 8601\'s expanded year');
  t.equal(localDateOf('9999-12-31T23:30:00-01:00', 'UTC'), '+010000-01-01', 'a year after 9999: the same');
  for (const bad of ['2026-03-01T24:30:00Z', '2026-03-01T24:00:00.001Z', '2026-03-01T23:60:00Z', '2026-03-01T23:59:60Z', '2026-03-01T10:00:00+24:00', '2026-03-01T10:00:00+14:60', '2026-02-29T10:00:00Z', '2026-02-30T10:00:00.000Z']) {
    t.equal(errorCode(() => localDateOf(bad, 'UTC')), 'invalid-date', `${bad} is refused`);
  }
  for (const zone of ['Europe/Belgrade', 'europe/belgrade', 'Etc/GMT-14', 'utc']) t.ok(isTimeZone(zone), `${zone} is a time zone`);
  for (const zone of ['local', 'UTC+3', '', 'Mars/Olympus']) {
    t.notOk(isTimeZone(zone), `"${zone}" is not a time zone of Intl's data`);
    t.equal(errorCode(() => localDateOf('2026-03-01T10:00:00.000Z', zone)), 'invalid-date', `nor a zone of localDateOf ("${zone}")`);
  }
});

t.test('addWorkingDays counts working days of the scheme\'s calendar', async (t) => {
  const rs = RS;
  t.equal(addWorkingDays('2026-03-27', 1, rs), '2026-03-30', 'Friday + 1: Monday (across the change to summer time)');
  t.equal(addWorkingDays('2026-03-28', 2, rs), '2026-03-31', 'from a Saturday');
  t.equal(addWorkingDays('2026-04-09', 1, rs), '2026-04-14', 'Orthodox Good Friday and Easter Monday are skipped in Serbia');
  t.throws(() => addWorkingDays('2026-03-27', 0, rs), { code: 'invalid-date' });
});
