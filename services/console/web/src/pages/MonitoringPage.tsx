/**
 * The published monitoring tables of a filing year (the projection's GET /monitoring/tables) and
 * the catalogue of what they count (GET /monitoring/catalogue): the monitor's page, and the
 * auditor's. A withheld cell (null: too few victims behind it, or derivable from the cells
 * beside it) is shown as withheld, never as zero; amounts in EUR at the year's reference rate,
 * provisional rates said so, the original currency alongside. The recoveries from offenders
 * (subrogation) sit beside what the funds paid on the same claims. The funds' budget use is the fund
 * year's ledger (the same calendar year, not a filing cohort), worded as on the funds page.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.ts';
import { useJurisdictions } from '../components/roles.ts';
import { useTitle } from '../components/use-title.ts';
import { formatMoney } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { navigate } from '../router.ts';

type Withheld = number | null;
interface Rate { currency: string; perEur: number; provisional: boolean; source: string }
/** An amounts table: `cells` in euro cents, `original` the same in minor units of the row's currency. */
interface AmountsTable { columns: string[]; rows: { jurisdiction: string; currency: string | null; cells: Withheld[]; original: Withheld[] }[]; columnTotals: Withheld[] }
/** A table of counts of claims by jurisdiction, with row and column totals. */
interface CountsRow { jurisdiction: string; cells: Withheld[]; total: Withheld }
interface CountsTable<Row extends CountsRow = CountsRow> { columns: string[]; rows: Row[]; columnTotals: Withheld[]; total: Withheld }
interface Tables {
  year: number;
  suppressionThreshold: number;
  referenceRates: { version: string; rates: Rate[] };
  claims: CountsTable;
  amounts: AmountsTable | null;
  /** What the funds paid on the year's claims and recovered from their offenders (null, as `amounts`, while a rate is missing). */
  recoveries: AmountsTable | null;
  /** The fund year's ledgers against their budgets (null, as `amounts`, while a rate is missing). */
  budget: AmountsTable | null;
  missingRates: string[];
  /** Decided claims by whether the decision came within the scheme's time limit, and the share within it of each row. */
  timeLimit: CountsTable<CountsRow & { shareWithinLimit: number | null }> & { regionShareWithinLimit: number | null };
}
interface Catalogue { indicators: { id: string; name: string; definition: string; unit: string }[] }

/** The years offered: this one and the five before (the URL may name another). */
const YEARS_BACK = 5;

export function MonitoringPage(props: { year: number | undefined }) {
  const t = useT();
  const { locale } = useIntl();
  const title = t('monitoring.title');
  useTitle(title);
  const thisYear = new Date().getFullYear();
  const year = props.year ?? thisYear;
  const years = [...new Set([thisYear, ...Array.from({ length: YEARS_BACK }, (_, i) => thisYear - 1 - i), year])].sort((a, b) => b - a);
  const [tables, setTables] = useState<Tables | undefined>(undefined);
  const [catalogue, setCatalogue] = useState<Catalogue | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    setTables(undefined);
    setError(undefined);
    api<Tables>(`/api/queries/monitoring/tables?year=${year}`).then(({ body }) => setTables(body), (e: unknown) => setError((e as Error).message));
  }, [year]);
  useEffect(() => {
    api<Catalogue>('/api/queries/monitoring/catalogue').then(({ body }) => setCatalogue(body), (e: unknown) => setError((e as Error).message));
  }, []);

  const rateOf = (currency: string | null) => tables?.referenceRates.rates.find((r) => r.currency === currency);

  return (
    <section className="monitoring">
      <h1>{title}</h1>
      <p>{t('monitoring.intro')}</p>
      <div className="field">
        <label htmlFor="monitoring-year">{t('monitoring.year')}</label>
        <select id="monitoring-year" value={year} onChange={(e) => navigate(`/monitoring?year=${e.target.value}`)}>
          {years.map((y) => <option key={y} value={y}>{y}</option>)}
        </select>
      </div>
      {error && <p role="alert">{t('app.error', { detail: error })}</p>}
      {!tables && !error && <p>{t('app.loading')}</p>}
      {tables && (
        <>
          <p id="withheld-note" className="note">{t('monitoring.withheldNote', { threshold: tables.suppressionThreshold })}</p>

          <h2>{t('monitoring.claims.title', { year: tables.year })}</h2>
          <CountsTableView
            id="claims" table={tables.claims} label={t('monitoring.claims.title', { year: tables.year })}
            column={(c) => t(`monitoring.outcome.${c}` as MessageKey)} totalLabel={t('monitoring.claimsFiled')}
          />

          <h2>{t('monitoring.timeLimit.title', { year: tables.year })}</h2>
          <CountsTableView
            id="time-limit" table={tables.timeLimit} label={t('monitoring.timeLimit.title', { year: tables.year })} caption={t('monitoring.timeLimit.caption')}
            column={(c) => t(`monitoring.timeLimit.${c}` as MessageKey)} totalLabel={t('monitoring.timeLimit.decisions')}
            share={{ label: t('monitoring.timeLimit.share'), ofRow: (r) => tables.timeLimit.rows[r]!.shareWithinLimit, ofRegion: tables.timeLimit.regionShareWithinLimit }}
          />

          <h2>{t('monitoring.amounts.title', { year: tables.year })}</h2>
          {tables.amounts === null
            ? <p>{t('monitoring.amounts.missingRates', { currencies: tables.missingRates.join(', ') })}</p>
            : (
              <>
                <AmountsTableView
                  id="amounts" table={tables.amounts} label={t('monitoring.amounts.title', { year: tables.year })} rateOf={rateOf}
                  column={(c) => t(`monitoring.amount.${c}` as MessageKey)}
                />
                <h3>{t('monitoring.rates.title', { version: tables.referenceRates.version })}</h3>
                <ul className="rates">
                  {tables.referenceRates.rates.map((r) => (
                    <li key={r.currency} data-testid={`rate-${r.currency}`}>
                      {t(r.provisional ? 'monitoring.rates.provisional' : 'monitoring.rates.rate', { currency: r.currency, perEur: new Intl.NumberFormat(locale, { maximumFractionDigits: 5 }).format(r.perEur) })}
                    </li>
                  ))}
                </ul>
                <p className="note">{t('monitoring.rates.note')}</p>
                {tables.recoveries && (
                  <>
                    <h2>{t('monitoring.recoveries.title', { year: tables.year })}</h2>
                    <AmountsTableView
                      id="recoveries" table={tables.recoveries} label={t('monitoring.recoveries.title', { year: tables.year })} rateOf={rateOf}
                      caption={t('monitoring.recoveries.caption', { year: tables.year })}
                      column={(c) => t(`monitoring.amount.${c}` as MessageKey)}
                    />
                  </>
                )}
                {tables.budget && (
                  <>
                    <h2>{t('monitoring.budget.title', { year: tables.year })}</h2>
                    <AmountsTableView
                      id="budget" table={tables.budget} label={t('monitoring.budget.title', { year: tables.year })} rateOf={rateOf}
                      caption={t('monitoring.budget.caption', { year: tables.year })}
                      // The columns in the words of the funds page: the same figures (budgetUse of @cfund/domain).
                      column={(c) => t(`funds.budgetUse.${c}` as MessageKey)}
                    />
                  </>
                )}
              </>
            )}
        </>
      )}

      <h2>{t('monitoring.catalogue.title')}</h2>
      {catalogue && (
        <>
          {locale !== 'en' && <p>{t('monitoring.catalogue.inEnglish')}</p>}
          <dl className="catalogue" lang="en">
            {catalogue.indicators.map((i) => (
              <div key={i.id}>
                <dt>{i.name}</dt>
                <dd>{i.definition} <span className="unit">({i.unit})</span></dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}

/** What a withheld cell shows: the word, styled, never a number. */
function WithheldCell() {
  const t = useT();
  return <span className="withheld">{t('monitoring.withheld')}</span>;
}

/** The frame every table of this page shares: a scrollable labelled region, the caption, the jurisdiction column, the body's rows and the region's row. */
function JurisdictionTable(props: {
  id: string; label: string; caption?: string; headings: string[]; children: ReactNode; regionCells: ReactNode;
}) {
  const t = useT();
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={props.label}>
      <table aria-describedby="withheld-note" data-testid={`${props.id}-table`}>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            <th scope="col">{t('monitoring.jurisdiction')}</th>
            {props.headings.map((heading, i) => <th key={i} scope="col">{heading}</th>)}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('monitoring.region')}</th>
            {props.regionCells}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** A table of counts of claims by jurisdiction: row totals, the region's totals, withheld cells said so, and optionally a share per row. */
function CountsTableView(props: {
  id: string; table: CountsTable; label: string; caption?: string; column: (c: string) => string; totalLabel: string;
  /** The share column: its heading, the share of the row at an index, the region's. */
  share?: { label: string; ofRow: (row: number) => number | null; ofRegion: number | null };
}) {
  const { locale } = useIntl();
  const jurisdiction = useJurisdictions();
  const { id, table, share } = props;
  const count = (n: Withheld): ReactNode => (n === null ? <WithheldCell /> : new Intl.NumberFormat(locale).format(n));
  // A share is null when a cell it needs is withheld, or when there is nothing to share out.
  const percent = (x: number | null): ReactNode => (x === null ? '–' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(x));
  const headings = [...table.columns.map(props.column), props.totalLabel, ...(share ? [share.label] : [])];
  return (
    <JurisdictionTable
      id={id} label={props.label} caption={props.caption} headings={headings}
      regionCells={<>
        {table.columnTotals.map((n, i) => <td key={i} data-testid={`${id}-region-${table.columns[i]}`}>{count(n)}</td>)}
        <td data-testid={`${id}-region-total`}>{count(table.total)}</td>
        {share && <td data-testid={`${id}-region-share`}>{percent(share.ofRegion)}</td>}
      </>}
    >
      {table.rows.map((row, r) => (
        <tr key={row.jurisdiction}>
          <th scope="row">{jurisdiction([row.jurisdiction])}</th>
          {row.cells.map((n, i) => <td key={i} data-testid={`${id}-${row.jurisdiction}-${table.columns[i]}`}>{count(n)}</td>)}
          <td data-testid={`${id}-${row.jurisdiction}-total`}>{count(row.total)}</td>
          {share && <td data-testid={`${id}-${row.jurisdiction}-share`}>{percent(share.ofRow(r))}</td>}
        </tr>
      ))}
    </JurisdictionTable>
  );
}

/** One table of amounts by jurisdiction: EUR, the original currency beneath, withheld cells said so, the region's column totals. */
function AmountsTableView(props: {
  id: string; table: AmountsTable; label: string; caption?: string; column: (c: string) => string; rateOf: (currency: string | null) => Rate | undefined;
}) {
  const t = useT();
  const { locale } = useIntl();
  const jurisdiction = useJurisdictions();
  const { id, table } = props;
  const eur = (cents: Withheld): ReactNode => (cents === null ? <WithheldCell /> : formatMoney(locale, cents, 'EUR'));
  return (
    <JurisdictionTable
      id={id} label={props.label} caption={props.caption} headings={table.columns.map(props.column)}
      regionCells={table.columnTotals.map((cents, i) => <td key={i} data-testid={`${id}-region-${table.columns[i]}`}>{eur(cents)}</td>)}
    >
      {table.rows.map((row) => (
        <tr key={row.jurisdiction}>
          <th scope="row">
            {jurisdiction([row.jurisdiction])}
            {props.rateOf(row.currency)?.provisional && <span className="provisional"> {t('monitoring.provisionalMark')}</span>}
          </th>
          {row.cells.map((cents, i) => (
            <td key={i} data-testid={`${id}-${row.jurisdiction}-${table.columns[i]}`}>
              {eur(cents)}
              {cents !== null && row.currency !== null && row.currency !== 'EUR' && row.original[i] !== null && (
                <span className="original">{formatMoney(locale, row.original[i]!, row.currency)}</span>
              )}
            </td>
          ))}
        </tr>
      ))}
    </JurisdictionTable>
  );
}
