import { z } from 'zod';
import {
  CURRENCIES, DAMAGE_HEADS, EARLIEST_COMMAND_DATE, JURISDICTIONS, LATEST_COMMAND_DATE, LOCALES, MAX_AMOUNT_MINOR, ROLES,
} from './values.js';

// The lists and bounds the schemas below are built from live in values.ts (no zod there).
export {
  CURRENCIES, DAMAGE_HEADS, EARLIEST_COMMAND_DATE, JURISDICTIONS, LATEST_COMMAND_DATE, LOCALES, MAX_AMOUNT_MINOR, MAX_LIST_ITEMS, MAX_SUM_MINOR, ROLES,
  type Locale,
} from './values.js';

export const CurrencySchema = z.enum(CURRENCIES);
export type Currency = z.infer<typeof CurrencySchema>;

export const LocaleSchema = z.enum(LOCALES);

/**
 * Money is integer minor units plus a currency: never floats. This is the stored form: events are
 * facts, so it accepts every safe integer a past version accepted (see CommandMoneySchema).
 */
export const MoneySchema = z.object({
  amountMinor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  currency: CurrencySchema,
}).strict();
export type Money = z.infer<typeof MoneySchema>;

const commandMoney = (min: 0 | 1) => z.object({
  amountMinor: z.number().int().min(min, { message: min === 1 ? 'an amount must be more than zero' : 'an amount cannot be negative' })
    .max(MAX_AMOUNT_MINOR, { message: `an amount is at most ${MAX_AMOUNT_MINOR} minor units` }),
  currency: CurrencySchema,
}).strict();
/** Money in a command: more than zero and at most MAX_AMOUNT_MINOR. */
export const CommandMoneySchema = commandMoney(1);
/** A balance in a command, which may be zero (what is outstanding when no award was made). */
export const CommandBalanceSchema = commandMoney(0);

export const JurisdictionSchema = z.enum(JURISDICTIONS);
export type Jurisdiction = z.infer<typeof JurisdictionSchema>;

export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const DamageHeadSchema = z.enum(DAMAGE_HEADS);
export type DamageHead = z.infer<typeof DamageHeadSchema>;

const eachHeadOnce = (xs: readonly { head: string }[]) => new Set(xs.map((x) => x.head)).size === xs.length;

/** Amounts by head: a list so that each head appears once and order is kept (stored form). */
export const AmountsByHeadSchema = z.array(z.object({ head: DamageHeadSchema, amount: MoneySchema }).strict())
  .refine(eachHeadOnce, { message: 'each head appears at most once' });
export type AmountsByHead = z.infer<typeof AmountsByHeadSchema>;

/** Amounts by head in a command: each amount bounded and more than zero (a head of nothing is left out). */
export const CommandAmountsByHeadSchema = z.array(z.object({ head: DamageHeadSchema, amount: CommandMoneySchema }).strict())
  .max(DAMAGE_HEADS.length)
  .refine(eachHeadOnce, { message: 'each head appears at most once' });

export const ClaimIdSchema = z.uuid();
/** Calendar date without time (a court decision, a deadline), `YYYY-MM-DD` (stored form). */
export const LocalDateSchema = z.iso.date();
/** An instant, always UTC, ISO 8601 (stored form). */
export const InstantSchema = z.iso.datetime({ offset: false });

const inCommandRange = (value: string) => value.slice(0, 10) >= EARLIEST_COMMAND_DATE && value.slice(0, 10) <= LATEST_COMMAND_DATE;
const rangeMessage = `must lie between ${EARLIEST_COMMAND_DATE} and ${LATEST_COMMAND_DATE}`;
export const CommandDateSchema = LocalDateSchema.refine(inCommandRange, { message: `a date ${rangeMessage}` });
export const CommandInstantSchema = InstantSchema.refine(inCommandRange, { message: `an instant ${rangeMessage}` });

// Control characters (NUL, escape, ...), lone surrogates (not Unicode: they break encoders and
// databases downstream), line and paragraph separators and bidirectional overrides (they make a
// text display as something else).
const UNSAFE_IN_LINE = /[\p{Cc}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
const UNSAFE_IN_PROSE = /[\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]|(?![\t\n\r])\p{Cc}/u;

/** One line of text in a command (a name, an address, a court, a case number, an id): trimmed, 1 to `max` characters, printable. */
export const commandLine = (max: number) => z.string().trim().min(1).max(max)
  .refine((v) => !UNSAFE_IN_LINE.test(v), { message: 'control characters, lone surrogates and direction overrides are not allowed' });

/** Free text in a command (reasons, grounds): as `commandLine`, but tabs and line breaks are allowed. */
export const commandProse = (max: number) => z.string().trim().min(1).max(max)
  .refine((v) => !UNSAFE_IN_PROSE.test(v), { message: 'control characters (other than tabs and line breaks), lone surrogates and direction overrides are not allowed' });

/** Who did something: the subject of the caller's token and the roles it acted in. */
export const ActorSchema = z.object({ sub: z.string().min(1), roles: z.array(RoleSchema) }).strict();
export type Actor = z.infer<typeof ActorSchema>;
