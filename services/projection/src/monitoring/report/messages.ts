/**
 * The regional report's texts, ICU MessageFormat per locale (@cfund/i18n): English, and Serbian
 * (Latin) produced by the developer, not yet reviewed by a native speaker. The catalogue's
 * definitions stay in English (catalogue.ts is their one home); categories of the breakdowns are
 * their published codes, as in the dataset.
 */
import { CompiledCatalogue, type Locale } from '@cfund/i18n';

export const REPORT_LOCALES = ['en', 'sr-Latn'] as const satisfies readonly Locale[];
export type ReportLocale = (typeof REPORT_LOCALES)[number];

const EN = {
  title: 'Compensation of victims of trafficking: regional monitoring report {year}',
  subtitle: 'Claims filed in {year}, by jurisdiction, as published in the regional monitoring dataset',
  provenance: 'Computed from the event log up to $all position {commit} (prepare {prepare}); dataset {dataset} version {version}; reference rates version {rates}.',
  provenanceMissing: 'The read model does not record the $all position it was computed from: rebuild it before publishing this report.',
  scope: 'Jurisdictions shown: {jurisdictions}. The regional totals are those of the whole region.',
  withheldNote: 'A cell under {threshold} claims is withheld, and further cells so that no withheld cell can be worked out from the totals. A withheld cell reads “{withheld}” in the tables and is not drawn in the charts: it is never a zero.',
  withheld: 'withheld',
  region: 'Region',
  jurisdiction: 'Jurisdiction',
  category: 'Category',
  total: 'Total',
  currency: 'Original currency',
  chartNote: 'Chart: {title}. Withheld values are not drawn.',
  'section.claims': 'Claims by fund outcome',
  'section.amounts': 'Amounts claimed, awarded and paid (EUR)',
  'section.recoveries': 'Paid by the fund and recovered from offenders (EUR)',
  'section.durations': 'Days to decision and to first payment',
  'section.appeals': 'Appeals by outcome',
  'section.breakdown': 'Claims by {breakdown}',
  'section.sex': 'Claims by the victim’s sex',
  'section.age': 'Claims by whether the victim was a child at the time of the crime',
  'section.definitions': 'Definitions',
  'section.rates': 'Reference rates',
  'chart.claims': 'claims filed per jurisdiction, by fund outcome',
  'chart.amounts': 'amounts in EUR per jurisdiction',
  'chart.durations': 'days from fund application to decision, median and 90th percentile',
  'amounts.missing': 'No amounts in EUR: no reference rate for {currencies} in {year}.',
  'rates.perEur': 'Units per EUR',
  'rates.status': 'Status',
  'rates.provisional': 'provisional',
  'rates.final': 'final',
  'rates.source': 'Source',
  'definition.unit': 'unit: {unit}; table: {table}',
  'column.undecided': 'Undecided',
  'column.rejected': 'Rejected',
  'column.awarded-unpaid': 'Awarded, unpaid',
  'column.awarded-paid': 'Awarded and paid',
  'column.withdrawn': 'Withdrawn',
  'column.claimed': 'Claimed',
  'column.awarded': 'Awarded',
  'column.paid': 'Paid',
  'column.recovered': 'Recovered',
  'column.application-to-decision-median': 'Application to decision, median',
  'column.application-to-decision-p90': 'Application to decision, 90th percentile',
  'column.decision-to-first-payment-median': 'Decision to first payment, median',
  'column.decision-to-first-payment-p90': 'Decision to first payment, 90th percentile',
  footer: 'Regional monitoring report {year}, $all position {commit}: page {page} of {pages}',
} as const;

export type ReportMessageId = keyof typeof EN;

const SR_LATN: Record<ReportMessageId, string> = {
  title: 'Naknada štete žrtvama trgovine ljudima: regionalni izveštaj o praćenju {year}',
  subtitle: 'Zahtevi podneti {year}. po jurisdikcijama, kako su objavljeni u regionalnom skupu podataka',
  provenance: 'Izračunato iz dnevnika događaja do pozicije $all {commit} (prepare {prepare}); skup podataka {dataset} verzija {version}; referentni kursevi verzija {rates}.',
  provenanceMissing: 'Model za čitanje ne beleži poziciju $all iz koje je izračunat: ponovo ga izgradite pre objavljivanja ovog izveštaja.',
  scope: 'Prikazane jurisdikcije: {jurisdictions}. Regionalni zbirovi su zbirovi cele regije.',
  withheldNote: 'Ćelija sa manje od {threshold} zahteva je uskraćena, kao i druge ćelije, tako da se nijedna uskraćena ćelija ne može izračunati iz zbirova. Uskraćena ćelija u tabelama glasi „{withheld}“ i ne crta se u grafikonima: nikada nije nula.',
  withheld: 'uskraćeno',
  region: 'Regija',
  jurisdiction: 'Jurisdikcija',
  category: 'Kategorija',
  total: 'Ukupno',
  currency: 'Izvorna valuta',
  chartNote: 'Grafikon: {title}. Uskraćene vrednosti se ne crtaju.',
  'section.claims': 'Zahtevi po ishodu pred fondom',
  'section.amounts': 'Traženi, dosuđeni i isplaćeni iznosi (EUR)',
  'section.recoveries': 'Isplaćeno iz fonda i naplaćeno od učinilaca (EUR)',
  'section.durations': 'Dani do odluke i do prve isplate',
  'section.appeals': 'Žalbe po ishodu',
  'section.breakdown': 'Zahtevi po kategoriji: {breakdown}',
  'section.sex': 'Zahtevi po polu žrtve',
  'section.age': 'Zahtevi po tome da li je žrtva bila dete u vreme krivičnog dela',
  'section.definitions': 'Definicije',
  'section.rates': 'Referentni kursevi',
  'chart.claims': 'podneti zahtevi po jurisdikciji, po ishodu pred fondom',
  'chart.amounts': 'iznosi u EUR po jurisdikciji',
  'chart.durations': 'dani od prijave fondu do odluke, medijana i 90. percentil',
  'amounts.missing': 'Nema iznosa u EUR: nema referentnog kursa za {currencies} u {year}.',
  'rates.perEur': 'Jedinica za 1 EUR',
  'rates.status': 'Status',
  'rates.provisional': 'privremen',
  'rates.final': 'konačan',
  'rates.source': 'Izvor',
  'definition.unit': 'jedinica: {unit}; tabela: {table}',
  'column.undecided': 'Bez odluke',
  'column.rejected': 'Odbijeno',
  'column.awarded-unpaid': 'Dosuđeno, neisplaćeno',
  'column.awarded-paid': 'Dosuđeno i isplaćeno',
  'column.withdrawn': 'Povučeno',
  'column.claimed': 'Traženo',
  'column.awarded': 'Dosuđeno',
  'column.paid': 'Isplaćeno',
  'column.recovered': 'Naplaćeno',
  'column.application-to-decision-median': 'Od prijave do odluke, medijana',
  'column.application-to-decision-p90': 'Od prijave do odluke, 90. percentil',
  'column.decision-to-first-payment-median': 'Od odluke do prve isplate, medijana',
  'column.decision-to-first-payment-p90': 'Od odluke do prve isplate, 90. percentil',
  footer: 'Regionalni izveštaj o praćenju {year}, pozicija $all {commit}: strana {page} od {pages}',
};

export const REPORT_CATALOGUES: Readonly<Record<ReportLocale, Readonly<Record<ReportMessageId, string>>>> = { en: EN, 'sr-Latn': SR_LATN };

const compiled = new Map<ReportLocale, CompiledCatalogue<ReportMessageId>>();

/** A locale's report messages, compiled once. */
export function reportCatalogue(locale: ReportLocale): CompiledCatalogue<ReportMessageId> {
  let c = compiled.get(locale);
  if (!c) compiled.set(locale, c = new CompiledCatalogue<ReportMessageId>(locale, REPORT_CATALOGUES[locale]));
  return c;
}
