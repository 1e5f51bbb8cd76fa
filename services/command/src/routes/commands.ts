/**
 * Every command endpoint of the API. Each answers `{ claimId, revision, events }` with
 * `ETag: "<revision>"`, honours `If-Match: "<revision>"` (412 when the claim is elsewhere) and
 * `Idempotency-Key` (the same key and request replay the first answer; the same key with
 * another request is 422).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CommandBodies, CommandResultSchema, JurisdictionSchema, ProblemSchema, fundStream, maskAccount, payeeDetailsOf, victimRefOf, type CommandName,
} from '@cfund/contracts';
import {
  canActAsFundStaff, canActAsLawyerOn, canAllocateBudget, canAssess, canAssignAssessor, canChangeCounsel, canSetPayee, canTakeClaim, canErasePersonalData, canFile, checkVictimData,
  DomainError, ensureAllowed, type Authorization, type ClaimAccess, type ClaimCommand, type FundRole, type Principal,
} from '@cfund/domain';
import { deterministicUuid, type PersonalDataProtector } from '@cfund/eventstore';
import { claimAccess, type Authorize, type CommandContext, type CommandResult, type CommandService } from '../command-service.js';
import { CommandHeaders as Headers, type CommandExecution } from './command-execution.js';
import { EXAMPLES, withExample } from './examples.js';
import type { DecisionLetters, LetterCommand } from '../letters/letters.js';

export interface CommandRoutesOptions {
  service: CommandService;
  protector: PersonalDataProtector;
  /** If-Match and Idempotency-Key, shared with the document upload. */
  execution: CommandExecution;
  /** The letters served with decisions and requests (none without a document store: the commands then serve none). */
  letters?: DecisionLetters | undefined;
}

const lawyer: Authorize = canActAsLawyerOn;
const staff = (...roles: FundRole[]): Authorize => (p: Principal, c: ClaimAccess): Authorization => {
  let first: Authorization | undefined;
  for (const role of roles) {
    const r = canActAsFundStaff(p, c.jurisdiction, role);
    if (r.allowed) return r;
    first ??= r;
  }
  return first!;
};

type ClaimCommandType = ClaimCommand['type'];

interface ClaimRoute {
  path: string;
  body: CommandName;
  command: ClaimCommandType;
  authorize: Authorize;
  summary: string;
  who: string;
  /** More than who may act, when there is more to say. */
  note?: string;
  /** The command serves a letter (letters/letters.ts). */
  letter?: true;
}

/**
 * The claim commands that go through the generic load-authorize-decide-append path. `authorize`
 * says who may act by role and jurisdiction; who may not because of what they did on the claim
 * (four-eyes, two distinct approvers) is the claim decider's to refuse (403 as well).
 */
const CLAIM_ROUTES: ClaimRoute[] = [
  { path: 'evidence', body: 'attachEvidence', command: 'AttachEvidence', authorize: lawyer, summary: 'Attach evidence (a document reference and its SHA-256)', who: 'the claim\'s lawyer' },
  { path: 'criminal-proceedings', body: 'recordCriminalProceedings', command: 'RecordCriminalProceedings', authorize: lawyer, summary: 'Record criminal proceedings', who: 'the claim\'s lawyer' },
  { path: 'court-rulings', body: 'recordCourtRuling', command: 'RecordCourtRuling', authorize: lawyer, summary: 'Record a court ruling', who: 'the claim\'s lawyer' },
  { path: 'ruling-finality', body: 'recordRulingFinality', command: 'RecordRulingFinality', authorize: lawyer, summary: 'Record that the ruling became final', who: 'the claim\'s lawyer' },
  { path: 'offender-payments', body: 'recordOffenderPayment', command: 'RecordOffenderPayment', authorize: lawyer, summary: 'Record a payment received from the offender', who: 'the claim\'s lawyer' },
  { path: 'enforcement-failures', body: 'recordEnforcementFailure', command: 'RecordEnforcementFailure', authorize: lawyer, summary: 'Record that enforcement against the offender failed', who: 'the claim\'s lawyer' },
  { path: 'fund-application', body: 'submitFundApplication', command: 'SubmitFundApplication', authorize: lawyer, summary: 'Apply to the State Compensation Fund (refused when late without an extension)', who: 'the claim\'s lawyer' },
  { path: 'late-filing-extension', body: 'decideLateFilingExtension', command: 'DecideLateFilingExtension', authorize: staff('fund-approver'), summary: 'Grant or refuse an extension for a late application', who: 'fund-approver of the jurisdiction' },
  { path: 'assessment', body: 'assessClaim', command: 'AssessClaim', authorize: canAssess, summary: 'Assess the claim (eligibility, amounts by head, deductions; caps applied)', who: 'fund-assessor of the jurisdiction' },
  {
    path: 'approvals', body: 'approveAward', command: 'ApproveAward', authorize: staff('fund-approver'), summary: 'Approve the award',
    who: 'a fund-approver of the jurisdiction who did not assess the claim (four-eyes); above the scheme\'s threshold two distinct approvers',
    note: 'The approval that completes the award commits its funds in the fund-year ledger first (409 budget-exceeded when the budget does not cover it).',
  },
  { path: 'rejection', body: 'rejectAward', command: 'RejectAward', authorize: staff('fund-approver'), summary: 'Reject the award with reasons', who: 'fund-approver of the jurisdiction, not the assessor (an approver who gave a first approval may reject)' },
  { path: 'decision-notice', body: 'notifyDecision', command: 'NotifyDecision', authorize: staff('fund-approver'), summary: 'Record that the decision was served (starts the appeal period)', who: 'fund-approver of the jurisdiction', letter: true,
    note: 'With a document store, the decision letter (in the language of the proceedings) is stored as a document of the claim (DocumentAttached, kind letter) and its SHA-256 recorded on DecisionNotified.' },
  { path: 'appeals', body: 'appealDecision', command: 'AppealDecision', authorize: lawyer, summary: 'Appeal the decision (within the appeal period)', who: 'the claim\'s lawyer' },
  { path: 'appeal-decision', body: 'decideAppeal', command: 'DecideAppeal', authorize: staff('fund-approver'), summary: 'Record the decision on the appeal', who: 'fund-approver of the jurisdiction', letter: true,
    note: 'With a document store, the decision\'s letter is stored as a document of the claim and its SHA-256 recorded on AppealDecided (not on a first of two approvals).' },
  { path: 'advance-payments', body: 'approveAdvancePayment', command: 'ApproveAdvancePayment', authorize: staff('fund-approver'), summary: 'Approve an advance payment (where the scheme allows)', who: 'fund-approver of the jurisdiction' },
  { path: 'payout-schedule', body: 'schedulePayout', command: 'SchedulePayout', authorize: staff('fund-finance'), summary: 'Schedule the payout in instalments', who: 'fund-finance of the jurisdiction' },
  {
    path: 'commitments-by-year', body: 'spreadCommitmentsByYear', command: 'SpreadCommitmentsByYear', authorize: staff('fund-admin'),
    summary: 'Commit an old schedule\'s later instalments in the fund years they fall due in (as schedules are now), releasing them from the award\'s year',
    who: 'fund-admin of the jurisdiction',
    note: 'For a schedule of before instalments were committed by due year (PayoutScheduled v1, everything in the award\'s fund year). Each instalment not paid that falls due '
      + 'in a later year is committed in that year\'s ledger first, with its budget check (409 budget-exceeded or no-budget, naming the year: nothing changes), then released '
      + 'from the award\'s year; paid instalments stay where they were paid. 409 already-spread for a claim already committed by due year, nothing-to-spread when no '
      + 'instalment to pay falls due after the award\'s year. A crash on the way leaves the money held twice, never missing: a retry (same Idempotency-Key) or the reconciler settles it.',
  },
  { path: 'recoveries', body: 'recordRecovery', command: 'RecordRecovery', authorize: staff('fund-finance'), summary: 'Record an amount recovered from the offender (subrogation)', who: 'fund-finance of the jurisdiction' },
  { path: 'withdrawal', body: 'withdrawClaim', command: 'WithdrawClaim', authorize: lawyer, summary: 'Withdraw the claim', who: 'the claim\'s lawyer' },
  { path: 'reopening', body: 'reopenClaim', command: 'ReopenClaim', authorize: lawyer, summary: 'Reopen a withdrawn claim', who: 'the claim\'s lawyer' },
  { path: 'co-counsel', body: 'addCoCounsel', command: 'AddCoCounsel', authorize: canChangeCounsel, summary: 'Add a lawyer of the jurisdiction as co-counsel (they then see and act on the claim)', who: 'the claim\'s lead lawyer or a fund-admin of the jurisdiction' },
  { path: 'co-counsel-removal', body: 'removeCoCounsel', command: 'RemoveCoCounsel', authorize: canChangeCounsel, summary: 'Remove a co-counsel (they no longer see the claim)', who: 'the claim\'s lead lawyer or a fund-admin of the jurisdiction' },
  { path: 'hand-over', body: 'handOverClaim', command: 'HandOverClaim', authorize: canChangeCounsel, summary: 'Hand the claim over to another lawyer, with a reason (the former lead no longer sees it)', who: 'the claim\'s lead lawyer or a fund-admin of the jurisdiction (e.g. when the lead left)',
    note: 'Both lawyers are notified. A fund admin cannot make themselves the lead (409 not-a-lawyer).' },
  { path: 'assessor', body: 'assignAssessor', command: 'AssignAssessor', authorize: canAssignAssessor, summary: 'Assign the claim\'s assessor (only they may assess it from then on)', who: 'fund-admin of the jurisdiction', note: 'Not someone who approved a decision on the claim (403 four-eyes); the assessor of record never approves it.' },
  { path: 'take', body: 'takeClaim', command: 'TakeClaim', authorize: canTakeClaim, summary: 'Take an unassigned claim as its assessor', who: 'fund-assessor of the jurisdiction', note: 'Refused (409 already-assigned) when another assessor is assigned.' },
  { path: 'payee-confirmation', body: 'confirmPayeeChange', command: 'ConfirmPayeeChange', authorize: staff('fund-finance'), summary: 'Confirm a change of payee requested after an approval (it is in force from now on)', who: 'fund-finance of the jurisdiction', note: 'Not the person who requested the change, nor an approver of the claim\'s award (403 four-eyes).' },
  { path: 'payee-rejection', body: 'rejectPayeeChange', command: 'RejectPayeeChange', authorize: staff('fund-finance'), summary: 'Reject a change of payee requested after an approval (the payee in force stays)', who: 'fund-finance of the jurisdiction' },
  { path: 'closure', body: 'closeClaim', command: 'CloseClaim', authorize: staff('fund-approver', 'fund-finance'), summary: 'Close the claim (paid in full, withdrawn, or rejected with the appeal period over)', who: 'fund-approver or fund-finance of the jurisdiction' },
];

const ClaimParams = z.object({ id: z.uuid() });
const PayoutParams = z.object({ id: z.uuid(), n: z.coerce.number().int().min(1).max(1000) });
const RequestParams = PayoutParams;
const VictimParams = z.object({ victimRef: z.string().regex(/^vic-[0-9a-f-]{36}$/, 'a victim reference looks like vic-<uuid>') });
const FundParams = z.object({ jurisdiction: JurisdictionSchema, year: z.coerce.number().int().min(2000).max(2200) });

const problems = {
  400: ProblemSchema.describe('Invalid body, parameters or headers (with field paths), or malformed JSON'),
  401: ProblemSchema.describe('Missing or invalid Bearer token'),
  403: ProblemSchema.describe('Not allowed on a claim you may read: role, four-eyes, auditors read only'),
  404: ProblemSchema.describe('No such claim, or one you may not read (another lawyer\'s, another jurisdiction\'s)'),
  409: ProblemSchema.describe('Refused by a domain rule (`code` names it)'),
  412: ProblemSchema.describe('If-Match does not match the claim\'s revision'),
  413: ProblemSchema.describe('Body too large'),
  422: ProblemSchema.describe('Idempotency-Key reused with a different request'),
};


export async function commandRoutes(appIn: FastifyInstance, options: CommandRoutesOptions): Promise<void> {
  const app = appIn.withTypeProvider<ZodTypeProvider>();
  const { service, protector, execution, letters } = options;
  app.addHook('onRequest', app.authenticate);

  /** Runs a command with If-Match and Idempotency-Key handling, and sends its answer. */
  async function execute(
    request: FastifyRequest,
    reply: FastifyReply,
    status: 200 | 201,
    run: (ctx: CommandContext) => Promise<CommandResult>,
  ): Promise<CommandResult> {
    const ctx = execution.context(request);
    const result = await execution.run(request, reply, ctx, request.body ?? null, run);
    reply.code(status).header('etag', `"${result.revision}"`);
    if (status === 201) reply.header('location', `/claims/${result.claimId}`);
    return result;
  }

  const ok = { 200: CommandResultSchema, ...problems };
  const created = { 201: CommandResultSchema, ...problems };
  const actor = (p: Principal) => ({ sub: p.sub, roles: p.roles });

  // ---- POST /claims ------------------------------------------------------------------------
  app.post('/claims', {
    schema: {
      summary: 'File a claim', tags: ['claims'],
      description: 'Who: a lawyer of the jurisdiction. The victim\'s personal data is encrypted with the victim\'s own key before anything is stored; '
        + 'the answer\'s claimId names the new claim, its victim reference is `vic-<claimId>`.',
      headers: Headers, body: withExample(CommandBodies.fileClaim, EXAMPLES.fileClaim), response: created,
    },
  }, async (request, reply) => execute(request, reply, 201, async (ctx) => {
    const body = request.body;
    ensureAllowed(canFile(ctx.principal, body.jurisdiction));
    checkVictimData(body.victim, body.jurisdiction, service.at());
    const key = request.headers['idempotency-key'];
    // With an Idempotency-Key the claim id follows from it, so a retry after a crash files the same claim.
    const claimId = ctx.idempotencyKey === undefined ? randomUUID() : deterministicUuid('claim', ctx.idempotencyKey, String(key));
    const victimRef = `vic-${claimId}`;
    const personalData = await protector.encryptPersonalData(victimRef, body.victim);
    const publicReference = `${body.jurisdiction}-${service.at().slice(0, 4)}-${deterministicUuid('public-reference', claimId).slice(0, 8).toUpperCase()}`;
    return service.command(claimId, ctx, null, (at) => ({
      type: 'FileClaim', actor: actor(ctx.principal), at,
      data: {
        claimId, publicReference, victimRef, personalData, jurisdiction: body.jurisdiction, applicantRole: body.applicantRole,
        formOfExploitation: body.formOfExploitation, incidentOn: body.incidentOn, damagesClaimed: body.damagesClaimed,
      },
    }));
  }));

  // ---- the generic claim commands ----------------------------------------------------------
  for (const route of CLAIM_ROUTES) {
    const body = withExample(CommandBodies[route.body] as z.ZodType, EXAMPLES[route.body]);
    app.post(`/claims/:id/${route.path}`, {
      schema: {
        summary: route.summary, description: `Who: ${route.who}.${route.note ? ` ${route.note}` : ''}`, tags: ['claims'],
        params: ClaimParams, headers: Headers, body, response: ok,
      },
    }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
      const { id } = request.params as z.infer<typeof ClaimParams>;
      const build = (at: string) => ({ type: route.command, actor: actor(ctx.principal), at, data: request.body }) as ClaimCommand;
      if (route.letter && letters) {
        const { state: _state, replayed: _replayed, ...result } = await letters.command(id, ctx, route.authorize, build as (at: string) => LetterCommand);
        return result;
      }
      return service.command(id, ctx, route.authorize, build);
    }));
  }

  // ---- payments: an instalment or an advance, numbered in the path --------------------------
  const payment = (
    path: string, body: 'disbursePayout' | 'disburseAdvance', summary: string, description: string,
    command: (n: number, data: Record<string, unknown>) => Pick<ClaimCommand, 'type' | 'data'>,
  ) => app.post(`/claims/:id/${path}/:n/disbursement`, {
    schema: {
      summary, description, tags: ['claims'],
      params: PayoutParams, headers: Headers, body: withExample(CommandBodies[body] as z.ZodType, EXAMPLES[body]), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, (ctx) => {
    const { id, n } = request.params as z.infer<typeof PayoutParams>;
    return service.command(id, ctx, staff('fund-finance'), (at) => ({ ...command(n, request.body as Record<string, unknown>), actor: actor(ctx.principal), at }) as ClaimCommand);
  }));
  payment('payouts', 'disbursePayout', 'Disburse instalment n (at most once)',
    'Who: fund-finance of the jurisdiction who did not approve the award. Refused before the instalment\'s due date unless '
    + '`earlyPayment` is true (the event then records `early`). Also records FundsDisbursed in the fund-year ledger; a payment the ledger '
    + 'does not cover is refused (409 disbursement-exceeds-commitment) and nothing is written.',
    (instalment, data) => ({ type: 'DisbursePayout', data: { ...data, instalment } as never }));
  payment('advances', 'disburseAdvance', 'Pay advance n (at most once)',
    'Who: fund-finance of the jurisdiction who neither approved the advance nor any award of the claim. '
    + 'The advance is committed in the fund-year ledger when approved, and recorded there as paid (FundsDisbursed) now.',
    (advance, data) => ({ type: 'DisburseAdvance', data: { ...data, advance } as never }));

  app.post('/claims/:id/payouts/:n/failure', {
    schema: {
      summary: 'Record that the payment of instalment n failed (it can be disbursed again)', tags: ['claims'],
      description: 'Who: fund-finance of the jurisdiction.',
      params: PayoutParams, headers: Headers, body: withExample(CommandBodies.recordPayoutFailure, EXAMPLES.recordPayoutFailure), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
    return service.command(request.params.id, ctx, staff('fund-finance'), (at) => ({
      type: 'RecordPayoutFailure', actor: actor(ctx.principal), at, data: { reason: request.body.reason, instalment: request.params.n },
    }));
  }));

  // ---- payee: encrypted under the victim's key, only the kind and a masked account in sight ----
  app.post('/claims/:id/payee', {
    schema: {
      summary: 'Give who the claim\'s money is paid to', tags: ['claims'],
      description: 'Who: a lawyer acting for the victim, or fund-finance of the jurisdiction. The name and account are encrypted with the '
        + 'victim\'s key (erased with it); events keep the payee kind and a masked account. Before any approval of an award or advance the '
        + 'details are in force at once (PayeeDetailsSet); after, the change is requested (PayeeChangeRequested), the claim\'s lawyers are '
        + 'notified, nothing is paid until a second person confirms or rejects it (`/payee-confirmation`, `/payee-rejection`).',
      params: ClaimParams, headers: Headers, body: withExample(CommandBodies.setPayee, EXAMPLES.setPayee), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
    const { id } = request.params;
    const { kind } = request.body;
    const payee = payeeDetailsOf(request.body.payee);
    // Authorized before anything is encrypted: encryption must not make a key for a stranger's guess.
    await service.authorizeOn(id, ctx, canSetPayee);
    const details = await protector.encryptPersonalData(victimRefOf(id), payee);
    return service.command(id, ctx, canSetPayee, (at) => ({
      type: 'SetPayee', actor: actor(ctx.principal), at, data: { kind, maskedAccount: maskAccount(payee), details },
    }));
  }));

  // ---- requests for information -------------------------------------------------------------
  // The question and the answer may hold personal data: they are encrypted with the victim's data
  // key here, after the caller is authorized on the claim, and only the envelope reaches the
  // decider and the events (an erasure makes them unreadable).
  app.post('/claims/:id/information-requests', {
    schema: {
      summary: 'Ask the claim\'s lawyers for information or documents (the claim is on hold for assessment until answered or withdrawn)', tags: ['claims'],
      description: 'Who: the fund assessor of the jurisdiction (once one is assigned, that assessor). The due date is `dueInWorkingDays` working days of the '
        + 'scheme\'s calendar after today, or `dueOn` (after today, rolled forward to a working day), both local dates of the scheme\'s time zone. '
        + 'The question is stored encrypted with the victim\'s data key. `Location` names the request (`/claims/{id}/information-requests/{n}`). '
        + 'While a request is open, assessing, approving and rejecting are refused (409 on-hold-for-information). '
        + 'With a document store, the request\'s letter (in the language of the proceedings) is stored as a document of the claim and its SHA-256 recorded on InformationRequested.',
      params: ClaimParams, headers: Headers, body: withExample(CommandBodies.requestInformation, EXAMPLES.requestInformation), response: created,
    },
  }, async (request, reply) => {
    const result = await execute(request, reply, 201, async (ctx) => {
      const { id } = request.params;
      await service.authorizeOn(id, ctx, canAssess);
      const question = await protector.encryptPersonalData(victimRefOf(id), { question: request.body.question });
      const { dueInWorkingDays, dueOn } = request.body;
      const due = dueInWorkingDays === undefined ? { date: dueOn! } : { workingDays: dueInWorkingDays };
      const build = (at: string): LetterCommand => ({ type: 'RequestInformation', actor: actor(ctx.principal), at, data: { question, due } });
      const { state: after, replayed: _replayed, ...r } = letters
        ? await letters.command(id, ctx, canAssess, build, { question: request.body.question })
        : await service.claimCommand(id, ctx, canAssess, build);
      return { ...r, location: `/claims/${id}/information-requests/${after.informationRequests.length}` };
    });
    const { location, ...answer } = result as CommandResult & { location?: string };
    if (location !== undefined) reply.header('location', location);
    return answer;
  });

  app.post('/claims/:id/information-requests/:n/answer', {
    schema: {
      summary: 'Answer request for information n (text and/or document ids)', tags: ['claims'],
      description: 'Who: a lawyer acting on the claim (the lead or co-counsel). The answer text is stored encrypted with the victim\'s data key; '
        + 'an answer after the due date is taken and marked `late`. A request is answered once (409 request-closed); '
        + '`documentIds` are documents already uploaded to the claim (409 unknown-document names one that is not).',
      params: RequestParams, headers: Headers, body: withExample(CommandBodies.answerInformationRequest, EXAMPLES.answerInformationRequest), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
    const { id, n } = request.params;
    await service.authorizeOn(id, ctx, lawyer);
    const { answer: text, documentIds } = request.body;
    const answer = text === undefined ? undefined : await protector.encryptPersonalData(victimRefOf(id), { answer: text });
    return service.command(id, ctx, lawyer, (at) => ({
      type: 'AnswerInformationRequest', actor: actor(ctx.principal), at, data: { request: n, answer, documentIds },
    }));
  }));

  app.post('/claims/:id/information-requests/:n/withdrawal', {
    schema: {
      summary: 'Withdraw request for information n', tags: ['claims'],
      description: 'Who: the fund assessor of the jurisdiction (once one is assigned, that assessor).',
      params: RequestParams, headers: Headers, body: withExample(CommandBodies.withdrawInformationRequest, EXAMPLES.withdrawInformationRequest), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
    const { id, n } = request.params;
    return service.command(id, ctx, canAssess, (at) => ({
      type: 'WithdrawInformationRequest', actor: actor(ctx.principal), at, data: { request: n },
    }));
  }));

  // ---- the victim's preferred language -----------------------------------------------------
  app.post('/claims/:id/preferred-language', {
    schema: {
      summary: 'Set or change the victim\'s preferred language (null: none)', tags: ['claims'],
      description: 'Who: a lawyer acting on the claim (the lead or co-counsel). The language is personal data: it is stored only encrypted with the victim\'s data key. '
        + 'When it differs from the scheme\'s language, each letter served from then on comes with a copy in it. 409 personal-data-erased after an erasure.',
      params: ClaimParams, headers: Headers, body: withExample(CommandBodies.setPreferredLanguage, EXAMPLES.setPreferredLanguage), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
    const { id } = request.params;
    // 404 or 403 before anything is encrypted for the victim.
    const { state } = await service.authorizedClaim(id, ctx.principal, lawyer);
    if (state.personalDataErased) throw new DomainError('personal-data-erased', 'The victim\'s personal data has been erased: nothing can be recorded for them any more.');
    const preference = await protector.encryptPersonalData(victimRefOf(id), request.body);
    return service.command(id, ctx, lawyer, (at) => ({ type: 'SetPreferredLanguage', actor: actor(ctx.principal), at, data: { preference } }));
  }));

  // ---- erasure -----------------------------------------------------------------------------
  app.post('/victims/:victimRef/erasure', {
    schema: {
      summary: 'Erase a victim\'s personal data (crypto-shredding)', tags: ['victims'],
      description: 'Who: the data-protection officer of the claim\'s jurisdiction. Destroys the victim\'s data key, then records PersonalDataErased: the encrypted data '
        + 'becomes unreadable everywhere while the financial and procedural trail stays complete.',
      params: VictimParams, headers: Headers, body: withExample(CommandBodies.eraseVictimData, EXAMPLES.eraseVictimData), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
    const { victimRef } = request.params;
    const claimId = victimRef.slice('vic-'.length);
    // 404 or 403 before anything is destroyed: the key's erasure cannot be undone.
    const { state } = await service.loadClaim(claimId);
    ensureAllowed(canErasePersonalData(ctx.principal, claimAccess(state)));
    await ctx.beforeWrite?.();
    await protector.eraseKey(victimRef);
    return service.command(claimId, ctx, canErasePersonalData, (at) => ({
      type: 'ErasePersonalData', actor: actor(ctx.principal), at, data: request.body,
    }));
  }));

  // ---- fund budget -------------------------------------------------------------------------
  app.post('/funds/:jurisdiction/:year/budget', {
    schema: {
      summary: 'Allocate budget to a fund year', tags: ['funds'],
      description: 'Who: fund-admin of the jurisdiction. The answer\'s `claimId` is the ledger stream (`fund-<jurisdiction>-<year>`).',
      params: FundParams, headers: Headers, body: withExample(CommandBodies.allocateBudget, EXAMPLES.allocateBudget), response: ok,
    },
  }, async (request, reply) => execute(request, reply, 200, async (ctx) => {
    const { jurisdiction, year } = request.params;
    ensureAllowed(canAllocateBudget(ctx.principal, jurisdiction));
    const r = await service.ledgerCommand(jurisdiction, year, ctx, { type: 'AllocateBudget', data: { amount: request.body.amount } });
    return { claimId: fundStream(jurisdiction, year), revision: typeof r.revision === 'bigint' ? Number(r.revision) : -1, events: r.events.map((e) => e.type) };
  }));
}
