import { z } from 'zod';
import {
  APPEAL_OUTCOMES, COMPENSATION_SOURCES, DOCUMENT_CONTENT_TYPES, DOCUMENT_KINDS, ENFORCEMENT_FAILURE_REASONS, EVIDENCE_KINDS, FORMS_OF_EXPLOITATION, RULING_OUTCOMES,
} from './events/claim-events.js';
import { CommandPersonalDataSchema, PreferredLanguageSchema } from './personal-data.js';
import { CommandPayeeSchema } from './payee.js';
import {
  CommandAmountsByHeadSchema, CommandBalanceSchema, CommandDateSchema, CommandInstantSchema, CommandMoneySchema, JurisdictionSchema, MAX_LIST_ITEMS,
  commandLine, commandProse,
} from './primitives.js';

/**
 * Bodies of the command endpoints. Every body is strict: an unknown
 * field is refused rather than ignored. Who acts and when comes from the token and the clock,
 * never from the body. Commands are bounded where events are not (events are facts, kept as
 * they were accepted): amounts more than zero and at most MAX_AMOUNT_MINOR, lists of at most
 * MAX_LIST_ITEMS, printable text, dates from 1900 to 2199 (primitives.ts).
 */
const line = commandLine;
const prose = commandProse;
const list = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_LIST_ITEMS);
/** A payout schedule runs at most ten years from its first instalment to its last. */
export const MAX_SCHEDULE_MONTHS = 120;
const DeclaredCompensation = list(z.object({ source: z.enum(COMPENSATION_SOURCES), amount: CommandMoneySchema }).strict());

/** One payment of a claim in a payment run: an instalment or an advance, by its number. */
const runPaymentFields = {
  claimId: z.uuid(),
  instalment: z.number().int().min(1).max(1000).optional(),
  advance: z.number().int().min(1).max(1000).optional(),
};
const oneRunPayment = (p: { instalment?: number | undefined; advance?: number | undefined }) => (p.instalment === undefined) !== (p.advance === undefined);
const ONE_RUN_PAYMENT = { message: 'an instalment or an advance, not both', path: ['instalment'] };
const RunPaymentRequestSchema = z.object(runPaymentFields).strict().refine(oneRunPayment, ONE_RUN_PAYMENT);

/**
 * The most payments one run holds. A run is prepared in one event, appended alone, and a
 * KurrentDB 24.10 node takes at most 1 MiB per append: 300 payments of the largest size (payee
 * names of 200 Cyrillic letters, a bank name, four deciders) fit with room to spare. More are
 * paid by several runs.
 */
export const MAX_RUN_PAYMENTS = 300;

export const CommandBodies = {
  fileClaim: z.object({
    jurisdiction: JurisdictionSchema,
    applicantRole: z.enum(['direct', 'indirect']),
    victim: CommandPersonalDataSchema,
    formOfExploitation: z.enum(FORMS_OF_EXPLOITATION),
    incidentOn: CommandDateSchema,
    /** What the claim claims: at least one head. */
    damagesClaimed: CommandAmountsByHeadSchema.min(1, { message: 'a claim claims at least one head of damage' }),
  }).strict(),
  attachEvidence: z.object({
    documentId: line(100), kind: z.enum(EVIDENCE_KINDS), sha256: z.string().regex(/^[0-9a-f]{64}$/), title: line(300),
  }).strict(),
  recordCriminalProceedings: z.object({ court: line(200), caseNumber: line(100) }).strict(),
  recordCourtRuling: z.object({
    court: line(200), caseNumber: line(100), decidedOn: CommandDateSchema, outcome: z.enum(RULING_OUTCOMES), amounts: CommandAmountsByHeadSchema,
  }).strict(),
  recordRulingFinality: z.object({ finalOn: CommandDateSchema }).strict(),
  recordOffenderPayment: z.object({ amount: CommandMoneySchema, receivedOn: CommandDateSchema }).strict(),
  recordEnforcementFailure: z.object({
    reason: z.enum(ENFORCEMENT_FAILURE_REASONS), amountOutstanding: CommandBalanceSchema, recordedOn: CommandDateSchema,
  }).strict(),
  submitFundApplication: z.object({ otherCompensationDeclared: DeclaredCompensation }).strict(),
  decideLateFilingExtension: z.object({ decision: z.enum(['granted', 'refused']), reason: prose(2000) }).strict(),
  assessClaim: z.object({
    eligible: z.boolean(),
    ineligibilityReasons: list(prose(500)).default([]),
    assessedAmounts: CommandAmountsByHeadSchema,
    deductions: DeclaredCompensation,
  }).strict(),
  approveAward: z.object({}).strict(),
  rejectAward: z.object({ reasons: list(prose(1000)).min(1), appealInstructions: prose(2000) }).strict(),
  notifyDecision: z.object({ servedAt: CommandInstantSchema }).strict(),
  appealDecision: z.object({ grounds: prose(4000) }).strict(),
  decideAppeal: z.object({ outcome: z.enum(APPEAL_OUTCOMES), decidedOn: CommandDateSchema, netAward: CommandMoneySchema.optional() }).strict(),
  approveAdvancePayment: z.object({ amount: CommandMoneySchema, reason: prose(2000) }).strict(),
  schedulePayout: z.object({
    instalments: z.number().int().min(1).max(120),
    firstDueOn: CommandDateSchema,
    intervalMonths: z.number().int().min(1).max(12),
  }).strict().refine((b) => (b.instalments - 1) * b.intervalMonths <= MAX_SCHEDULE_MONTHS, {
    path: ['instalments'], message: `the last instalment falls due at most ${MAX_SCHEDULE_MONTHS} months after the first`,
  }),
  disbursePayout: z.object({
    paymentReference: line(100),
    earlyPayment: z.boolean().optional().describe('true to pay an instalment before its due date (refused otherwise)'),
  }).strict(),
  disburseAdvance: z.object({ paymentReference: line(100) }).strict(),
  recordPayoutFailure: z.object({ reason: prose(1000) }).strict(),
  spreadCommitmentsByYear: z.object({ reason: prose(2000).describe('why the claim\'s later instalments are moved to the years they fall due in') }).strict(),
  recordRecovery: z.object({ amount: CommandMoneySchema, recordedOn: CommandDateSchema }).strict(),
  withdrawClaim: z.object({ reason: prose(2000) }).strict(),
  reopenClaim: z.object({ reason: prose(2000) }).strict(),
  closeClaim: z.object({ reason: prose(2000) }).strict(),
  addCoCounsel: z.object({ lawyer: line(200).describe('the `sub` of a lawyer of the claim\'s jurisdiction') }).strict(),
  removeCoCounsel: z.object({ lawyer: line(200) }).strict(),
  handOverClaim: z.object({ to: line(200).describe('the `sub` of the lawyer who leads the claim from now on'), reason: prose(2000) }).strict(),
  assignAssessor: z.object({ assessor: line(200).describe('the `sub` of a fund assessor of the claim\'s jurisdiction') }).strict(),
  takeClaim: z.object({}).strict(),
  eraseVictimData: z.object({ reason: prose(2000) }).strict(),
  setPreferredLanguage: PreferredLanguageSchema.describe('the victim\'s language, one of the fund\'s locales, or null for none (stored encrypted with the victim\'s data key)'),
  requestInformation: z.object({
    question: prose(4000).describe('what the lawyers are asked (stored encrypted with the victim\'s data key)'),
    dueInWorkingDays: z.number().int().min(1).max(60).optional().describe('the due date: this many working days of the scheme\'s calendar after today (local date)'),
    dueOn: CommandDateSchema.optional().describe('or the due date itself, a local date after today (rolled forward to a working day)'),
  }).strict().refine((b) => (b.dueInWorkingDays === undefined) !== (b.dueOn === undefined), {
    message: 'give either dueInWorkingDays or dueOn', path: ['dueOn'],
  }),
  answerInformationRequest: z.object({
    answer: prose(8000).optional().describe('the answer (stored encrypted with the victim\'s data key)'),
    documentIds: list(z.uuid()).default([]).describe('ids of documents that answer the request'),
  }).strict().refine((b) => b.answer !== undefined || b.documentIds.length > 0, {
    message: 'an answer gives text, documents or both', path: ['answer'],
  }),
  withdrawInformationRequest: z.object({}).strict(),
  allocateBudget: z.object({ amount: CommandMoneySchema }).strict(),
  setPayee: CommandPayeeSchema,
  confirmPayeeChange: z.object({ change: z.number().int().min(1).describe('the number of the change awaiting confirmation, as the claim shows it') }).strict(),
  rejectPayeeChange: z.object({ change: z.number().int().min(1), reason: prose(2000) }).strict(),
  preparePaymentRun: z.object({
    jurisdiction: JurisdictionSchema,
    executionOn: CommandDateSchema.describe('the date the bank is to execute the transfers (a local date of the jurisdiction)'),
    payments: z.array(RunPaymentRequestSchema).min(1, { message: 'a run pays at least one instalment or advance' })
      .max(MAX_RUN_PAYMENTS, { message: `a run pays at most ${MAX_RUN_PAYMENTS} payments: prepare several runs` }),
  }).strict(),
  releasePaymentRun: z.object({}).strict(),
  cancelPaymentRun: z.object({ reason: prose(2000) }).strict(),
  voidPayment: z.object({ ...runPaymentFields, reason: prose(2000).describe('why the payment leaves the run (no personal data of a victim)') }).strict().refine(oneRunPayment, ONE_RUN_PAYMENT),
  resolveStatementEntry: z.object({ note: prose(1000).describe('what the entry was and what was done about it (no personal data of a victim)') }).strict(),
} as const;

export type CommandName = keyof typeof CommandBodies;
export type CommandBody<N extends CommandName> = z.output<(typeof CommandBodies)[N]>;

/** The answer of every command endpoint. */
export const CommandResultSchema = z.object({
  claimId: z.string(),
  revision: z.number().int(),
  events: z.array(z.string()),
}).strict();
export type CommandResult = z.infer<typeof CommandResultSchema>;

/**
 * The fields of a document upload (`multipart/form-data`, beside the `file` part, which comes
 * last). Not a JSON body: the file streams, so the fields are read before it.
 */
export const DocumentUploadFieldsSchema = z.object({
  kind: z.enum(DOCUMENT_KINDS),
  /** The number of the claim's request for information the document answers (sent as text, read as a whole number from 1). */
  request: z.string().regex(/^[1-9][0-9]{0,8}$/, 'expected the number of a request for information (a whole number from 1)')
    .transform(Number).optional(),
}).strict();
export type DocumentUploadFields = z.infer<typeof DocumentUploadFieldsSchema>;

/** The answer of an upload: the command's, and the document as stored. */
export const DocumentUploadResultSchema = CommandResultSchema.extend({
  documentId: z.uuid(),
  size: z.number().int(),
  contentType: z.enum(DOCUMENT_CONTENT_TYPES),
  sha256: z.string(),
}).strict();
export type DocumentUploadResult = z.infer<typeof DocumentUploadResultSchema>;
