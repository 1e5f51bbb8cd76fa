/**
 * What a letter says, as blocks of text in its locale: pure, so that every wording is tested
 * without a PDF. The first blocks (sender, "personal and confidential", addressee) are what a
 * person who collects the post may see: they name the fund and the case reference, never why the
 * applicant is entitled.
 */
import type { Jurisdiction, Money } from '@cfund/contracts';
import { localDateOf } from '@cfund/domain';
import { formatLocalDate, formatMoney, type Locale } from '@cfund/i18n';
import { letterCatalogue, type LetterMessageId } from './catalogues.js';
import { amountWordValues } from './words.js';

export const LETTER_KINDS = ['award-approved', 'award-rejected', 'appeal-decided', 'information-requested'] as const;
export type LetterKind = (typeof LETTER_KINDS)[number];

interface LetterCommon {
  locale: Locale;
  jurisdiction: Jurisdiction;
  /** The scheme's time zone: the letter's date and its deadlines are local dates there. */
  timeZone: string;
  publicReference: string;
  /** When the letter is issued (an instant; its date in `timeZone` is the letter's date). */
  issuedAt: string;
}

export type LetterInput = LetterCommon & (
  | { kind: 'award-approved'; netAward: Money; appealDeadline: string }
  | { kind: 'award-rejected'; reasons: readonly string[]; appealInstructions: string; appealDeadline: string }
  | { kind: 'appeal-decided'; outcome: 'upheld' | 'increased' | 'reduced' | 'remitted'; decidedOn: string; netAward?: Money | undefined }
  | { kind: 'information-requested'; request: number; question: string; dueOn: string }
);

export type BlockStyle = 'sender' | 'note' | 'meta' | 'title' | 'heading' | 'text' | 'item' | 'closing';
export interface Block { style: BlockStyle; text: string }

export interface LetterContent {
  locale: Locale;
  title: string;
  blocks: Block[];
  /** The footer of page `page` of `pages`. */
  footer: (page: number, pages: number) => string;
}

/**
 * A local date as a letter writes it. Serbian, Bosnian and Montenegrin in figures ("30. 3. 2026."):
 * their month names would need the genitive after "najkasnije", which Intl does not give;
 * Croatian's long form is already genitive ("30. ožujka 2026."); the others spell the month.
 */
function letterDate(locale: Locale, date: string): string {
  const numeric = locale === 'sr-Latn' || locale === 'sr-Cyrl' || locale === 'bs' || locale === 'cnr';
  return formatLocalDate(locale, date, numeric ? 'numeric' : 'long');
}

/**
 * A date written with a final period ("20. 4. 2026.") that ends a sentence ends it: one period,
 * not two, as the orthographies of the region (and English) write an abbreviation at a sentence's
 * end. An ellipsis is left alone.
 */
const endsOnce = (text: string): string => text.replace(/(?<=[^.])\.\.(?=\s|$)/g, '.');

export function composeLetter(input: LetterInput): LetterContent {
  const { locale } = input;
  const cat = letterCatalogue(locale);
  const m = (id: LetterMessageId, values: Record<string, string | number> = {}) => endsOnce(cat.format(id, values));
  const date = (d: string) => letterDate(locale, d);
  const amount = (money: Money): Block[] => {
    const words = amountWordValues(locale, money);
    return words ? [{ style: 'text', text: m('amount.in-words', { words: m('amount.words', words) }) }] : [];
  };
  const ref = { publicReference: input.publicReference };
  const title = input.kind === 'appeal-decided' ? m('appeal-decided.title')
    : input.kind === 'information-requested' ? m('information-requested.title', { request: input.request }) : m('decision.title');
  const blocks: Block[] = [
    { style: 'sender', text: m('fund.name', { jurisdiction: input.jurisdiction }) },
    { style: 'note', text: m('letter.confidential') },
    { style: 'meta', text: m('letter.addressee', ref) },
    { style: 'meta', text: m('letter.date', { date: letterDate(locale, localDateOf(input.issuedAt, input.timeZone)) }) },
    { style: 'meta', text: m('letter.reference', ref) },
    { style: 'title', text: title },
  ];
  const appeal = (deadline: string): Block[] => [
    { style: 'heading', text: m('appeal.heading') },
    { style: 'text', text: m('appeal.deadline', { deadline: date(deadline), timeZone: input.timeZone }) },
  ];
  switch (input.kind) {
    case 'award-approved':
      blocks.push(
        { style: 'text', text: m('award-approved.decision', { amount: formatMoney(locale, input.netAward) }) },
        ...amount(input.netAward),
        { style: 'heading', text: m('reasons.heading') },
        { style: 'text', text: m('award-approved.reasons') },
        { style: 'text', text: m('award-approved.payment') },
        ...appeal(input.appealDeadline),
        { style: 'text', text: m('appeal.how') },
      );
      break;
    case 'award-rejected':
      blocks.push(
        { style: 'text', text: m('award-rejected.decision') },
        { style: 'heading', text: m('reasons.heading') },
        ...input.reasons.map((r): Block => ({ style: 'item', text: r })),
        ...appeal(input.appealDeadline),
        { style: 'text', text: input.appealInstructions },
        { style: 'text', text: m('appeal.how') },
      );
      break;
    case 'appeal-decided':
      blocks.push(
        { style: 'text', text: m('appeal-decided.decision', { outcome: input.outcome, amount: input.netAward ? formatMoney(locale, input.netAward) : '' }) },
        ...(input.netAward ? amount(input.netAward) : []),
        { style: 'text', text: m('appeal-decided.decided-on', { decidedOn: date(input.decidedOn) }) },
        { style: 'text', text: m('appeal-decided.remedy') },
      );
      break;
    case 'information-requested':
      blocks.push(
        { style: 'text', text: m('information-requested.intro') },
        { style: 'item', text: input.question },
        { style: 'text', text: m('information-requested.due', { dueOn: date(input.dueOn) }) },
      );
      break;
  }
  blocks.push({ style: 'closing', text: m('letter.closing') });
  return { locale, title, blocks, footer: (page, pages) => m('letter.footer', { ...ref, page, pages }) };
}
