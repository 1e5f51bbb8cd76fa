/** Reference rates: every currency a scheme uses has one for every year a claim can be filed in, each with its source. */
import t from 'tap';
import { JURISDICTIONS } from '@cfund/contracts';
import { schemes } from '@cfund/domain';
import { REFERENCE_RATES, referenceRate, toEurMinor } from '../src/monitoring/reference-rates.ts';

const FIRST_YEAR = 2022;
const thisYear = new Date().getUTCFullYear();

t.test('each currency and year in use has a rate', async (t) => {
  for (const jurisdiction of JURISDICTIONS) {
    for (const scheme of schemes.versionsOf(jurisdiction)) {
      const from = Math.max(FIRST_YEAR, Number(scheme.effectiveFrom.slice(0, 4)));
      for (let year = from; year <= thisYear; year++) {
        t.ok(referenceRate(scheme.currency, year), `${jurisdiction} ${scheme.currency} ${year}`);
      }
    }
  }
});

t.test('one rate per currency and year, positive, sourced; only the euro and the pegged mark are final', async (t) => {
  const keys = REFERENCE_RATES.map((r) => `${r.currency} ${r.year}`);
  t.equal(new Set(keys).size, keys.length, 'no duplicates');
  for (const r of REFERENCE_RATES) {
    t.ok(r.perEur > 0 && r.source.length > 0, `${r.currency} ${r.year}`);
    t.equal(r.provisional, !(r.currency === 'EUR' || r.currency === 'BAM'), `${r.currency} ${r.year} provisional: ${r.provisional}`);
  }
});

t.test('a year after the table carries the last rate forward: final for EUR and BAM, provisional for the others', async (t) => {
  const last = Math.max(...REFERENCE_RATES.map((r) => r.year));
  for (const year of [last + 1, last + 5]) {
    t.same(referenceRate('EUR', year), { ...referenceRate('EUR', last), year }, `EUR ${year}`);
    t.same(referenceRate('BAM', year), { ...referenceRate('BAM', last), year }, `BAM ${year}`);
    for (const currency of ['RSD', 'MKD', 'ALL'] as const) {
      const rate = referenceRate(currency, year);
      t.equal(rate?.perEur, referenceRate(currency, last)!.perEur, `${currency} ${year}: the ${last} rate`);
      t.equal(rate?.provisional, true, `${currency} ${year} is provisional`);
      t.match(rate?.source, new RegExp(`${last} rate carried forward`), `${currency} ${year} says where it comes from`);
    }
  }
  t.equal(referenceRate('RSD', 2021), undefined, 'a year before the table has no rate');
});

t.test('conversion to euro cents', async (t) => {
  t.equal(toEurMinor(195_583, referenceRate('BAM', 2025)!), 100_000, 'BAM 1,955.83 is EUR 1,000.00');
  t.equal(toEurMinor(12_345, referenceRate('EUR', 2025)!), 12_345);
  t.equal(toEurMinor(11_720_000, referenceRate('RSD', 2025)!), 100_000);
});
