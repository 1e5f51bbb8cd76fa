import { z } from 'zod';
import { ClaimIdSchema, InstantSchema, JurisdictionSchema, MoneySchema } from '../primitives.js';
import { eventVersion } from './common.js';

const base = { jurisdiction: JurisdictionSchema, year: z.number().int().min(2000).max(2200) };
const who = z.string().trim().min(1).max(200);

export const FundBudgetAllocated = eventVersion('FundBudgetAllocated', 1, { ...base, amount: MoneySchema, allocatedBy: who, allocatedAt: InstantSchema });
export const FundsCommitted = eventVersion('FundsCommitted', 1, { ...base, claimId: ClaimIdSchema, amount: MoneySchema });
export const FundsReleased = eventVersion('FundsReleased', 1, { ...base, claimId: ClaimIdSchema, amount: MoneySchema, reason: z.string().trim().min(1).max(1000) });
/** A payment out of committed funds: an instalment of the payout, or an advance (exactly one of the two). */
export const FundsDisbursed = eventVersion('FundsDisbursed', 1, {
  ...base, claimId: ClaimIdSchema, instalment: z.number().int().min(1).optional(), advance: z.number().int().min(1).optional(), amount: MoneySchema,
});
/** A payment that failed came back: the amount is committed and outstanding again, to be paid once more. */
export const FundsReturned = eventVersion('FundsReturned', 1, {
  ...base, claimId: ClaimIdSchema, instalment: z.number().int().min(1).optional(), advance: z.number().int().min(1).optional(), amount: MoneySchema,
  reason: z.string().trim().min(1).max(1000),
});
/**
 * Money recovered from the offender on a claim, credited to the year it was received in. v2 names
 * which of the claim's recoveries it is (`recovery`, its number on the claim), so that it is credited
 * once; a v1 credit (before recoveries were numbered) is read as a v2 without `recovery`.
 */
export const RecoveryCredited = eventVersion('RecoveryCredited', 2, {
  ...base, claimId: ClaimIdSchema, recovery: z.number().int().min(1).optional(), amount: MoneySchema,
});
/** RecoveryCredited v1 to v2: the same credit, of no recovery in particular. */
export const FUND_UPCASTERS = [
  { type: 'RecoveryCredited', fromVersion: 1, up: (data: Record<string, unknown>): Record<string, unknown> => ({ ...data, schemaVersion: 2 }) },
] as const;

export const FUND_EVENTS = [FundBudgetAllocated, FundsCommitted, FundsReleased, FundsDisbursed, FundsReturned, RecoveryCredited] as const;
