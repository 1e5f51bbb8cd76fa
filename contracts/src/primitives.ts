import { z } from 'zod';

/** ISO 4217 codes of the schemes' currencies. */
export const CURRENCIES = ['RSD', 'BAM', 'EUR', 'ALL', 'MKD'] as const;
export const CurrencySchema = z.enum(CURRENCIES);
export type Currency = z.infer<typeof CurrencySchema>;

/** Money is integer minor units plus a currency: never floats. */
export const MoneySchema = z.object({
  amountMinor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  currency: CurrencySchema,
}).strict();
export type Money = z.infer<typeof MoneySchema>;

/** The jurisdictions with a scheme (XK: Kosovo). */
export const JURISDICTIONS = ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'] as const;
export const JurisdictionSchema = z.enum(JURISDICTIONS);
export type Jurisdiction = z.infer<typeof JurisdictionSchema>;

/** `operator` runs the system as a whole (read-model rebuilds): no claim, no jurisdiction. */
export const ROLES = [
  'lawyer', 'fund-assessor', 'fund-approver', 'fund-finance', 'fund-admin', 'auditor', 'dpo', 'operator',
] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Heads of damage a claim or an award is broken into. */
export const DAMAGE_HEADS = [
  'non-pecuniary', 'lost-earnings', 'medical-costs', 'loss-of-maintenance', 'funeral-costs', 'other-pecuniary',
] as const;
export const DamageHeadSchema = z.enum(DAMAGE_HEADS);
export type DamageHead = z.infer<typeof DamageHeadSchema>;

/** Amounts by head: a list so that each head appears once and order is kept. */
export const AmountsByHeadSchema = z.array(z.object({ head: DamageHeadSchema, amount: MoneySchema }).strict())
  .refine((xs) => new Set(xs.map((x) => x.head)).size === xs.length, { message: 'each head appears at most once' });
export type AmountsByHead = z.infer<typeof AmountsByHeadSchema>;

export const ClaimIdSchema = z.uuid();
/** Calendar date without time (a court decision, a deadline), `YYYY-MM-DD`. */
export const LocalDateSchema = z.iso.date();
/** An instant, always UTC, ISO 8601. */
export const InstantSchema = z.iso.datetime({ offset: false });

/** Who did something: the subject of the caller's token and the roles it acted in. */
export const ActorSchema = z.object({ sub: z.string().min(1), roles: z.array(RoleSchema) }).strict();
export type Actor = z.infer<typeof ActorSchema>;
