/** zod schemas (with examples for /openapi.json) of the projection's queries and answers. */
import { z } from 'zod';
import { AmountsByHeadSchema, JurisdictionSchema, MoneySchema, PersonalDataSchema, PAYEE_KINDS, ProblemSchema, claimStream } from '@cfund/contracts';
import { CLAIM_ORDERS } from '../queries/claims.js';
import { STATEMENT_STATES } from '../read-model/payment-records.js';

export const withExample = <S extends z.ZodType>(schema: S, example: unknown): S => schema.meta({ examples: [example] }) as S;

const CLAIM_ID = '3f1c2b1e-8d5a-4c2e-9b7a-1d2e3f4a5b6c';
const HASH = '9c1185a5c5e9fc54612808977ee8f548b2258d31a1b2c3d4e5f60718293a4b5c';

export const problems = {
  400: ProblemSchema.describe('Invalid parameters (with field paths)'),
  401: ProblemSchema.describe('Missing or invalid Bearer token'),
  403: ProblemSchema.describe('Not allowed: your role does not allow it'),
  404: ProblemSchema.describe('No such claim (or not yet in the read model)'),
  503: ProblemSchema.describe('The read model is being rebuilt, or the event store is unreachable'),
};

export const ClaimParams = z.object({ id: z.uuid() });
export const FundParams = z.object({ jurisdiction: JurisdictionSchema, year: z.coerce.number().int().min(2000).max(2200) });

export const ClaimStatusSchema = z.enum(['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed', 'scheduled', 'paid', 'withdrawn', 'closed']);

export const ListQuery = z.object({
  status: ClaimStatusSchema.optional(),
  jurisdiction: JurisdictionSchema.optional(),
  // No stored search text holds a control character; a NUL would end SQLite's FTS query string.
  text: z.string().trim().min(1).max(200).regex(/^\P{Cc}*$/u, 'control characters are not allowed').optional().describe('Matches the claim id, public reference, filing lawyer, courts and case numbers (never personal data)'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  sort: z.enum(CLAIM_ORDERS).default('newest').describe('By filing: newest first (the default) or oldest first'),
}).strict();

const ClaimSummarySchema = z.object({
  claimId: z.string(), publicReference: z.string().nullable(), jurisdiction: z.string(), status: z.string(),
  filedBy: z.string(), filedAt: z.string().nullable(), updatedAt: z.string(), revision: z.number().int(), currency: z.string().nullable(),
  claimedMinor: z.number().int(), awardedMinor: z.number().int(), paidMinor: z.number().int(), outstandingMinor: z.number().int(),
  amountsBeyondBounds: z.boolean().describe('A figure passed the bound of a sum (10^15 minor units): stored amounts beyond today\'s bounds; figures are held at 2^53 - 1 at most'),
});
const summaryExample = {
  claimId: CLAIM_ID, publicReference: 'RS-2026-1A2B3C4D', jurisdiction: 'RS', status: 'scheduled', filedBy: 'lawyer-1',
  filedAt: '2026-03-02T09:15:00.000Z', updatedAt: '2026-06-01T10:00:00.000Z', revision: 9, currency: 'RSD',
  claimedMinor: 150_000_000, awardedMinor: 90_000_000, paidMinor: 45_000_000, outstandingMinor: 45_000_000, amountsBeyondBounds: false,
};

export const ClaimListSchema = withExample(z.object({
  items: z.array(ClaimSummarySchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int(),
}), { items: [summaryExample], total: 1, limit: 50, offset: 0 });

const DeadlineSchema = z.object({ kind: z.string(), dueOn: z.string(), instalment: z.number().int().optional() });
const FailureSchema = z.object({ reason: z.string(), failedAt: z.string() }).nullable()
  .describe('its last failed payment: the bank\'s return reason code and reference (kept once it is paid again)');
const InstalmentSchema = z.object({ number: z.number().int(), amount: MoneySchema, dueOn: z.string(), status: z.string(), paymentReference: z.string().nullable(),
  runId: z.string().nullable().describe('the payment run it is queued in, if any'), failure: FailureSchema });
const AdvanceSchema = z.object({
  number: z.number().int(), amount: MoneySchema, status: z.enum(['approved', 'disbursed', 'failed']).describe('failed: returned by the bank (or rejected before booking), owed and payable again'),
  paymentReference: z.string().nullable(), runId: z.string().nullable().describe('the payment run it is queued in, if any'), failure: FailureSchema,
});

const PayeeVersionSchema = z.object({ change: z.number().int(), kind: z.enum(PAYEE_KINDS), maskedAccount: z.string(), by: z.string() });

export const ClaimDetailSchema = withExample(ClaimSummarySchema.extend({
  schemeVersion: z.string().nullable(), formOfExploitation: z.string().nullable(), applicantRole: z.string().nullable(),
  victimRef: z.string().nullable(), incidentOn: z.string().nullable(),
  personalData: z.object({ erased: z.boolean(), href: z.string() }),
  money: z.object({
    currency: z.string(), claimed: z.number().int(), courtAwarded: z.number().int(), offenderPaid: z.number().int(), awarded: z.number().int(),
    paid: z.number().int(), outstanding: z.number().int(), advancesApproved: z.number().int(), recovered: z.number().int(),
  }),
  moneyByHead: z.object({
    claimed: AmountsByHeadSchema, courtAwarded: AmountsByHeadSchema, assessed: AmountsByHeadSchema,
    deductions: z.array(z.object({ source: z.string(), amount: MoneySchema })),
    capsApplied: z.array(z.object({ head: z.string(), cap: MoneySchema, reducedBy: MoneySchema })),
    recommendedNet: MoneySchema.nullable(), netAward: MoneySchema.nullable(),
  }),
  deadlines: z.array(DeadlineSchema),
  court: z.object({
    proceedings: z.array(z.object({ court: z.string(), caseNumber: z.string() })),
    rulings: z.array(z.object({ court: z.string(), caseNumber: z.string(), decidedOn: z.string(), outcome: z.string(), amounts: AmountsByHeadSchema })),
    finalOn: z.string().nullable(), enforcementFailedOn: z.string().nullable(), enforcementFailureReasons: z.array(z.string()),
  }),
  fund: z.object({
    appliedAt: z.string().nullable(), applicationDeadline: z.string().nullable(), late: z.boolean().nullable(), extension: z.string().nullable(),
    eligible: z.boolean().nullable(), assessedBy: z.string().nullable(), approvals: z.array(z.string()), approvalsNeeded: z.number().int(),
    fundYear: z.number().int().nullable(),
    commitmentsSpreadByYear: z.boolean().describe('the award\'s commitments are in the years its instalments fall due in (by its schedule, or spread since): POST /claims/{id}/commitments-by-year is refused (already-spread)'),
    rejectionReasons: z.array(z.string()), notifiedAt: z.string().nullable(),
    appealDeadline: z.string().nullable(), appealOutcome: z.string().nullable(), instalments: z.array(InstalmentSchema),
    advances: z.array(AdvanceSchema).describe('advances approved, in order, deducted from the final award'),
  }),
  evidence: z.number().int(),
  lawyers: z.object({ lead: z.string().nullable(), coCounsel: z.array(z.string()) }).describe('who acts for the victim: the lead lawyer and the co-counsel (`sub`s)'),
  assessor: z.string().nullable().describe('the fund assessor of record (`sub`), once assigned or taken'),
  documents: z.array(z.object({
    documentId: z.string(), kind: z.string(), size: z.number().int(), contentType: z.string(), attachedBy: z.string(), attachedAt: z.string(),
    request: z.number().int().nullable().describe('the number of the request for information the document answers'),
  })).describe('uploaded documents, oldest first (download each, recorded, at /claims/{id}/documents/{documentId}); never their file names'),
  payee: z.object({
    current: PayeeVersionSchema.nullable(),
    pending: PayeeVersionSchema.nullable().describe('a change requested after an approval, awaiting confirmation by a second person: nothing is paid meanwhile'),
  }).describe('who the money goes to: the kind and a masked account only (the details are personal data)'),
  onHoldForInformation: z.boolean().describe('a request for information is open: assessing, approving and rejecting wait'),
  informationRequests: z.array(z.object({
    request: z.number().int(), status: z.enum(['open', 'answered', 'withdrawn']), dueOn: z.string(), requestedBy: z.string(), requestedAt: z.string(),
    answeredBy: z.string().nullable(), answeredAt: z.string().nullable(), late: z.boolean().nullable(), documentIds: z.array(z.string()),
    withdrawnAt: z.string().nullable(),
  })).describe('requests for information, without their texts (read them, recorded, at /claims/{id}/information-requests/{n})'),
}), {
  ...summaryExample, schemeVersion: '2020-01-01', formOfExploitation: 'labour', applicantRole: 'direct', victimRef: `vic-${CLAIM_ID}`, incidentOn: '2025-01-10',
  personalData: { erased: false, href: `/claims/${CLAIM_ID}/personal-data` },
  money: { currency: 'RSD', claimed: 150_000_000, courtAwarded: 100_000_000, offenderPaid: 0, awarded: 90_000_000, paid: 45_000_000, outstanding: 45_000_000, advancesApproved: 0, recovered: 0 },
  moneyByHead: {
    claimed: [{ head: 'non-pecuniary', amount: { amountMinor: 120_000_000, currency: 'RSD' } }, { head: 'lost-earnings', amount: { amountMinor: 30_000_000, currency: 'RSD' } }],
    courtAwarded: [{ head: 'non-pecuniary', amount: { amountMinor: 100_000_000, currency: 'RSD' } }],
    assessed: [{ head: 'non-pecuniary', amount: { amountMinor: 90_000_000, currency: 'RSD' } }], deductions: [], capsApplied: [],
    recommendedNet: { amountMinor: 90_000_000, currency: 'RSD' }, netAward: { amountMinor: 90_000_000, currency: 'RSD' },
  },
  deadlines: [{ kind: 'instalment', dueOn: '2026-07-01', instalment: 2 }],
  court: { proceedings: [], rulings: [{ court: 'Higher Court in Belgrade', caseNumber: 'K-123/2025', decidedOn: '2025-05-20', outcome: 'compensation-awarded', amounts: [{ head: 'non-pecuniary', amount: { amountMinor: 100_000_000, currency: 'RSD' } }] }], finalOn: '2025-06-30', enforcementFailedOn: '2025-09-01', enforcementFailureReasons: ['no-assets'] },
  fund: {
    appliedAt: '2026-03-05T10:00:00.000Z', applicationDeadline: '2028-06-30', late: false, extension: null, eligible: true, assessedBy: 'assessor-1',
    approvals: ['approver-1', 'approver-2'], approvalsNeeded: 2, fundYear: 2026, commitmentsSpreadByYear: true, rejectionReasons: [], notifiedAt: '2026-04-01T09:00:00.000Z',
    appealDeadline: '2026-04-16', appealOutcome: null,
    instalments: [{ number: 1, amount: { amountMinor: 45_000_000, currency: 'RSD' }, dueOn: '2026-06-01', status: 'disbursed', paymentReference: 'PAY-1', runId: null, failure: null },
      { number: 2, amount: { amountMinor: 45_000_000, currency: 'RSD' }, dueOn: '2026-07-01', status: 'due', paymentReference: null, runId: null, failure: null }],
    advances: [],
  },
  evidence: 1,
  lawyers: { lead: 'lawyer-1', coCounsel: [] }, assessor: 'assessor-1',
  documents: [{
    documentId: '0b6f1c2e-5d4a-4c3b-8a9f-7e6d5c4b3a21', kind: 'medical-report', size: 182_344, contentType: 'application/pdf',
    attachedBy: 'lawyer-1', attachedAt: '2026-03-12T09:55:00.000Z', request: 1,
  }],
  payee: { current: { change: 1, kind: 'victim', maskedAccount: 'RS35 **** 1379', by: 'lawyer-1' }, pending: null },
  onHoldForInformation: false,
  informationRequests: [{
    request: 1, status: 'answered', dueOn: '2026-03-20', requestedBy: 'assessor-1', requestedAt: '2026-03-06T08:30:00.000Z',
    answeredBy: 'lawyer-1', answeredAt: '2026-03-12T10:00:00.000Z', late: false, documentIds: ['0b6f1c2e-5d4a-4c3b-8a9f-7e6d5c4b3a21'], withdrawnAt: null,
  }],
});

export const RequestParams = z.object({ id: z.uuid(), n: z.coerce.number().int().min(1).max(1000) });

export const InformationRequestTextsSchema = withExample(z.object({
  claimId: z.string(), request: z.number().int(), status: z.string(), dueOn: z.string(),
  question: z.union([z.string(), z.literal('[erased]')]),
  answer: z.union([z.string(), z.literal('[erased]')]).nullable(),
  documentIds: z.array(z.string()),
}), {
  claimId: CLAIM_ID, request: 1, status: 'answered', dueOn: '2026-03-20', question: 'Please send the medical report on the treatment after the incident.',
  answer: 'The medical report is attached.', documentIds: ['0b6f1c2e-5d4a-4c3b-8a9f-7e6d5c4b3a21'],
});

export const HistorySchema = withExample(z.object({
  claimId: z.string(),
  events: z.array(z.object({
    revision: z.number().int(), eventId: z.string(), type: z.string(), occurredAt: z.string(), recordedAt: z.string(),
    actor: z.string().nullable(), hash: z.string().nullable(), prevHash: z.string().nullable(),
  })),
}), {
  claimId: CLAIM_ID,
  events: [{ revision: 0, eventId: '5b0d7c52-1c1e-4c1e-9a57-0c1f6f1d2a11', type: 'ClaimFiled', occurredAt: '2026-03-02T09:15:00.000Z', recordedAt: '2026-03-02T09:15:00.012Z', actor: 'lawyer-1', hash: HASH, prevHash: '0'.repeat(64) }],
});

export const StateQuery = z.object({
  asOf: z.iso.datetime({ offset: true }).optional().describe('An ISO 8601 instant: the state after every event up to it'),
  revision: z.coerce.number().int().min(0).optional().describe('A stream revision: the state after the event at it'),
}).strict().refine((q) => !(q.asOf !== undefined && q.revision !== undefined), { message: 'give asOf or revision, not both', path: ['asOf'] });

export const StateSchema = withExample(z.object({
  claimId: z.string(), asOf: z.string().nullable(), requestedRevision: z.number().int().nullable(),
  revision: z.number().int().nullable(), at: z.string().nullable(), state: z.record(z.string(), z.unknown()),
}), {
  claimId: CLAIM_ID, asOf: '2026-03-03T00:00:00Z', requestedRevision: null, revision: 0, at: '2026-03-02T09:15:00.000Z',
  state: { status: 'filed', claimId: CLAIM_ID, jurisdiction: 'RS', filedBy: 'lawyer-1' },
});

export const IntegritySchema = withExample(z.object({
  claimId: z.string(), stream: z.string(),
  status: z.enum(['ok', 'unkeyed', 'broken']).describe('ok: chained and signed by a key of the keyring; unkeyed: intact, older events unsigned; broken'),
  ok: z.boolean().describe('status is ok'), count: z.number().int().describe('Events verified (before the break, if broken)'),
  unkeyedCount: z.number().int().describe('Events without a signature (written before events were signed)'),
  headHash: z.string().optional(), firstBrokenRevision: z.number().int().optional(), reason: z.string().optional(), verifiedAt: z.string(),
}), { claimId: CLAIM_ID, stream: claimStream(CLAIM_ID), status: 'ok', ok: true, count: 9, unkeyedCount: 0, headHash: HASH, verifiedAt: '2026-06-02T08:00:00.000Z' });

export const PersonalDataAnswerSchema = withExample(z.object({
  claimId: z.string(), victimRef: z.string(),
  personalData: z.union([PersonalDataSchema, z.literal('[erased]')]),
}), { claimId: CLAIM_ID, victimRef: `vic-${CLAIM_ID}`, personalData: { fullName: 'Jane Example', dateOfBirth: '1995-04-12' } });

export const AccessLogSchema = withExample(z.object({
  claimId: z.string(),
  reads: z.array(z.object({ revision: z.number().int(), accessedBy: z.string(), roles: z.array(z.string()), accessedAt: z.string(), purpose: z.string(), victimRef: z.string() })),
}), { claimId: CLAIM_ID, reads: [{ revision: 0, accessedBy: 'assessor-1', roles: ['fund-assessor'], accessedAt: '2026-03-06T08:30:00.000Z', purpose: 'claim-personal-data', victimRef: `vic-${CLAIM_ID}` }] });

export const ReadsQuery = z.object({
  accessedBy: z.string().trim().min(1).max(200).optional().describe('Only the reads by this user (`sub`)'),
  claimId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Reads at or after this instant'),
  to: z.iso.datetime({ offset: true }).optional().describe('Reads at or before this instant'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
}).strict();

export const ReadsSchema = withExample(z.object({
  items: z.array(z.object({ claimId: z.string(), victimRef: z.string(), accessedBy: z.string(), roles: z.array(z.string()), accessedAt: z.string(), purpose: z.string() })),
  total: z.number().int(), limit: z.number().int(), offset: z.number().int(),
}), {
  items: [{ claimId: CLAIM_ID, victimRef: `vic-${CLAIM_ID}`, accessedBy: 'assessor-1', roles: ['fund-assessor'], accessedAt: '2026-03-06T08:30:00.000Z', purpose: 'claim-personal-data' }],
  total: 1, limit: 50, offset: 0,
});

export const WorkQueueSchema = withExample(z.object({
  items: z.array(z.object({
    task: z.string(), role: z.string(), claimId: z.string(), publicReference: z.string().nullable(), jurisdiction: z.string(), status: z.string(),
    since: z.string(), dueOn: z.string().optional(), instalment: z.number().int().optional(), request: z.number().int().optional(), amount: MoneySchema.optional(),
    advance: z.number().int().optional().describe('the advance to pay (`pay-advance`)'),
    maskedAccount: z.string().nullable().optional().describe('an instalment\'s or advance\'s payee in force, masked (none yet: null)'),
    runId: z.string().nullable().optional().describe('the payment run an instalment or advance is queued in'),
  })),
}), { items: [{ task: 'second-approval', role: 'fund-approver', claimId: CLAIM_ID, publicReference: 'RS-2026-1A2B3C4D', jurisdiction: 'RS', status: 'assessed', since: '2026-03-06T08:30:00.000Z', amount: { amountMinor: 90_000_000, currency: 'RSD' } }] });

export const AssignedClaimsSchema = withExample(z.object({
  items: z.array(z.object({
    claimId: z.string(), publicReference: z.string().nullable(), jurisdiction: z.string(), status: z.string(), since: z.string(),
    as: z.enum(['lead', 'co-counsel', 'assessor']).optional(),
  })),
}), { items: [{ claimId: CLAIM_ID, publicReference: 'RS-2026-1A2B3C4D', jurisdiction: 'RS', status: 'applied', since: '2026-03-06T08:30:00.000Z', as: 'co-counsel' }] });

export const AssessorLoadSchema = withExample(z.object({
  items: z.array(z.object({ assessor: z.string(), jurisdiction: z.string(), openClaims: z.number().int() })),
}), { items: [{ assessor: 'assessor-1', jurisdiction: 'RS', openClaims: 4 }] });

export const DeadlinesQuery = z.object({
  before: z.iso.date().optional().describe('Only deadlines on or before this local date'),
  kind: z.enum(['fund-application', 'appeal', 'instalment', 'information-request']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
}).strict();

export const DeadlinesSchema = withExample(z.object({
  items: z.array(z.object({
    claimId: z.string(), publicReference: z.string().nullable(), jurisdiction: z.string(), kind: z.string(), dueOn: z.string(),
    instalment: z.number().int().nullable(), request: z.number().int().nullable(), overdue: z.boolean(),
  })),
}), { items: [{ claimId: CLAIM_ID, publicReference: 'RS-2026-1A2B3C4D', jurisdiction: 'RS', kind: 'appeal', dueOn: '2026-04-16', instalment: null, request: null, overdue: false }] });

export const FundYearSchema = withExample(z.object({
  jurisdiction: z.string(), year: z.number().int(), revision: z.number().int(), currency: z.string().nullable(),
  allocatedMinor: z.number().int(), committedMinor: z.number().int(), releasedMinor: z.number().int(), disbursedMinor: z.number().int(),
  recoveredMinor: z.number().int(), availableMinor: z.number().int(), outstandingMinor: z.number().int(),
  amountsBeyondBounds: z.boolean().describe('A figure passed the bound of a sum (10^15 minor units): stored amounts beyond today\'s bounds; figures are held at 2^53 - 1 at most'),
  claims: z.array(z.object({
    claimId: z.string(), committedMinor: z.number().int(), releasedMinor: z.number().int(), disbursedMinor: z.number().int(),
    outstandingMinor: z.number().int(), instalmentsPaid: z.array(z.number().int()), advancesPaid: z.array(z.number().int()),
    recoveredMinor: z.number().int().describe('Recovered from the offender on the claim and received in this year (the award may be of an earlier year)'),
    recoveriesCredited: z.array(z.number().int()).describe('The numbers on the claim of the recoveries credited in this year'),
  })),
  commitmentsByAwardYear: z.array(z.object({
    awardYear: z.number().int().describe('The year the awards were decided in (their fund year)'),
    claims: z.number().int(),
    tiedMinor: z.number().int().describe('Committed in this year for those awards and not released: their instalments due in this year (paid or not), and, in their own year, the rest'),
    paidMinor: z.number().int(),
  })).describe('What this year holds of awards, by the year each was decided in: instalments fall due in the year after their award, and are committed against that year\'s budget'),
}), {
  jurisdiction: 'RS', year: 2026, revision: 3, currency: 'RSD', allocatedMinor: 10_000_000_000, committedMinor: 90_000_000, releasedMinor: 0,
  disbursedMinor: 45_000_000, recoveredMinor: 0, availableMinor: 9_910_000_000, outstandingMinor: 45_000_000, amountsBeyondBounds: false,
  claims: [{ claimId: CLAIM_ID, committedMinor: 90_000_000, releasedMinor: 0, disbursedMinor: 45_000_000, outstandingMinor: 45_000_000, instalmentsPaid: [1], advancesPaid: [], recoveredMinor: 0, recoveriesCredited: [] }],
  commitmentsByAwardYear: [{ awardYear: 2026, claims: 1, tiedMinor: 90_000_000, paidMinor: 45_000_000 }],
});

export const FundReconciliationSchema = withExample(z.object({
  jurisdiction: z.string(), year: z.number().int(),
  ledgerRevision: z.number().int().describe('The ledger revision the report was made at (-1: no ledger yet)'),
  claimsChecked: z.number().int(),
  differences: z.array(z.object({
    claimId: z.string(),
    kind: z.enum(['tied', 'disbursed', 'payment-missing-in-ledger', 'payment-not-on-claim', 'recovered', 'recovery-missing-in-ledger', 'recovery-not-on-claim']).describe(
      '`tied`: committed - released in the ledger differs from what the claim paid and still owes; `disbursed`: paid out differs; '
      + 'a payment (`instalment-n`, `advance-n`) on one side only; `recovered`: credited in the year differs from what the claim recovered that year; '
      + 'a recovery (its number on the claim) received in the year and not credited, or credited and not received that year'),
    claimMinor: z.number().int(), ledgerMinor: z.number().int(), payment: z.string().optional(), recovery: z.number().int().optional(),
  })),
}), { jurisdiction: 'RS', year: 2026, ledgerRevision: 12, claimsChecked: 4, differences: [{ claimId: CLAIM_ID, kind: 'tied', claimMinor: 90_000_000, ledgerMinor: 150_000_000 }] });

export const MonitoringQuery = z.object({
  jurisdiction: JurisdictionSchema.optional(),
  from: z.coerce.number().int().min(2000).max(2200).optional().describe('First filing year'),
  to: z.coerce.number().int().min(2000).max(2200).optional().describe('Last filing year'),
}).strict();

export const MonitoringSchema = withExample(z.object({
  period: z.literal('filing-year'), suppressionThreshold: z.number().int(),
  definitions: z.record(z.string(), z.string()),
  rows: z.array(z.object({
    jurisdiction: z.string(), period: z.string(), currency: z.string().nullable(),
    indicators: z.record(z.string(), z.number().nullable()), suppressed: z.array(z.string()),
    amountsBeyondBounds: z.boolean().describe('An amount shown passed the bound of a sum (10^15 minor units); amounts are held at 2^53 - 1 at most'),
  })),
}), {
  period: 'filing-year', suppressionThreshold: 5, definitions: { claimsFiled: 'claims filed', fundApplications: 'claims applied to the fund' },
  rows: [{ jurisdiction: 'RS', period: '2026', currency: 'RSD', indicators: { claimsFiled: 12, fundApplications: null }, suppressed: ['fundApplications'], amountsBeyondBounds: false }],
});

export const RebuildSchema = withExample(z.object({
  events: z.number().int(), applied: z.number().int(), digest: z.string(), seconds: z.number(),
}), { events: 1204, applied: 1100, digest: HASH, seconds: 0.42 });

export const RebuildStatusSchema = withExample(z.object({
  state: z.enum(['idle', 'running', 'done', 'failed']).describe('idle: no rebuild since the service started'),
  startedAt: z.string().optional(), finishedAt: z.string().optional(),
  eventsDone: z.number().int().optional(),
  eventsTotal: z.number().int().optional().describe('While running: estimated from the $all position reached over its end at the start'),
  ratePerSecond: z.number().optional().describe('While running: events per second over the last seconds; afterwards: over the whole rebuild'),
  etaSeconds: z.number().optional().describe('Seconds left at the current rate (absent while it cannot be told)'),
}), { state: 'running', startedAt: '2026-03-01T10:00:00.000Z', eventsDone: 120000, eventsTotal: 480000, ratePerSecond: 60000, etaSeconds: 6 });

export const DigestSchema = withExample(z.object({ digest: z.string(), counts: z.record(z.string(), z.number().int()) }), {
  digest: HASH, counts: { applied: 40, claims: 30, claim_deadlines: 12, claim_history: 300, fund_years: 2 },
});

export const MonitoringTablesQuery = z.object({
  year: z.coerce.number().int().min(2000).max(2200).describe('Filing year (the cohort of claims filed that year)'),
}).strict();

const Withheld = z.number().nullable().describe('null: withheld (small cell, or complementary suppression)');

export const CatalogueSchema = z.object({
  suppressionThreshold: z.number().int(),
  indicators: z.array(z.object({
    id: z.string(), name: z.string(), definition: z.string(), unit: z.enum(['claims', 'EUR', 'days', 'share']),
    table: z.string(), events: z.array(z.string()), disaggregations: z.array(z.string()),
  })),
});

const AmountsTableSchema = <Id extends string>(id: Id) => z.object({
  id: z.literal(id), unit: z.literal('EUR'), columns: z.array(z.string()),
  rows: z.array(z.object({ jurisdiction: z.string(), currency: z.string().nullable(), cells: z.array(Withheld), original: z.array(Withheld) })),
  columnTotals: z.array(Withheld),
}).nullable();

const CountTableSchema = <Id extends string>(id: Id) => z.object({
  id: z.literal(id), unit: z.literal('claims'), columns: z.array(z.string()),
  rows: z.array(z.object({ jurisdiction: z.string(), cells: z.array(Withheld), total: Withheld })),
  columnTotals: z.array(Withheld), total: Withheld,
});

const PositionSchema = z.object({ commitPosition: z.string(), preparePosition: z.string() }).nullable()
  .describe('The $all position of the newest event the read model had applied (null: rebuild the read model)');

export const MonitoringTablesSchema = z.object({
  year: z.number().int(), computedFrom: PositionSchema, suppressionThreshold: z.number().int(),
  referenceRates: z.object({
    version: z.string(),
    rates: z.array(z.object({ currency: z.string(), year: z.number().int(), perEur: z.number(), provisional: z.boolean(), source: z.string() })),
  }),
  claims: z.object({
    id: z.literal('claims-by-fund-outcome'), unit: z.literal('claims'), columns: z.array(z.string()),
    rows: z.array(z.object({ jurisdiction: z.string(), cells: z.array(Withheld), total: Withheld })),
    columnTotals: z.array(Withheld), total: Withheld,
  }),
  amounts: AmountsTableSchema('amounts-eur'),
  missingRates: z.array(z.string()),
  recoveries: AmountsTableSchema('recoveries-eur'),
  budget: AmountsTableSchema('budget-use-eur').describe('The fund year\'s ledger of each jurisdiction against its budget (the calendar year of the ledger, not a filing cohort)'),
  breakdowns: z.array(z.object({
    id: z.string(), unit: z.literal('claims'), columns: z.array(z.string()),
    rows: z.array(z.object({ category: z.string(), cells: z.array(Withheld), total: Withheld })),
    columnTotals: z.array(Withheld), total: Withheld,
  })),
  appeals: z.object({
    id: z.literal('appeals-by-outcome'), unit: z.literal('claims'), columns: z.array(z.string()),
    rows: z.array(z.object({ jurisdiction: z.string(), cells: z.array(Withheld), total: Withheld })),
    columnTotals: z.array(Withheld), total: Withheld,
  }),
  victims: z.object({
    sex: CountTableSchema('claims-by-sex'),
    age: CountTableSchema('claims-by-age-at-crime'),
  }),
  durations: z.object({
    id: z.literal('durations-days'), unit: z.literal('days'), columns: z.array(z.string()),
    rows: z.array(z.object({ jurisdiction: z.string(), cells: z.array(z.number().nullable()) })),
    region: z.array(z.number().nullable().describe('null: fewer claims than the threshold behind it')),
  }),
  timeLimit: z.object({
    id: z.literal('decisions-by-time-limit'), unit: z.literal('claims'), columns: z.array(z.string()),
    rows: z.array(z.object({ jurisdiction: z.string(), cells: z.array(Withheld), total: Withheld, shareWithinLimit: z.number().nullable() })),
    columnTotals: z.array(Withheld), total: Withheld,
    regionShareWithinLimit: z.number().nullable().describe('within / (within + beyond) of the published column totals; null: either withheld, or none'),
  }).describe('Decided claims by whether the first decision came within the scheme version\'s decision time limit (calendar days from the application)'),
});

export const PublicationSchema = z.object({
  dataset: z.literal('cfund-regional-monitoring'), datasetVersion: z.number().int(), year: z.number().int(),
  computedFrom: PositionSchema,
  suppressionThreshold: z.number().int(),
  referenceRates: MonitoringTablesSchema.shape.referenceRates,
  dictionary: z.array(z.object({ table: z.string(), unit: z.string(), rows: z.enum(['jurisdiction', 'category']), columns: z.array(z.string()), definition: z.string() })),
  tables: MonitoringTablesSchema.omit({ year: true, computedFrom: true, suppressionThreshold: true, referenceRates: true }),
});

const listPage = {
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};

export const PaymentRunsQuery = z.object({
  jurisdiction: JurisdictionSchema.optional().describe('Only this jurisdiction\'s runs (one of yours; all of yours when absent)'),
  status: z.enum(['prepared', 'released', 'cancelled']).optional(),
  ...listPage,
}).strict();

export const PaymentRunListSchema = withExample(z.object({
  items: z.array(z.object({
    runId: z.string(), jurisdiction: z.string(), status: z.enum(['prepared', 'released', 'cancelled']), executionOn: z.string(),
    total: MoneySchema.describe('what the run pays: its payments less those voided'), payments: z.number().int(), voided: z.number().int(),
    preparedBy: z.string(), preparedAt: z.string(), releasedBy: z.string().nullable(), releasedAt: z.string().nullable(), cancelledAt: z.string().nullable(),
  })),
  total: z.number().int(), limit: z.number().int(), offset: z.number().int(),
}), {
  items: [{
    runId: '0b5c1c1e-7d1a-4a57-9d1e-6f1b7b9e2a10', jurisdiction: 'RS', status: 'released', executionOn: '2026-12-10', total: { amountMinor: 40_000_000, currency: 'RSD' },
    payments: 2, voided: 0, preparedBy: 'finance-1', preparedAt: '2026-12-06T09:00:00.000Z', releasedBy: 'finance-2', releasedAt: '2026-12-06T10:00:00.000Z', cancelledAt: null,
  }],
  total: 1, limit: 50, offset: 0,
});

export const BankStatementsQuery = z.object({
  jurisdiction: JurisdictionSchema.optional().describe('Only this jurisdiction\'s statements (one of yours; all of yours when absent)'),
  state: z.enum(STATEMENT_STATES).optional()
    .describe('incomplete: an import a crash cut short (import the file again); unresolved: an unmatched entry waits for a person; settled: neither'),
  ...listPage,
}).strict();

export const BankStatementListSchema = withExample(z.object({
  items: z.array(z.object({
    statementId: z.string(), jurisdiction: z.string(), state: z.enum(STATEMENT_STATES), messageId: z.string(),
    importedBy: z.string(), importedAt: z.string(), entryCount: z.number().int(),
    counts: z.object({ paid: z.number().int(), returned: z.number().int(), unmatched: z.number().int(), notBooked: z.number().int() }),
    unresolved: z.number().int(),
  })),
  total: z.number().int(), limit: z.number().int(), offset: z.number().int(),
}), {
  items: [{
    statementId: 'a'.repeat(64), jurisdiction: 'RS', state: 'unresolved', messageId: 'STMT-2026-12-06', importedBy: 'finance-1', importedAt: '2026-12-06T11:00:00.000Z',
    entryCount: 3, counts: { paid: 2, returned: 0, unmatched: 1, notBooked: 0 }, unresolved: 1,
  }],
  total: 1, limit: 50, offset: 0,
});
