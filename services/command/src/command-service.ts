/**
 * The thin shell around the domain: load a stream, authorize against its state, decide,
 * append at the loaded revision (re-deciding on a version conflict), and keep the fund-year
 * ledger in step with approvals and disbursements. HTTP-free: routes call it.
 *
 * Approval and the ledger (two streams, no transaction between them):
 *   1. load the claim, authorize, decide ApproveAward;
 *   2. if the decision completes the award (AwardApproved), commit the net award in the
 *      fund-year ledger FIRST (CommitFunds: refused when the budget does not cover it; a
 *      repeated commitment of the same claim and amount is a no-op);
 *   3. append the claim's events at the revision loaded in 1.
 * A crash between 2 and 3 leaves funds committed to an award not yet approved (never an award
 * without funds). Retrying the approval repairs it: the claim still decides AwardApproved for
 * the same amount, the commitment is found and not repeated, and the award is appended.
 * `reconcileClaim` releases a commitment whose claim can no longer be approved (withdrawn,
 * rejected, re-assessed to another amount), so money is never left committed to nothing.
 */
import { randomUUID } from 'node:crypto';
import { NO_STREAM, WrongExpectedVersionError, type EventStoreDBClient } from '@eventstore/db-client';
import { JURISDICTIONS, type ClaimEvent, type FundEvent, type Jurisdiction, type Money } from '@cfund/contracts';
import {
  DomainError, cloneLedger, decide, decideLedger, ensureAllowed, ledgerStreamName,
  type Authorization, type ClaimAccess, type ClaimCommand, type ClaimState, type LedgerCommand, type LedgerState, type Principal,
} from '@cfund/domain';
import {
  BatchedStreamWriter, ConcurrencyConflictError, RevisionMismatchError, StreamStateCache, appendEncoded, handleCommand, loadStream,
  type CommandMetadata, type Decider, type LoadedStream, type StreamRevision,
} from '@cfund/eventstore';
import { claimCodec, claimEvolver, claimStream, fundCodec, ledgerEvolver } from './codecs.js';
import type { Metrics } from './metrics.js';
import { HttpProblem } from '@cfund/service-kit';

export interface CommandResult {
  claimId: string;
  revision: number;
  events: string[];
}

export interface CommandContext {
  principal: Principal;
  /** If-Match: the revision the caller saw. */
  expectedRevision?: bigint;
  /** Scoped Idempotency-Key (actor + key), tags the events it writes. */
  idempotencyKey?: string;
  /** Awaited before the command's first write, once it is authorized and decided (reserves the Idempotency-Key). */
  beforeWrite?: () => Promise<void>;
  correlationId: string;
}

export type Authorize = (principal: Principal, claim: ClaimAccess) => Authorization;

export const claimAccess = (s: ClaimState): ClaimAccess => ({
  jurisdiction: s.jurisdiction!,
  filedBy: s.filedBy!,
  assignedLawyers: [],
  assessedBy: s.fund.assessment?.assessedBy ?? null,
  approvedBy: s.fund.approvals,
});

const notFound = (claimId: string): HttpProblem => new HttpProblem(404, 'Not Found', `There is no claim ${claimId}.`, { code: 'claim-not-found' });

export interface CommandServiceOptions {
  client: EventStoreDBClient;
  metrics: Metrics;
  now?: () => Date;
  /** Re-decides after a version conflict on a claim (default 5). */
  maxRetries?: number;
  /** Re-decides of a batch after a version conflict on a ledger stream (default 20; this process writes a ledger in batches, one at a time). */
  ledgerMaxRetries?: number;
  /** Fault injection for crash tests: called between the fund commitment and the award's append. */
  afterFundsCommitted?: (claimId: string) => void | Promise<void>;
  /** Claim states kept in memory between commands (default 10,000 claims). */
  claimCacheSize?: number;
}

export class CommandService {
  private readonly client: EventStoreDBClient;
  private readonly metrics: Metrics;
  private readonly now: () => Date;
  private readonly maxRetries: number;
  private readonly ledgerMaxRetries: number;
  /**
   * Claim and fund-year states between commands: a command decides on the cached state and
   * appends at its revision with no read, and the store's revision check catches anyone
   * else's write (see StreamStateCache). Ledger states are copied out: their fold updates in place.
   */
  readonly claims: StreamStateCache<ClaimEvent, ClaimState>;
  readonly ledgers = new StreamStateCache<FundEvent, LedgerState>(ledgerEvolver, fundCodec, { clone: cloneLedger, maxStreams: 1000 });
  /** Ledger commands of one fund year, decided in turn and written one batch per append. */
  private readonly ledgerWriter: BatchedStreamWriter<LedgerCommand, FundEvent, LedgerState>;
  private readonly afterFundsCommitted: ((claimId: string) => void | Promise<void>) | undefined;

  constructor(options: CommandServiceOptions) {
    this.client = options.client;
    this.metrics = options.metrics;
    this.now = options.now ?? (() => new Date());
    this.maxRetries = options.maxRetries ?? 5;
    this.ledgerMaxRetries = options.ledgerMaxRetries ?? 20;
    this.afterFundsCommitted = options.afterFundsCommitted;
    this.claims = new StreamStateCache(claimEvolver, claimCodec, { maxStreams: options.claimCacheSize ?? 10_000 });
    const ledgerDecider: Decider<LedgerCommand, FundEvent, LedgerState> = {
      get initialState() { return ledgerEvolver.initialState; },
      evolve: ledgerEvolver.evolve,
      decide: decideLedger,
    };
    this.ledgerWriter = new BatchedStreamWriter(this.client, ledgerDecider, fundCodec, this.ledgers, {
      maxRetries: this.ledgerMaxRetries,
      onConflict: () => {
        this.metrics.conflicts.inc({ category: 'fund' });
        this.metrics.retries.inc({ category: 'fund' });
      },
      onBatch: (_stream, _commands, events) => { if (events > 0) this.metrics.appends.inc({ category: 'fund' }); },
    });
  }

  at(): string {
    return this.now().toISOString();
  }

  private metadata(ctx: CommandContext): CommandMetadata {
    return { actor: ctx.principal.sub, occurredAt: this.at(), correlationId: ctx.correlationId, causationId: ctx.correlationId };
  }

  private countRefusal(error: unknown): void {
    if (error instanceof DomainError) this.metrics.refusals.inc({ code: error.code });
  }

  /** A claim command as an endpoint answers it: the result without the resulting state. */
  async command(claimId: string, ctx: CommandContext, authorize: Authorize | null, build: (at: string) => ClaimCommand): Promise<CommandResult> {
    const { state: _state, ...result } = await this.claimCommand(claimId, ctx, authorize, build);
    return result;
  }

  /** Loads, authorizes, decides and appends one claim command (re-deciding on conflicts). */
  async claimCommand(claimId: string, ctx: CommandContext, authorize: Authorize | null, build: (at: string) => ClaimCommand): Promise<CommandResult & { state: ClaimState }> {
    const stream = claimStream(claimId);
    const isNew = authorize === null;
    const decider: Decider<ClaimCommand, ClaimEvent, ClaimState> = {
      get initialState() { return claimEvolver.initialState; },
      evolve: claimEvolver.evolve,
      decide: (command, state) => {
        if (!isNew) {
          if (state.status === 'none') throw notFound(claimId);
          ensureAllowed(authorize(ctx.principal, claimAccess(state)));
        }
        return decide(command, state);
      },
    };
    const command = build(this.at());
    try {
      const result = await handleCommand(this.client, stream, command, decider, {
        codec: claimCodec,
        metadata: this.metadata(ctx),
        maxRetries: this.maxRetries,
        cache: this.claims,
        ...(isNew ? { expectedRevision: ctx.expectedRevision ?? NO_STREAM } : ctx.expectedRevision === undefined ? {} : { expectedRevision: ctx.expectedRevision }),
        ...(ctx.idempotencyKey === undefined ? {} : { idempotencyKey: ctx.idempotencyKey }),
        ...(ctx.beforeWrite === undefined ? {} : { beforeAppend: ctx.beforeWrite }),
        onConflict: () => {
          this.metrics.conflicts.inc({ category: 'claim' });
          this.metrics.retries.inc({ category: 'claim' });
        },
      });
      if (!result.replayed && result.events.length > 0) this.metrics.appends.inc({ category: 'claim' });
      return { claimId, revision: revisionNumber(result.revision), events: result.events.map((e) => e.type), state: result.state };
    } catch (error) {
      if (isNew && error instanceof RevisionMismatchError) {
        // FileClaim at no_stream found the stream: the claim id is taken (a replay is caught above by its key).
        throw new DomainError('already-filed', 'This claim has already been filed.');
      }
      if (!isNew && error instanceof RevisionMismatchError) await this.authorizeMismatch(claimId, ctx, authorize);
      if (error instanceof ConcurrencyConflictError) this.metrics.conflicts.inc({ category: 'claim' });
      this.countRefusal(error);
      throw error;
    }
  }

  /**
   * A 412 tells the claim's revision: only to a caller who may act on the claim (the revision
   * check of handleCommand comes before the decider, where authorization runs).
   */
  private async authorizeMismatch(claimId: string, ctx: CommandContext, authorize: Authorize): Promise<void> {
    const { state } = await this.loadClaim(claimId);
    const allowed = authorize(ctx.principal, claimAccess(state));
    if (!allowed.allowed) {
      this.countRefusal(allowed.error);
      throw allowed.error;
    }
  }

  /** Loads a claim (404 when it does not exist). */
  async loadClaim(claimId: string): Promise<{ state: ClaimState; revision: StreamRevision }> {
    const loaded = await this.claims.catchUp(this.client, claimStream(claimId));
    if (loaded.state.status === 'none') throw notFound(claimId);
    return { state: loaded.state, revision: loaded.revision };
  }

  /** One ledger command: decided in turn with the others pending on its fund year, written in their batch. */
  async ledgerCommand(jurisdiction: Jurisdiction, year: number, ctx: CommandContext, command: Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>): Promise<{ revision: StreamRevision; events: FundEvent[] }> {
    const full = { ...command, actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at: this.at(), jurisdiction, year } as LedgerCommand;
    try {
      await ctx.beforeWrite?.();
      const result = await this.ledgerWriter.submit(ledgerStreamName(jurisdiction, year), full, this.metadata(ctx));
      return { revision: result.revision, events: result.events };
    } catch (error) {
      this.countRefusal(error);
      throw error;
    }
  }

  /** A fund-year ledger as the store has it now (reads the events after the cached state). */
  async loadLedger(jurisdiction: Jurisdiction, year: number): Promise<LedgerState> {
    return (await this.ledgers.catchUp(this.client, ledgerStreamName(jurisdiction, year))).state;
  }

  /**
   * The cached ledger, read only when unknown: for choosing which ledger commands to send.
   * The commands themselves are decided on the store's state (ledgerCommand), so a stale
   * choice at worst sends a command that decides nothing.
   */
  private async cachedLedger(jurisdiction: Jurisdiction, year: number): Promise<Readonly<LedgerState>> {
    return this.ledgers.view(ledgerStreamName(jurisdiction, year)) ?? this.loadLedger(jurisdiction, year);
  }

  /**
   * ApproveAward with the ledger: commit funds first when the approval completes the award,
   * then append the claim's events at the revision they were decided on (see the module comment).
   */
  async approve(claimId: string, ctx: CommandContext, authorize: Authorize): Promise<CommandResult> {
    const stream = claimStream(claimId);
    /** What this call committed, to compensate if a re-decide after a conflict refuses. */
    let committed: { jurisdiction: Jurisdiction; year: number; amount: Money } | undefined;
    const load = (fresh: boolean) => this.claims.forDecision(this.client, stream, {
      fresh,
      ...(ctx.idempotencyKey === undefined ? {} : { idempotencyKey: ctx.idempotencyKey }),
      ...(ctx.expectedRevision === undefined ? {} : { expectedRevision: ctx.expectedRevision }),
    });
    for (let attempt = 1; attempt <= this.maxRetries + 1; attempt += 1) {
      let { loaded, verified } = await load(attempt > 1);
      if (loaded.previousExecution) {
        return { claimId, revision: revisionNumber(loaded.previousExecution.revision), events: loaded.previousExecution.events.map((e) => e.type) };
      }
      let decision = this.decideApproval(claimId, loaded, ctx, authorize);
      if (!verified && 'refusal' in decision) {
        // Never refuse on the cache's word.
        ({ loaded, verified } = await load(true));
        decision = this.decideApproval(claimId, loaded, ctx, authorize);
      }
      if ('refusal' in decision) {
        const error = decision.refusal;
        this.countRefusal(error);
        if (committed && loaded.state.fund.netAward === undefined) {
          // Committed on an earlier attempt, and the claim changed so that it cannot be approved
          // now (withdrawn, re-assessed...): release, so that money is not committed to nothing.
          await this.releaseOrphan(claimId, committed, ctx);
        }
        throw error;
      }
      const events = decision.events;
      await ctx.beforeWrite?.();
      const approved = events.find((e): e is Extract<ClaimEvent, { type: 'AwardApproved' }> => e.type === 'AwardApproved');
      if (approved) {
        await this.commitFunds(loaded.state.jurisdiction!, approved.data.fundYear, claimId, approved.data.netAward, ctx);
        committed = { jurisdiction: loaded.state.jurisdiction!, year: approved.data.fundYear, amount: approved.data.netAward };
        await this.afterFundsCommitted?.(claimId);
      }
      try {
        const appended = await appendEncoded(this.client, stream, events.map((e) => claimCodec.encode(e)), {
          expectedRevision: loaded.revision,
          prevHash: loaded.lastHash,
          metadata: this.metadata(ctx),
          ...(ctx.idempotencyKey === undefined ? {} : { idempotencyKey: ctx.idempotencyKey }),
        });
        this.metrics.appends.inc({ category: 'claim' });
        this.claims.remember(stream, {
          state: events.reduce(claimEvolver.evolve, loaded.state), revision: appended.revision, lastHash: appended.lastHash,
          eventCount: loaded.eventCount + events.length,
        });
        return { claimId, revision: revisionNumber(appended.revision), events: events.map((e) => e.type) };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        this.metrics.conflicts.inc({ category: 'claim' });
        if (ctx.expectedRevision !== undefined) {
          const now = await loadStream(this.client, stream, claimEvolver, claimCodec);
          throw new RevisionMismatchError(stream, ctx.expectedRevision, now.revision);
        }
        this.metrics.retries.inc({ category: 'claim' });
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * attempt)));
      }
    }
    throw new ConcurrencyConflictError(stream, this.maxRetries + 1);
  }

  private decideApproval(claimId: string, loaded: LoadedStream<ClaimEvent, ClaimState>, ctx: CommandContext, authorize: Authorize): { events: ClaimEvent[] } | { refusal: unknown } {
    try {
      if (loaded.state.status === 'none') throw notFound(claimId);
      ensureAllowed(authorize(ctx.principal, claimAccess(loaded.state)));
      if (ctx.expectedRevision !== undefined && ctx.expectedRevision !== loaded.revision) {
        throw new RevisionMismatchError(claimStream(claimId), ctx.expectedRevision, loaded.revision);
      }
      return { events: decide({ type: 'ApproveAward', actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at: this.at(), data: {} }, loaded.state) };
    } catch (error) {
      return { refusal: error };
    }
  }

  private async releaseOrphan(claimId: string, c: { jurisdiction: Jurisdiction; year: number; amount: Money }, ctx: CommandContext): Promise<void> {
    const ledger = await this.loadLedger(c.jurisdiction, c.year);
    const f = ledger.claims[claimId];
    const outstanding = f ? f.committed - f.released - f.disbursed : 0;
    if (outstanding <= 0) return;
    await this.ledgerCommand(c.jurisdiction, c.year, ctx, {
      type: 'ReleaseFunds', data: { claimId, amount: { amountMinor: outstanding, currency: c.amount.currency }, reason: 'the approval was refused after its funds were committed' },
    });
    this.metrics.ledgerRepairs.inc({ kind: 'release-compensation' });
  }

  /** CommitFunds, replacing a stale commitment of another amount left by an interrupted approval. */
  private async commitFunds(jurisdiction: Jurisdiction, year: number, claimId: string, amount: Money, ctx: CommandContext): Promise<void> {
    try {
      await this.commitFundsOn(await this.cachedLedger(jurisdiction, year), jurisdiction, year, claimId, amount, ctx);
    } catch (error) {
      // The cached ledger missed a stale commitment (written by another process): look again.
      if (!(error instanceof DomainError && error.code === 'already-committed')) throw error;
      await this.commitFundsOn(await this.loadLedger(jurisdiction, year), jurisdiction, year, claimId, amount, ctx);
    }
  }

  private async commitFundsOn(ledger: Readonly<LedgerState>, jurisdiction: Jurisdiction, year: number, claimId: string, amount: Money, ctx: CommandContext): Promise<void> {
    const f = ledger.claims[claimId];
    const outstanding = f ? f.committed - f.released - f.disbursed : 0;
    if (f && outstanding > 0 && outstanding !== amount.amountMinor && f.disbursed === 0) {
      // The claim has no award yet (it is being approved now), so this commitment is stale.
      await this.ledgerCommand(jurisdiction, year, ctx, {
        type: 'ReleaseFunds', data: { claimId, amount: { amountMinor: outstanding, currency: amount.currency }, reason: 'stale commitment of an interrupted approval' },
      });
      this.metrics.ledgerRepairs.inc({ kind: 'release-stale' });
    }
    const committed = await this.ledgerCommand(jurisdiction, year, ctx, { type: 'CommitFunds', data: { claimId, amount } });
    if (committed.events.length === 0) this.metrics.ledgerRepairs.inc({ kind: 'commitment-reused' });
  }

  /**
   * Disbursement: the claim decides (each instalment at most once), then the ledger records
   * FundsDisbursed for every disbursed instalment it lacks (idempotent per instalment). A
   * refusal `already-disbursed` still brings the ledger up to date, so a retry after a crash
   * between the two writes repairs the ledger.
   */
  async disburse(claimId: string, instalment: number, paymentReference: string, ctx: CommandContext, authorize: Authorize): Promise<CommandResult> {
    let result: (CommandResult & { state: ClaimState }) | undefined;
    try {
      result = await this.claimCommand(claimId, ctx, authorize, (at) => ({
        type: 'DisbursePayout', actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at, data: { paymentReference, instalment },
      }));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'already-disbursed') {
        const { state } = await this.loadClaim(claimId);
        await this.syncDisbursements(claimId, state, ctx);
      }
      throw error;
    }
    await this.syncDisbursements(claimId, result.state, ctx);
    const { state: _state, ...answer } = result;
    return answer;
  }

  private async syncDisbursements(claimId: string, state: ClaimState, ctx: CommandContext): Promise<void> {
    if (!state.jurisdiction || state.fund.fundYear === undefined) return;
    const ledger = await this.cachedLedger(state.jurisdiction, state.fund.fundYear);
    const recorded = new Set(ledger.claims[claimId]?.instalments ?? []);
    for (const i of state.fund.instalments) {
      if (i.status !== 'disbursed' || recorded.has(i.number)) continue;
      await this.ledgerCommand(state.jurisdiction, state.fund.fundYear, ctx, {
        type: 'DisburseFunds', data: { claimId, instalment: i.number, amount: i.amount },
      });
    }
  }

  /**
   * Repairs the ledger of one claim: releases funds committed to a claim that has no award and
   * can no longer get one with that amount (withdrawn, rejected, closed, re-assessed), and
   * records disbursements the ledger lacks. Returns what it did.
   */
  async reconcileClaim(claimId: string, jurisdiction: Jurisdiction, year: number, ctx: CommandContext): Promise<string[]> {
    const done: string[] = [];
    const { state } = await this.loadClaim(claimId);
    const ledger = await this.loadLedger(jurisdiction, year);
    const f = ledger.claims[claimId];
    const outstanding = f ? f.committed - f.released - f.disbursed : 0;
    const pendingAmount = state.status === 'assessed' && state.fund.assessment?.eligible ? state.fund.assessment.recommendedNet.amountMinor : undefined;
    if (outstanding > 0 && state.fund.netAward === undefined && pendingAmount !== outstanding) {
      await this.ledgerCommand(jurisdiction, year, ctx, {
        type: 'ReleaseFunds', data: { claimId, amount: { amountMinor: outstanding, currency: ledger.currency! }, reason: 'committed to an approval that was not completed' },
      });
      this.metrics.ledgerRepairs.inc({ kind: 'release-orphan' });
      done.push('FundsReleased');
    }
    if (state.fund.fundYear === year) {
      const before = ledger.claims[claimId]?.instalments.length ?? 0;
      await this.syncDisbursements(claimId, state, ctx);
      const after = (await this.loadLedger(jurisdiction, year)).claims[claimId]?.instalments.length ?? 0;
      for (let i = before; i < after; i += 1) done.push('FundsDisbursed');
    }
    return done;
  }

  /**
   * Reconciles every claim with funds outstanding in the ledgers of `years` (all jurisdictions):
   * releases commitments left by approvals that can no longer complete and records missing
   * disbursements. A commitment of a claim still awaiting approval for that amount is left: it
   * may belong to an approval in flight, whose retry completes it.
   */
  async reconcileAll(years: readonly number[], ctx: CommandContext): Promise<{ claims: number; repairs: string[] }> {
    const repairs: string[] = [];
    let claims = 0;
    for (const jurisdiction of JURISDICTIONS) {
      for (const year of years) {
        const ledger = await this.loadLedger(jurisdiction, year);
        for (const [claimId, f] of Object.entries(ledger.claims)) {
          if (f.committed - f.released - f.disbursed <= 0) continue;
          claims += 1;
          repairs.push(...await this.reconcileClaim(claimId, jurisdiction, year, ctx));
        }
      }
    }
    return { claims, repairs };
  }

  newCorrelationId(): string {
    return randomUUID();
  }
}

export function revisionNumber(revision: StreamRevision): number {
  return typeof revision === 'bigint' ? Number(revision) : -1;
}
