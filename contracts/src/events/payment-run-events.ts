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

/**
 * The payment left its run, unpaid: the run was cancelled, the payment was voided from it before
 * its release, or the bank rejected the transfer before booking it (a bank statement said so:
 * `endToEndId` names it). It can be paid again, in a later run under a new end-to-end id.
 */
export const PaymentUnqueued = eventVersion('PaymentUnqueued', 1, {
  claimId: ClaimIdSchema, runId: z.uuid(), payment: PaymentRefSchema, reason: z.enum(['run-cancelled', 'voided', 'rejected-by-bank']),
  endToEndId: EndToEndIdSchema.optional(),
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

/**
 * One payment taken out of a run before its release: the bank file leaves it out and the run's
 * `total` is what remains. Its end-to-end id is never paid: a reissue in a later run gets another.
 */
export const PaymentVoided = eventVersion('PaymentVoided', 1, {
  runId: z.uuid(), claimId: ClaimIdSchema, payment: PaymentRefSchema, endToEndId: EndToEndIdSchema, amount: MoneySchema,
  voidedBy: text(200), voidedAt: InstantSchema, reason: text(2000), total: MoneySchema,
});

export const PAYMENT_RUN_EVENTS = [PaymentRunPrepared, PaymentRunReleased, PaymentRunCancelled, PaymentVoided] as const;

// ---- bank statements -------------------------------------------------------------------------
// A bank statement (ISO 20022 camt.053) of a fund account, imported by a finance officer (stream
// `bankstatement-<sha256 of the file>`). Each entry's end-to-end id and amount are matched to a
// payment of a released run; the claims record what was paid or returned; whatever does not match
// is listed here for a person to resolve, never guessed. Only references, amounts, dates and ISO
// reason codes are kept: the statement's names, accounts and free texts never leave the import.

export const BANK_ENTRY_OUTCOMES = ['paid', 'returned', 'unmatched', 'not-booked'] as const;
export type BankEntryOutcome = (typeof BANK_ENTRY_OUTCOMES)[number];

export const BankStatementEntrySchema = z.object({
  /** The entry's place in the file, from 1 (one transaction of a batch booking is one entry). */
  entry: z.number().int().min(1),
  /** As the bank gave it: the run's end-to-end id, or anything for money that is not the fund's. */
  endToEndId: z.string().max(35).optional(),
  /** In the entry's currency, which need not be one of the schemes' (money that is not the fund's). */
  amount: z.object({ amountMinor: z.number().int().min(0), currency: z.string().regex(/^[A-Z]{3}$/) }).strict(),
  direction: z.enum(['debit', 'credit']),
  /** The bank's reference of the booking (AcctSvcrRef). */
  bankReference: z.string().trim().min(1).max(35).optional(),
  bookedOn: LocalDateSchema.optional(),
  /** The ISO 20022 return reason code (for example AC04, account closed) of a return. */
  returnReason: z.string().regex(/^[A-Za-z0-9]{1,35}$/).optional(),
  outcome: z.enum(BANK_ENTRY_OUTCOMES),
  /** Why an entry is unmatched (a sentence of this system's, never the bank's text). */
  reason: z.string().min(1).max(500).optional(),
  claimId: ClaimIdSchema.optional(),
  runId: z.uuid().optional(),
  payment: PaymentRefSchema.optional(),
}).strict();
export type BankStatementEntry = z.infer<typeof BankStatementEntrySchema>;

/** At most this many entries in one `BankStatementEntriesRecorded` (an event stays far below the store's 1 MiB append limit). */
export const BANK_STATEMENT_ENTRIES_PER_EVENT = 500;

export const BankStatementImported = eventVersion('BankStatementImported', 1, {
  statementId: z.string().regex(/^[0-9a-f]{64}$/), jurisdiction: JurisdictionSchema, messageId: text(35),
  statementIds: z.array(text(35)).min(1), importedBy: text(200), importedAt: InstantSchema,
  entryCount: z.number().int().min(0),
  counts: z.object({ paid: z.number().int().min(0), returned: z.number().int().min(0), unmatched: z.number().int().min(0), notBooked: z.number().int().min(0) }).strict(),
});

/** The import's entries, in order, `BANK_STATEMENT_ENTRIES_PER_EVENT` at a time. */
export const BankStatementEntriesRecorded = eventVersion('BankStatementEntriesRecorded', 1, {
  statementId: z.string().regex(/^[0-9a-f]{64}$/), part: z.number().int().min(1), entries: z.array(BankStatementEntrySchema).min(1).max(BANK_STATEMENT_ENTRIES_PER_EVENT),
});

/** A person looked into an unmatched entry and says what it was. */
export const BankStatementEntryResolved = eventVersion('BankStatementEntryResolved', 1, {
  statementId: z.string().regex(/^[0-9a-f]{64}$/), entry: z.number().int().min(1), resolvedBy: text(200), resolvedAt: InstantSchema, note: text(1000),
});

export const BANK_STATEMENT_EVENTS = [BankStatementImported, BankStatementEntriesRecorded, BankStatementEntryResolved] as const;
