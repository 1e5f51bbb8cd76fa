import { z } from 'zod';
import { MaskedAccountSchema, PAYEE_KINDS } from '../payee.js';
import { ClaimIdSchema, CurrencySchema, InstantSchema, JurisdictionSchema, LocalDateSchema, MoneySchema } from '../primitives.js';
import { EncryptedPersonalDataSchema, eventVersion } from './common.js';

// ---- payment runs ----------------------------------------------------------------------------
// A finance officer collects payments due (instalments, approved advances) into a run for one
// jurisdiction and execution date; a second finance officer releases it, and only then is the
// bank's file (ISO 20022 pain.001) produced. Each payment is queued on its claim first, so that
// no payment is in two runs, nor paid by hand while in one.

const text = (max: number) => z.string().trim().min(1).max(max);
/** An instalment or an advance of a claim. */
export const PaymentRefSchema = z.object({ kind: z.enum(['instalment', 'advance']), number: z.number().int().min(1) }).strict();
/** The bank's end-to-end id of one payment: at most 35 characters of the ISO 20022 basic set. */
export const EndToEndIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,35}$/);

// ---- on the claim ----------------------------------------------------------------------------

/** The payment is in a run: not paid by hand, not in another run, its payee not changed, until it leaves the run. */
export const PaymentQueued = eventVersion('PaymentQueued', 1, {
  claimId: ClaimIdSchema, runId: z.uuid(), payment: PaymentRefSchema, amount: MoneySchema, endToEndId: EndToEndIdSchema,
});

/** The payment left its run (the run was cancelled): it can be paid again. */
export const PaymentUnqueued = eventVersion('PaymentUnqueued', 1, {
  claimId: ClaimIdSchema, runId: z.uuid(), payment: PaymentRefSchema, reason: z.enum(['run-cancelled']),
});

export const PAYMENT_QUEUE_EVENTS = [PaymentQueued, PaymentUnqueued] as const;

// ---- on the run ------------------------------------------------------------------------------

/**
 * One payment of a run: what the bank file says, with the payee's details as they were confirmed
 * (encrypted with the victim's key: an erasure makes the file impossible to produce again) and
 * who decided the claim's award (none of them may release the run).
 */
export const PaymentRunItemSchema = z.object({
  claimId: ClaimIdSchema,
  publicReference: text(100),
  victimRef: text(100),
  payment: PaymentRefSchema,
  amount: MoneySchema,
  endToEndId: EndToEndIdSchema,
  payeeKind: z.enum(PAYEE_KINDS),
  maskedAccount: MaskedAccountSchema,
  payeeDetails: EncryptedPersonalDataSchema,
  deciders: z.array(text(200)),
}).strict();
export type PaymentRunItem = z.infer<typeof PaymentRunItemSchema>;

export const PaymentRunPrepared = eventVersion('PaymentRunPrepared', 1, {
  runId: z.uuid(), jurisdiction: JurisdictionSchema, currency: CurrencySchema, executionOn: LocalDateSchema,
  preparedBy: text(200), preparedAt: InstantSchema, items: z.array(PaymentRunItemSchema).min(1), total: MoneySchema,
});

/** The fund's own account a run is paid from (not personal data). */
export const DebtorAccountSchema = z.object({ name: text(140), iban: z.string().regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/), bic: z.string().regex(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/) }).strict();
export type DebtorAccount = z.infer<typeof DebtorAccountSchema>;

/**
 * The run is released to the bank: `fileSha256` is the digest of the pain.001 file as produced
 * then, from the run, this event (message id, instant, debtor account) and the payees' details.
 */
export const PaymentRunReleased = eventVersion('PaymentRunReleased', 1, {
  runId: z.uuid(), releasedBy: text(200), releasedAt: InstantSchema, messageId: text(35), debtor: DebtorAccountSchema,
  fileSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const PaymentRunCancelled = eventVersion('PaymentRunCancelled', 1, {
  runId: z.uuid(), cancelledBy: text(200), cancelledAt: InstantSchema, reason: text(2000),
});

export const PAYMENT_RUN_EVENTS = [PaymentRunPrepared, PaymentRunReleased, PaymentRunCancelled] as const;
