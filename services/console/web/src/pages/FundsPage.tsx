/**
 * The fund's budget and ledger (fund staff, auditors): for each jurisdiction the user may read,
 * a fund year and the two before it (budget, committed, released, disbursed, outstanding, available, from
 * the projection's GET /funds/{jurisdiction}/{year}), then the chosen year's commitments by the year
 * of their award (an instalment is committed in the year it falls due), its budget use (fund admins,
 * finance officers, auditors: the domain's budgetUse, as the monitoring's table) and its claims.
 * Awards are committed to the year their second approval falls in, in the scheme's time zone.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { CommandBodies, type Currency, type Jurisdiction } from '@cfund/contracts';
import { budgetUse, schemeAt } from '@cfund/domain';
import { api, ApiError, type Principal } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { fundsReadable, mayAllocateBudget, mayReadBudgetUse } from '../components/may.ts';
import { focusFirstError, issueMessage, type Issue } from '../forms.ts';
import { useTitle } from '../components/use-title.ts';
import { formatMoney, homeTimeZone, toMinor } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import { useRefusalSentence } from '../i18n/refusal.ts';

interface FundYear {
  jurisdiction: string; year: number; currency: string | null;
  allocatedMinor: number; committedMinor: number; releasedMinor: number; disbursedMinor: number;
  recoveredMinor: number; availableMinor: number; outstandingMinor: number;
  commitmentsByAwardYear: { awardYear: number; claims: number; tiedMinor: number; paidMinor: number }[];
  claims: { claimId: string; committedMinor: number; disbursedMinor: number; outstandingMinor: number; recoveredMinor: number; instalmentsPaid: number[] }[];
}

/** A year's ledger, or null: nothing allocated or committed in it yet. */
type Ledger = FundYear | null;

const YEARS_SHOWN = 3;
/** The year chosen and those before it, newest first. */
const yearsTo = (year: number): number[] => Array.from({ length: YEARS_SHOWN }, (_, i) => year - i);

async function ledgerOf(jurisdiction: string, year: number): Promise<Ledger> {
  try {
    return (await api<FundYear>(`/api/queries/funds/${jurisdiction}/${year}`)).body;
  } catch (e) {
    if (e instanceof ApiError && e.problem.code === 'fund-year-not-found') return null;
    throw e;
  }
}

/** This year where the user's schemes are: the fund year of an award approved now. */
const thisYear = (timeZone: string): number => Number(new Intl.DateTimeFormat('en', { timeZone, year: 'numeric' }).format(new Date()));

export function FundsPage(props: { principal: Principal; year: number | undefined }) {
  const t = useT();
  useTitle(t('funds.title'));
  const year = props.year ?? thisYear(homeTimeZone(props.principal.jurisdictions));
  const jurisdictions = fundsReadable(props.principal);
  return (
    <section aria-labelledby="funds-title">
      <h1 id="funds-title">{t('funds.title')}</h1>
      <p>{t('funds.intro')}</p>
      <nav aria-label={t('funds.years')} className="pager">
        <Link to={`/funds?year=${year - 1}`}>{t('funds.previousYear')}</Link>
        <span aria-current="page">{t('funds.yearShown', { year: String(year) })}</span>
        <Link to={`/funds?year=${year + 1}`}>{t('funds.nextYear')}</Link>
      </nav>
      {jurisdictions.length === 0 && <p>{t('funds.none')}</p>}
      {jurisdictions.map((j) => <FundLedger key={`${j}-${year}`} jurisdiction={j} year={year} allocates={mayAllocateBudget(props.principal, j)}
        readsBudgetUse={mayReadBudgetUse(props.principal, j)} />)}
    </section>
  );
}

function FundLedger(props: { jurisdiction: Jurisdiction; year: number; allocates: boolean; readsBudgetUse: boolean }) {
  const t = useT();
  const { locale } = useIntl();
  const { jurisdiction, year } = props;
  const years = yearsTo(year);
  const [ledgers, setLedgers] = useState<Ledger[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    Promise.all(yearsTo(year).map((y) => ledgerOf(jurisdiction, y))).then(setLedgers, (e: unknown) => setError((e as Error).message));
  }, [jurisdiction, year, reloads]);

  const name = t(`jurisdiction.${jurisdiction}` as MessageKey);
  const headingId = `fund-${jurisdiction}`;
  const money = (ledger: FundYear, minor: number) => moneyOf(locale, ledger, minor);
  const chosen = ledgers?.[0];
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('funds.fund', { jurisdiction: name })}</h2>
      {error && <p role="alert" className="error">{t('app.error', { detail: error })}</p>}
      {!ledgers && !error && <p>{t('app.loading')}</p>}
      {ledgers && (
        // On a phone each year's row stands as a list of its figures (styles.css: .stacked): nothing scrolls sideways.
        <div>
          <table className="stacked" data-testid={`fund-years-${jurisdiction}`}>
            <caption>{t('funds.yearsCaption', { jurisdiction: name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('funds.column.year')}</th>
                <th scope="col" className="amount">{t('funds.column.budget')}</th>
                <th scope="col" className="amount">{t('funds.column.committed')}</th>
                <th scope="col" className="amount">{t('funds.column.released')}</th>
                <th scope="col" className="amount">{t('funds.column.disbursed')}</th>
                <th scope="col" className="amount">{t('funds.column.recovered')}</th>
                <th scope="col" className="amount">{t('funds.column.outstanding')}</th>
                <th scope="col" className="amount">{t('funds.column.available')}</th>
              </tr>
            </thead>
            <tbody>
              {ledgers.map((ledger, i) => (
                <tr key={years[i]} data-testid={`fund-year-${jurisdiction}-${years[i]}`}>
                  <th scope="row">{years[i]}</th>
                  {ledger ? (
                    <>
                      <td className="amount" data-label={t('funds.column.budget')}>{money(ledger, ledger.allocatedMinor)}</td>
                      <td className="amount" data-label={t('funds.column.committed')}>{money(ledger, ledger.committedMinor)}</td>
                      <td className="amount" data-label={t('funds.column.released')}>{money(ledger, ledger.releasedMinor)}</td>
                      <td className="amount" data-label={t('funds.column.disbursed')}>{money(ledger, ledger.disbursedMinor)}</td>
                      <td className="amount" data-label={t('funds.column.recovered')}>{money(ledger, ledger.recoveredMinor)}</td>
                      <td className="amount" data-label={t('funds.column.outstanding')}>{money(ledger, ledger.outstandingMinor)}</td>
                      <td className="amount" data-label={t('funds.column.available')}>{money(ledger, ledger.availableMinor)}</td>
                    </>
                  ) : <td colSpan={7}>{t('funds.noLedger')}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.allocates && ledgers && <AllocateBudget jurisdiction={jurisdiction} year={year} onDone={() => setReloads((n) => n + 1)} />}
      {chosen && props.readsBudgetUse && <BudgetUse ledger={chosen} name={name} />}
      {chosen && <CommitmentsByAwardYear ledger={chosen} name={name} />}
      {chosen && (
        <>
          <h3>{t('funds.claimsOf', { year: String(year), count: chosen.claims.length })}</h3>
          {chosen.claims.length > 0 && (
            <div>
              <table className="stacked" data-testid={`fund-claims-${jurisdiction}`}>
                <thead>
                  <tr>
                    <th scope="col">{t('funds.column.claim')}</th>
                    <th scope="col" className="amount">{t('funds.column.committed')}</th>
                    <th scope="col" className="amount">{t('funds.column.disbursed')}</th>
                    <th scope="col" className="amount">{t('funds.column.outstanding')}</th>
                    <th scope="col" className="amount">{t('funds.column.recovered')}</th>
                    <th scope="col">{t('funds.column.instalmentsPaid')}</th>
                  </tr>
                </thead>
                <tbody>
                  {chosen.claims.map((c) => (
                    <tr key={c.claimId}>
                      <td><Link to={`/claims/${c.claimId}`} aria-label={t('claims.open', { reference: c.claimId })}>{c.claimId.slice(0, 8)}</Link></td>
                      <td className="amount" data-label={t('funds.column.committed')}>{money(chosen, c.committedMinor)}</td>
                      <td className="amount" data-label={t('funds.column.disbursed')}>{money(chosen, c.disbursedMinor)}</td>
                      <td className="amount" data-label={t('funds.column.outstanding')}>{money(chosen, c.outstandingMinor)}</td>
                      <td className="amount" data-label={t('funds.column.recovered')}>{money(chosen, c.recoveredMinor)}</td>
                      <td data-label={t('funds.column.instalmentsPaid')}>{c.instalmentsPaid.length > 0 ? c.instalmentsPaid.join(', ') : t('funds.noInstalmentPaid')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

const moneyOf = (locale: string, ledger: FundYear, minor: number) => (ledger.currency ? formatMoney(locale, minor, ledger.currency) : String(minor));

/** What the year's ledger holds, by the year each award was approved in (later instalments of earlier awards fall due in this one). */
function CommitmentsByAwardYear(props: { ledger: FundYear; name: string }) {
  const t = useT();
  const { locale } = useIntl();
  const { ledger } = props;
  const year = String(ledger.year);
  const headingId = `by-award-year-${ledger.jurisdiction}`;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>{t('funds.byAwardYear.title', { year })}</h3>
      {ledger.commitmentsByAwardYear.length === 0 ? <p>{t('funds.byAwardYear.none', { year })}</p> : (
        <table className="stacked" data-testid={`fund-award-years-${ledger.jurisdiction}`}>
          <caption>{t('funds.byAwardYear.caption', { year, jurisdiction: props.name })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('funds.column.awardYear')}</th>
              <th scope="col" className="amount">{t('funds.column.claims')}</th>
              <th scope="col" className="amount">{t('funds.column.committedHere', { year })}</th>
              <th scope="col" className="amount">{t('funds.column.paidHere', { year })}</th>
            </tr>
          </thead>
          <tbody>
            {ledger.commitmentsByAwardYear.map((c) => (
              <tr key={c.awardYear}>
                <th scope="row">{c.awardYear}</th>
                <td className="amount" data-label={t('funds.column.claims')}>{c.claims}</td>
                <td className="amount" data-label={t('funds.column.committedHere', { year })}>{moneyOf(locale, ledger, c.tiedMinor)}</td>
                <td className="amount" data-label={t('funds.column.paidHere', { year })}>{moneyOf(locale, ledger, c.paidMinor)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const BUDGET_FIGURES = ['allocated', 'committed', 'disbursed', 'recovered', 'remaining'] as const;

/** The year's budget use: each figure with its share of the budget, and the committed share as a meter (its text beside it). */
function BudgetUse(props: { ledger: FundYear; name: string }) {
  const t = useT();
  const intl = useIntl();
  const { ledger } = props;
  const use = budgetUse(ledger);
  const year = String(ledger.year);
  const percent = (share: number) => intl.formatNumber(share, { style: 'percent', maximumFractionDigits: 1 });
  const shareOf = (minor: number) => (ledger.allocatedMinor > 0 ? percent(minor / ledger.allocatedMinor) : t('funds.budgetUse.noBudget'));
  const headingId = `budget-use-${ledger.jurisdiction}`;
  const used = use.usedShare === null ? t('funds.budgetUse.noBudget') : t('funds.budgetUse.used', { share: percent(use.usedShare) });
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>{t('funds.budgetUse.title', { year })}</h3>
      <p className="budget-meter">
        {use.usedShare !== null && <meter min={0} max={1} value={Math.min(use.usedShare, 1)} aria-labelledby={`${headingId}-used`} />}
        {' '}<span id={`${headingId}-used`} data-testid={`budget-used-${ledger.jurisdiction}`}>{used}</span>
      </p>
      <table className="stacked" data-testid={`budget-use-${ledger.jurisdiction}`}>
        <caption>{t('funds.budgetUse.caption', { year, jurisdiction: props.name })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('funds.budgetUse.column.figure')}</th>
            <th scope="col" className="amount">{t('funds.budgetUse.column.amount')}</th>
            <th scope="col" className="amount">{t('funds.budgetUse.column.share')}</th>
          </tr>
        </thead>
        <tbody>
          {BUDGET_FIGURES.map((figure) => (
            <tr key={figure}>
              <th scope="row">{t(`funds.budgetUse.${figure}`)}</th>
              <td className="amount" data-label={t('funds.budgetUse.column.amount')}>{moneyOf(intl.locale, ledger, use[figure])}</td>
              <td className="amount" data-label={t('funds.budgetUse.column.share')}>{shareOf(use[figure])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A fund admin's allocation to the chosen fund year (POST /funds/{jurisdiction}/{year}/budget), checked with the command's schema. */
function AllocateBudget(props: { jurisdiction: Jurisdiction; year: number; onDone: () => void }) {
  const t = useT();
  const sentence = useRefusalSentence();
  const { locale } = useIntl();
  const currency = schemeAt(props.jurisdiction, new Date().toISOString()).currency as Currency;
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const idempotencyKey = useRef(crypto.randomUUID());
  const name = `budget-${props.jurisdiction}.amount`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRefusal(undefined);
    setDone(undefined);
    const minor = amount.trim() ? toMinor(amount, currency) : undefined;
    if (amount.trim() && minor === undefined) {
      setError(t('error.notANumber'));
      return focusFirstError({ [name]: 'x' });
    }
    const checked = CommandBodies.allocateBudget.safeParse(minor === undefined ? {} : { amount: { amountMinor: minor, currency } });
    if (!checked.success) {
      setError(issueMessage(t, checked.error.issues[0] as Issue));
      return focusFirstError({ [name]: 'x' });
    }
    setError(undefined);
    setSending(true);
    try {
      await api(`/api/commands/funds/${props.jurisdiction}/${props.year}/budget`, {
        method: 'POST', body: checked.data, headers: { 'idempotency-key': idempotencyKey.current },
      });
      idempotencyKey.current = crypto.randomUUID();
      setAmount('');
      setDone(t('funds.allocate.done', { amount: formatMoney(locale, checked.data.amount.amountMinor, currency), year: String(props.year) }));
      props.onDone();
    } catch (e) {
      if (e instanceof ApiError && e.problem.status < 500) idempotencyKey.current = crypto.randomUUID();
      setRefusal(sentence(e));
    } finally {
      setSending(false);
    }
  };

  const titleId = `allocate-${props.jurisdiction}`;
  return (
    <section className="action" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('funds.allocate.title', { year: String(props.year) })}</h3>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <Field name={name} label={t('funds.allocate.amount', { currency })} error={error}>
          {(attrs) => <input {...attrs} type="text" inputMode="decimal" autoComplete="off" value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={sending}>{t('funds.allocate.submit')}</button>
          <p role="status" className="done">{done}</p>
          {refusal && <p role="alert" className="refusal">{t('action.refused', { detail: refusal })}</p>}
        </div>
      </form>
    </section>
  );
}
