import { z } from 'zod';
import { PAYEE_KINDS, MaskedAccountSchema } from '../payee.js';
import { ClaimIdSchema, InstantSchema } from '../primitives.js';
import { EncryptedPersonalDataSchema, eventVersion } from './common.js';

// ---- payee ----------------------------------------------------------------------------------
// Who the claim's money goes to. The payee's name and account exist only encrypted under the
// victim's data key (`details`: PayeeDetails), so an erasure makes them unreadable; the events keep
// the kind and a masked account for the financial trail. Each change is numbered from 1.

const base = { claimId: ClaimIdSchema };
const text = (max: number) => z.string().trim().min(1).max(max);
const payee = {
  change: z.number().int().min(1),
  payeeKind: z.enum(PAYEE_KINDS),
  maskedAccount: MaskedAccountSchema,
  details: EncryptedPersonalDataSchema,
};

/** Payee details in force at once: given before any award or advance of the claim was approved. */
export const PayeeDetailsSet = eventVersion('PayeeDetailsSet', 1, { ...base, ...payee, setBy: text(200), setAt: InstantSchema });

/** New payee details after an approval: not in force until a second person confirms them. */
export const PayeeChangeRequested = eventVersion('PayeeChangeRequested', 1, { ...base, ...payee, requestedBy: text(200), requestedAt: InstantSchema });

/** The requested change is in force from now on. */
export const PayeeChangeConfirmed = eventVersion('PayeeChangeConfirmed', 1, {
  ...base, change: z.number().int().min(1), confirmedBy: text(200), confirmedAt: InstantSchema,
});

/** The requested change is dropped; the payee in force stays. */
export const PayeeChangeRejected = eventVersion('PayeeChangeRejected', 1, {
  ...base, change: z.number().int().min(1), rejectedBy: text(200), rejectedAt: InstantSchema, reason: text(2000),
});

export const PAYEE_EVENTS = [PayeeDetailsSet, PayeeChangeRequested, PayeeChangeConfirmed, PayeeChangeRejected] as const;
