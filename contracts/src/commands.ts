import { z } from 'zod';
import {
  APPEAL_OUTCOMES, COMPENSATION_SOURCES, ENFORCEMENT_FAILURE_REASONS, EVIDENCE_KINDS, FORMS_OF_EXPLOITATION, RULING_OUTCOMES,
} from './events/claim-events.js';
import { PersonalDataSchema } from './personal-data.js';
import { AmountsByHeadSchema, InstantSchema, JurisdictionSchema, LocalDateSchema, MoneySchema } from './primitives.js';

/**
 * Bodies of the command endpoints (design.md, "Interfaces"). Every body is strict: an unknown
 * field is refused rather than ignored. Who acts and when comes from the token and the clock,
 * never from the body.
 */
const text = (max: number) => z.string().trim().min(1).max(max);
const DeclaredCompensation = z.array(z.object({ source: z.enum(COMPENSATION_SOURCES), amount: MoneySchema }).strict());

export const CommandBodies = {
  fileClaim: z.object({
    jurisdiction: JurisdictionSchema,
    applicantRole: z.enum(['direct', 'indirect']),
    victim: PersonalDataSchema,
    formOfExploitation: z.enum(FORMS_OF_EXPLOITATION),
    incidentOn: LocalDateSchema,
    damagesClaimed: AmountsByHeadSchema,
  }).strict(),
  attachEvidence: z.object({
    documentId: text(100), kind: z.enum(EVIDENCE_KINDS), sha256: z.string().regex(/^[0-9a-f]{64}$/), title: text(300),
  }).strict(),
  recordCriminalProceedings: z.object({ court: text(200), caseNumber: text(100) }).strict(),
  recordCourtRuling: z.object({
    court: text(200), caseNumber: text(100), decidedOn: LocalDateSchema, outcome: z.enum(RULING_OUTCOMES), amounts: AmountsByHeadSchema,
  }).strict(),
  recordRulingFinality: z.object({ finalOn: LocalDateSchema }).strict(),
  recordOffenderPayment: z.object({ amount: MoneySchema, receivedOn: LocalDateSchema }).strict(),
  recordEnforcementFailure: z.object({
    reason: z.enum(ENFORCEMENT_FAILURE_REASONS), amountOutstanding: MoneySchema, recordedOn: LocalDateSchema,
  }).strict(),
  submitFundApplication: z.object({ otherCompensationDeclared: DeclaredCompensation }).strict(),
  decideLateFilingExtension: z.object({ decision: z.enum(['granted', 'refused']), reason: text(2000) }).strict(),
  assessClaim: z.object({
    eligible: z.boolean(),
    ineligibilityReasons: z.array(text(500)).default([]),
    assessedAmounts: AmountsByHeadSchema,
    deductions: DeclaredCompensation,
  }).strict(),
  approveAward: z.object({}).strict(),
  rejectAward: z.object({ reasons: z.array(text(1000)).min(1), appealInstructions: text(2000) }).strict(),
  notifyDecision: z.object({ servedAt: InstantSchema }).strict(),
  appealDecision: z.object({ grounds: text(4000) }).strict(),
  decideAppeal: z.object({ outcome: z.enum(APPEAL_OUTCOMES), decidedOn: LocalDateSchema, netAward: MoneySchema.optional() }).strict(),
  approveAdvancePayment: z.object({ amount: MoneySchema, reason: text(2000) }).strict(),
  schedulePayout: z.object({
    instalments: z.number().int().min(1).max(120),
    firstDueOn: LocalDateSchema,
    intervalMonths: z.number().int().min(1).max(12),
  }).strict(),
  disbursePayout: z.object({
    paymentReference: text(100),
    earlyPayment: z.boolean().optional().describe('true to pay an instalment before its due date (refused otherwise)'),
  }).strict(),
  disburseAdvance: z.object({ paymentReference: text(100) }).strict(),
  recordPayoutFailure: z.object({ reason: text(1000) }).strict(),
  recordRecovery: z.object({ amount: MoneySchema, recordedOn: LocalDateSchema }).strict(),
  withdrawClaim: z.object({ reason: text(2000) }).strict(),
  reopenClaim: z.object({ reason: text(2000) }).strict(),
  closeClaim: z.object({ reason: text(2000) }).strict(),
  eraseVictimData: z.object({ reason: text(2000) }).strict(),
  allocateBudget: z.object({ amount: MoneySchema }).strict(),
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
