/**
 * Beside the assessment: the net award as the claim decider will compute it from the amounts
 * typed so far (the domain's own computeAward: caps by head and in all, less what the offender
 * paid). Only a preview: the command service computes it again and records that.
 */
import { useIntl } from 'react-intl';
import type { AmountsByHead } from '@cfund/contracts';
import { computeAward, type Scheme } from '@cfund/domain';
import { formatMoney } from '../format.ts';
import type { MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';

export interface AwardBasis { scheme: Pick<Scheme, 'caps' | 'currency'>; offenderPaidMinor: number }

export function AwardPreview(props: { basis: AwardBasis; assessed: AmountsByHead }) {
  const t = useT();
  const { locale } = useIntl();
  if (props.assessed.length === 0) return null;
  const award = computeAward(props.basis.scheme, props.assessed, [], props.basis.offenderPaidMinor);
  const money = (m: { amountMinor: number; currency: string }) => formatMoney(locale, m.amountMinor, m.currency);
  const head = (h: string) => (h === 'total' ? t('preview.totalCap') : t(`head.${h}` as MessageKey));
  return (
    <div className="preview" aria-live="polite" data-testid="award-preview">
      <p><strong>{t('preview.net', { amount: money(award.recommendedNet) })}</strong></p>
      {award.capsApplied.map((c) => <p key={c.head}>{t('preview.cap', { head: head(c.head), cap: money(c.cap), reducedBy: money(c.reducedBy) })}</p>)}
      {award.deductions.map((d) => <p key={d.source}>{t('preview.offenderPaid', { amount: money(d.amount) })}</p>)}
    </div>
  );
}
