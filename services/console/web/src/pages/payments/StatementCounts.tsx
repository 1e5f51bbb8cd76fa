/** How many entries of a statement had each outcome (the import's answer, or counted from its entries). */
import { useT } from '../../i18n/use-t.ts';

export interface Counts { paid: number; returned: number; unmatched: number; notBooked: number }

export function StatementCounts(props: { counts: Counts }) {
  const t = useT();
  const { counts } = props;
  return (
    <ul className="counts" aria-label={t('statements.counts')}>
      <li data-testid="count-paid">{t('statements.paid', { count: counts.paid })}</li>
      <li data-testid="count-returned">{t('statements.returned', { count: counts.returned })}</li>
      <li data-testid="count-unmatched">{t('statements.unmatched', { count: counts.unmatched })}</li>
      <li data-testid="count-not-booked">{t('statements.notBooked', { count: counts.notBooked })}</li>
    </ul>
  );
}
