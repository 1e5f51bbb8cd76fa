import { z } from 'zod';
import {
  AmountsByHeadSchema, ClaimIdSchema, CurrencySchema, InstantSchema, JurisdictionSchema, LocalDateSchema, MoneySchema,
} from '../primitives.js';
import { APPEAL_OUTCOMES, COMPENSATION_SOURCES, DOCUMENT_CONTENT_TYPES, DOCUMENT_KINDS, ENFORCEMENT_FAILURE_REASONS, EVIDENCE_KINDS, FORMS_OF_EXPLOITATION, RULING_OUTCOMES } from '../values.js';
export { APPEAL_OUTCOMES, COMPENSATION_SOURCES, DOCUMENT_CONTENT_TYPES, DOCUMENT_KINDS, ENFORCEMENT_FAILURE_REASONS, EVIDENCE_KINDS, FORMS_OF_EXPLOITATION, RULING_OUTCOMES } from '../values.js';
import { EncryptedPersonalDataSchema, eventVersion } from './common.js';
import { PAYEE_EVENTS } from './payee-events.js';
import { EndToEndIdSchema, PAYMENT_QUEUE_EVENTS } from './payment-run-events.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const base = { claimId: ClaimIdSchema };
const CompensationReceivedSchema = z.array(z.object({ source: z.enum(COMPENSATION_SOURCES), amount: MoneySchema }).strict());

// ---- court track ------------------------------------------------------------------------------

export const ClaimFiled = eventVersion('ClaimFiled', 1, {
  ...base,
  jurisdiction: JurisdictionSchema,
  /** Effective date of the scheme version in force on the filing date. */
  schemeVersion: LocalDateSchema,
  currency: CurrencySchema,
  filedBy: text(200),
  filedAt: InstantSchema,
  /** A reference that can be shown to others (letters, payments): never the victim's identity. */
  publicReference: text(40),
  applicantRole: z.enum(['direct', 'indirect']),
  /** Pseudonymous reference of the victim; the key of their data key. */
  victimRef: text(100),
  personalData: EncryptedPersonalDataSchema,
  formOfExploitation: z.enum(FORMS_OF_EXPLOITATION),
  /** Date of the crime (an anchor of application deadlines). */
  incidentOn: LocalDateSchema,
  damagesClaimed: AmountsByHeadSchema,
});

export const EvidenceAttached = eventVersion('EvidenceAttached', 1, {
  ...base,
  documentId: text(100),
  kind: z.enum(EVIDENCE_KINDS),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  title: text(300),
});

/**
 * A document uploaded to the claim: its bytes are stored encrypted with the victim's data key
 * under `storageKey`; the event holds no plaintext that could identify the victim (the file
 * name is encrypted like personal data). `sha256` is the plaintext's (integrity, and one
 * document per content within a claim).
 */
export const DocumentAttached = eventVersion('DocumentAttached', 1, {
  ...base,
  documentId: z.uuid(),
  kind: z.enum(DOCUMENT_KINDS),
  size: z.number().int().min(1),
  contentType: z.enum(DOCUMENT_CONTENT_TYPES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Where the encrypted bytes are (a name of the document store, never the file name). */
  storageKey: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/),
  fileName: EncryptedPersonalDataSchema,
  /** The number of the claim's request for information the document answers, if any. */
  request: z.number().int().min(1).optional(),
  /**
   * Read only: early uploads could carry a UUID here that named no request (requests are
   * numbered). Never written now, and ignored by every reader.
   */
  requestId: z.uuid().optional(),
  attachedBy: text(200),
  attachedAt: InstantSchema,
});

export const CriminalProceedingsRecorded = eventVersion('CriminalProceedingsRecorded', 1, {
  ...base,
  court: text(200),
  caseNumber: text(100),
});

export const CourtRulingRecorded = eventVersion('CourtRulingRecorded', 1, {
  ...base,
  court: text(200),
  caseNumber: text(100),
  decidedOn: LocalDateSchema,
  outcome: z.enum(RULING_OUTCOMES),
  /** Amounts awarded by head (empty unless compensation was awarded). */
  amounts: AmountsByHeadSchema,
});

export const RulingBecameFinal = eventVersion('RulingBecameFinal', 1, { ...base, finalOn: LocalDateSchema });

export const OffenderPaymentReceived = eventVersion('OffenderPaymentReceived', 1, {
  ...base,
  amount: MoneySchema,
  receivedOn: LocalDateSchema,
});

export const EnforcementFailed = eventVersion('EnforcementFailed', 1, {
  ...base,
  reason: z.enum(ENFORCEMENT_FAILURE_REASONS),
  amountOutstanding: MoneySchema,
  recordedOn: LocalDateSchema,
});

// ---- fund track -------------------------------------------------------------------------------

export const FundApplicationSubmitted = eventVersion('FundApplicationSubmitted', 1, {
  ...base,
  submittedAt: InstantSchema,
  /** The application deadline computed for this claim, as a local date in the scheme's zone. */
  deadline: LocalDateSchema,
  late: z.boolean(),
  otherCompensationDeclared: CompensationReceivedSchema,
});

export const LateFilingExtensionGranted = eventVersion('LateFilingExtensionGranted', 1, {
  ...base,
  decidedBy: text(200),
  reason: text(2000),
});

export const LateFilingExtensionRefused = eventVersion('LateFilingExtensionRefused', 1, {
  ...base,
  decidedBy: text(200),
  reason: text(2000),
});

export const ClaimAssessed = eventVersion('ClaimAssessed', 1, {
  ...base,
  assessedBy: text(200),
  eligible: z.boolean(),
  ineligibilityReasons: z.array(text(500)),
  assessedAmounts: AmountsByHeadSchema,
  deductions: CompensationReceivedSchema,
  capsApplied: z.array(z.object({ head: z.string(), cap: MoneySchema, reducedBy: MoneySchema }).strict()),
  recommendedNet: MoneySchema,
});

export const AdvancePaymentApproved = eventVersion('AdvancePaymentApproved', 1, {
  ...base,
  approvedBy: text(200),
  amount: MoneySchema,
  reason: text(2000),
  /** 1 for the claim's first advance; absent in events written before advances were numbered (their order gives it). */
  advance: z.number().int().min(1).optional(),
  /** The fund year whose budget the advance is committed against (the claim's fund year from then on). */
  fundYear: z.number().int().min(2000).max(2200).optional(),
});

export const AdvanceDisbursed = eventVersion('AdvanceDisbursed', 1, {
  ...base,
  advance: z.number().int().min(1),
  amount: MoneySchema,
  paymentReference: text(100),
  disbursedBy: text(200),
  disbursedAt: InstantSchema,
  /** Paid through a payment run: the bank booked the run's payment with this end-to-end id (its reference is `paymentReference`). */
  endToEndId: EndToEndIdSchema.optional(),
});

/** A paid advance came back (the bank returned the transfer), or the bank rejected it before booking: it failed, is owed again and is paid once more (in a new run); the ledger takes back what was paid and keeps it committed. */
export const AdvanceFailed = eventVersion('AdvanceFailed', 1, {
  ...base,
  advance: z.number().int().min(1),
  reason: text(1000),
  failedAt: InstantSchema,
  /** The run's payment the bank returned. */
  endToEndId: EndToEndIdSchema.optional(),
  /** The bank rejected it before booking: nothing was paid, so the ledger returns nothing (the claim's `PaymentUnqueued` `rejected-by-bank` comes first). */
  unbooked: z.literal(true).optional(),
});

export const AwardApprovalGiven = eventVersion('AwardApprovalGiven', 1, {
  ...base,
  approver: text(200),
  netAward: MoneySchema,
  /** 1 for the first approval, 2 for the second where the scheme requires two. */
  approvalNumber: z.union([z.literal(1), z.literal(2)]),
});

export const AwardApproved = eventVersion('AwardApproved', 1, {
  ...base,
  netAward: MoneySchema,
  approvers: z.array(text(200)).min(1).max(2),
  /** The fund year whose budget the award is committed against. */
  fundYear: z.number().int().min(2000).max(2200),
});

export const AwardRejected = eventVersion('AwardRejected', 1, {
  ...base,
  rejectedBy: text(200),
  reasons: z.array(text(1000)).min(1),
  appealInstructions: text(2000),
});

/**
 * The letter served with a decision or a request: a document of the claim (its DocumentAttached,
 * kind `letter`, comes just before in the same append) named here with the SHA-256 of its PDF, so
 * an auditor can prove which letter was served. Absent in events written before letters existed.
 */
export const LetterRecordSchema = z.object({
  documentId: z.uuid(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The letter's language (the language of the proceedings), a locale of @cfund/i18n. */
  locale: z.string().regex(/^[a-z]{2,3}(?:-[A-Z][a-z]{3})?$/),
}).strict();
export type LetterRecord = z.infer<typeof LetterRecordSchema>;

/**
 * A copy of the letter in the victim's preferred language (when it differs from the scheme's):
 * a document of the claim like the letter, same decision and date. Its locale is NOT recorded:
 * it is the victim's language, personal data (it is in the copy's encrypted file name only).
 * Absent when the victim has no other language, in events written before copies, and after an erasure.
 */
export const LetterCopySchema = z.object({
  documentId: z.uuid(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
}).strict();
export type LetterCopy = z.infer<typeof LetterCopySchema>;
/** The copies served with a letter (one today: the victim's language). */
const letterCopies = z.array(LetterCopySchema).min(1).max(4).optional();

export const DecisionNotified = eventVersion('DecisionNotified', 1, {
  ...base,
  servedAt: InstantSchema,
  /** Last local day of the appeal period, in the scheme's time zone. */
  appealDeadline: LocalDateSchema,
  /** The decision letter served (absent in events written before letters, or when the victim's data was erased). */
  letter: LetterRecordSchema.optional(),
  letterCopies,
});

export const DecisionAppealed = eventVersion('DecisionAppealed', 1, {
  ...base,
  appealedAt: InstantSchema,
  grounds: text(4000),
});

/** The first of two approvals of an appeal decision that sets an award above the scheme's threshold. */
export const AppealApprovalGiven = eventVersion('AppealApprovalGiven', 1, {
  ...base,
  approver: text(200),
  outcome: z.enum(APPEAL_OUTCOMES),
  decidedOn: LocalDateSchema,
  netAward: MoneySchema,
});

export const AppealDecided = eventVersion('AppealDecided', 1, {
  ...base,
  outcome: z.enum(APPEAL_OUTCOMES),
  decidedOn: LocalDateSchema,
  /** The net award after the appeal, when it changed (increased or reduced). */
  netAward: MoneySchema.optional(),
  /** Who decided (absent in events written before appeal decisions recorded it). */
  approvers: z.array(text(200)).min(1).max(2).optional(),
  /** The fund year the changed award is committed against, when the claim had none (an award granted on appeal). */
  fundYear: z.number().int().min(2000).max(2200).optional(),
  /** The letter of the appeal decision (absent in events written before letters). */
  letter: LetterRecordSchema.optional(),
  letterCopies,
});

/**
 * v2: `committedByDueYear`: each instalment's money is committed in the fund year of its due date
 * (true for every schedule recorded since), not all in the award's fund year. v1 reads as `false`:
 * a schedule of before keeps its money in the award's fund year (no ledger moves on deployment).
 */
export const PayoutScheduled = eventVersion('PayoutScheduled', 2, {
  ...base,
  instalments: z.array(z.object({ number: z.number().int().min(1), amount: MoneySchema, dueOn: LocalDateSchema }).strict()).min(1),
  total: MoneySchema,
  committedByDueYear: z.boolean(),
});
/** PayoutScheduled v1 to v2: a schedule of before instalments were committed by due year keeps its money in the award's fund year. */
export const CLAIM_UPCASTERS = [
  { type: 'PayoutScheduled', fromVersion: 1, up: (data: Record<string, unknown>): Record<string, unknown> => ({ ...data, schemaVersion: 2, committedByDueYear: false }) },
] as const;

/**
 * A schedule of before instalments were committed by due year (v1) moved on purpose by a fund
 * admin: each instalment named, not paid when moved, is from now on committed in the fund year
 * of its due date (`year`) and no longer in the award's fund year; the others stay there.
 */
export const CommitmentsSpreadByYear = eventVersion('CommitmentsSpreadByYear', 1, {
  ...base,
  instalments: z.array(z.object({ instalment: z.number().int().min(1), year: z.number().int().min(2000).max(2200) }).strict()).min(1),
  reason: text(2000),
  spreadBy: text(200),
  spreadAt: InstantSchema,
});

export const PayoutDisbursed = eventVersion('PayoutDisbursed', 1, {
  ...base,
  instalment: z.number().int().min(1),
  amount: MoneySchema,
  paymentReference: text(100),
  disbursedBy: text(200),
  disbursedAt: InstantSchema,
  /** Paid before its due date, on purpose (the disbursement said so). */
  early: z.boolean().optional(),
  /** Paid through a payment run: the bank booked the run's payment with this end-to-end id (its reference is `paymentReference`). */
  endToEndId: EndToEndIdSchema.optional(),
});

/** An instalment's payment failed (recorded by hand, returned by the bank, or rejected before booking): it is due again and paid once more; the ledger takes back what was paid and keeps it committed. */
export const PayoutFailed = eventVersion('PayoutFailed', 1, {
  ...base,
  instalment: z.number().int().min(1),
  reason: text(1000),
  failedAt: InstantSchema,
  /** The run's payment the bank returned, when the failure came from a bank statement. */
  endToEndId: EndToEndIdSchema.optional(),
  /** The bank rejected it before booking: nothing was paid, so the ledger returns nothing (the claim's `PaymentUnqueued` `rejected-by-bank` comes first). */
  unbooked: z.literal(true).optional(),
});

export const RecoveryFromOffenderRecorded = eventVersion('RecoveryFromOffenderRecorded', 1, {
  ...base,
  amount: MoneySchema,
  recordedOn: LocalDateSchema,
});

export const ClaimWithdrawn = eventVersion('ClaimWithdrawn', 1, { ...base, reason: text(2000), withdrawnAt: InstantSchema });
export const ClaimReopened = eventVersion('ClaimReopened', 1, { ...base, reason: text(2000), reopenedAt: InstantSchema });
export const ClaimClosed = eventVersion('ClaimClosed', 1, { ...base, reason: text(2000), closedAt: InstantSchema });

// ---- assignment ------------------------------------------------------------------------------
// People are named by their token's `sub` (a pseudonymous account id, never a victim's data).

/** Another lawyer of the claim's jurisdiction now acts for the victim beside the lead lawyer. */
export const CoCounselAdded = eventVersion('CoCounselAdded', 1, {
  ...base,
  lawyer: text(200),
  addedBy: text(200),
  addedAt: InstantSchema,
});

export const CoCounselRemoved = eventVersion('CoCounselRemoved', 1, {
  ...base,
  lawyer: text(200),
  removedBy: text(200),
  removedAt: InstantSchema,
});

/** The lead lawyer changes: `from` no longer acts on the claim, `to` leads it. */
export const ClaimHandedOver = eventVersion('ClaimHandedOver', 1, {
  ...base,
  from: text(200),
  to: text(200),
  reason: text(2000),
  handedOverBy: text(200),
  handedOverAt: InstantSchema,
});

/** The fund assessor of record: assigned by a fund admin, or `taken` by the assessor from the unassigned queue. */
export const AssessorAssigned = eventVersion('AssessorAssigned', 1, {
  ...base,
  assessor: text(200),
  assignedBy: text(200),
  assignedAt: InstantSchema,
  taken: z.boolean(),
});

// ---- requests for information ------------------------------------------------------------------
// The question and the answer may name the victim or others: they are stored only encrypted with
// the victim's data key (like `ClaimFiled.personalData`), so an erasure makes them unreadable.

/** The assessor asks the claim's lawyers for information or documents; the claim is on hold for assessment while it is open. */
export const InformationRequested = eventVersion('InformationRequested', 1, {
  ...base,
  /** Number of the request within the claim, from 1. */
  request: z.number().int().min(1),
  /** `{ question }`, encrypted with the victim's data key. */
  question: EncryptedPersonalDataSchema,
  /** The last day to answer, a local date in the scheme's time zone. */
  dueOn: LocalDateSchema,
  requestedBy: text(200),
  requestedAt: InstantSchema,
  /** The letter of the request (absent in events written before letters). */
  letter: LetterRecordSchema.optional(),
  letterCopies,
});

/** A lawyer acting on the claim answers an open request: text (encrypted) and/or document ids. */
export const InformationRequestAnswered = eventVersion('InformationRequestAnswered', 1, {
  ...base,
  request: z.number().int().min(1),
  /** `{ answer }`, encrypted with the victim's data key; absent when only documents answer. */
  answer: EncryptedPersonalDataSchema.optional(),
  documentIds: z.array(z.uuid()),
  answeredBy: text(200),
  answeredAt: InstantSchema,
  /** Whether the answer came after the due date. */
  late: z.boolean(),
});

/** The assessor withdraws an open request (no free text: nothing personal to protect). */
export const InformationRequestWithdrawn = eventVersion('InformationRequestWithdrawn', 1, {
  ...base,
  request: z.number().int().min(1),
  withdrawnBy: text(200),
  withdrawnAt: InstantSchema,
});

// ---- victim data ------------------------------------------------------------------------------

export const PersonalDataErased = eventVersion('PersonalDataErased', 1, {
  ...base,
  victimRef: text(100),
  erasedBy: text(200),
  erasedAt: InstantSchema,
});

/**
 * The victim's preferred language set or changed after filing (at filing it is part of
 * `ClaimFiled.personalData`): `{ preferredLanguage }` encrypted with the victim's data key, null
 * for none. The latest one (or else the filed one) is in force.
 */
export const PreferredLanguageSet = eventVersion('PreferredLanguageSet', 1, {
  ...base,
  preference: EncryptedPersonalDataSchema,
  setBy: text(200),
  setAt: InstantSchema,
});

export const CLAIM_EVENTS = [
  ClaimFiled, EvidenceAttached, CriminalProceedingsRecorded, CourtRulingRecorded, RulingBecameFinal,
  OffenderPaymentReceived, EnforcementFailed, FundApplicationSubmitted, LateFilingExtensionGranted,
  LateFilingExtensionRefused, ClaimAssessed, AdvancePaymentApproved, AdvanceDisbursed, AdvanceFailed, AwardApprovalGiven, AwardApproved,
  AwardRejected, DecisionNotified, DecisionAppealed, AppealApprovalGiven, AppealDecided, PayoutScheduled, CommitmentsSpreadByYear, PayoutDisbursed,
  PayoutFailed, RecoveryFromOffenderRecorded, ClaimWithdrawn, ClaimReopened, ClaimClosed, PersonalDataErased,
  CoCounselAdded, CoCounselRemoved, ClaimHandedOver, AssessorAssigned, DocumentAttached,
  ...PAYEE_EVENTS, ...PAYMENT_QUEUE_EVENTS,
  InformationRequested, InformationRequestAnswered, InformationRequestWithdrawn, PreferredLanguageSet,
] as const;
