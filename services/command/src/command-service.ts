/**
 * The thin shell around the domain: load a stream, authorize against its state, decide,
 * append at the loaded revision (re-deciding on a version conflict). Every claim command takes
 * this one path; the fund-year ledger is kept in step with the claim's money by award-funding/
 * (committed before the claim's events are appended, settled after). HTTP-free: routes call it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AwardFunding, fundingChange, fundingChanged, type FundingChange } from './award-funding/award-funding.js';
import { NO_STREAM, type EventStoreDBClient } from '@eventstore/db-client';
import {
  JURISDICTIONS, bankStatementStream, claimStream, fundStream, paymentRunStream,
  type BankStatementEvent, type ClaimEvent, type FundEvent, type Jurisdiction, type PaymentRunEvent,
} from '@cfund/contracts';
import {
  DomainError, bankStatementDecider, canRead, claimDecider, claimFunding, cloneLedger, ledgerDecider, ledgerYears, paymentRunDecider, tiedOf,
  type BankStatementCommand, type BankStatementState, type PaymentRunCommand, type PaymentRunState, type Authorization, type ClaimFunds, type ClaimAccess, type ClaimCommand, type ClaimState, type LedgerCommand, type LedgerState, type Principal,
} from '@cfund/domain';
import {
  BatchedStreamWriter, ConcurrencyConflictError, RevisionMismatchError, StreamStateCache, handleCommand, loadStream,
  type ChainSigner, type CommandMetadata, type Decider, type EventCodec, type StreamRevision,
} from '@cfund/eventstore';
import { bankStatementCodec, claimCodec, fundCodec, paymentRunCodec } from './codecs.js';
import type { Metrics } from './metrics.js';
import { noFaults, type FaultAt } from './faults.js';
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
  /** Told when the command's writes under its Idempotency-Key are found stored (a retry after a crash): its answer is final, whoever holds the key. */
  foundStored?: () => void;
  /** Throws, writing nothing, the Idempotency-Key's 422 (used with another request) or its answer: before repeat-safe writes that precede the reservation. */
  checkKey?: () => Promise<void>;
  correlationId: string;
}

export type Authorize = (principal: Principal, claim: ClaimAccess) => Authorization;

export const claimAccess = (s: ClaimState): ClaimAccess => ({
  jurisdiction: s.jurisdiction!,
  leadLawyer: s.lawyers.lead!,
  assignedLawyers: s.lawyers.coCounsel,
  assessor: s.assessor,
});

/**
 * The context for the ledger writes that keep a claim command's ledgers in step: without the
 * Idempotency-Key's reservation. Those writes move a ledger to a target the claim sets (commit
 * to, release to, each payment and recovery once by its number), so a repeat decides nothing and
 * needs no key; the key is reserved by the claim's append alone. A crash after a commitment thus
 * leaves the key free for the retry, and a retry that finds the claim's events stored can
 * settle the ledger while the dead request still holds the key.
 */
const ledgerContext = ({ beforeWrite: _reserve, foundStored: _stored, checkKey: _check, ...ctx }: CommandContext): CommandContext => ctx;

const notFound = (claimId: string): HttpProblem => new HttpProblem(404, 'Not Found', `There is no claim ${claimId}.`, { code: 'claim-not-found' });

/**
 * The refusal of a command on an existing claim, if any. A caller who may not even read the
 * claim (another lawyer's, another jurisdiction's) gets the answer for a claim that does not
 * exist: whether it exists is not theirs to learn.
 */
function refusalOn(claimId: string, principal: Principal, state: ClaimState, authorize: Authorize): Error | undefined {
  const access = claimAccess(state);
  const allowed = authorize(principal, access);
  if (allowed.allowed) return undefined;
  return canRead(principal, access).allowed ? allowed.error : notFound(claimId);
}

export interface CommandServiceOptions {
  client: EventStoreDBClient;
  /** Signs every event written (claims and ledgers). */
  chainSigner: ChainSigner;
  metrics: Metrics;
  now?: () => Date;
  /** Re-decides after a version conflict on a claim (default 5). */
  maxRetries?: number;
  /** Re-decides of a batch after a version conflict on a ledger stream (default 20; this process writes a ledger in batches, one at a time). */
  ledgerMaxRetries?: number;
  /** Testing only: called at each fault point (here: between the fund commitment and the award's append). */
  faultAt?: FaultAt;
  /** Claim states kept in memory between commands (default 10,000 claims). */
  claimCacheSize?: number;
  logger?: Logger;
}

export class CommandService {
  private readonly client: EventStoreDBClient;
  private readonly chainSigner: ChainSigner;
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
  readonly ledgers = new StreamStateCache<FundEvent, LedgerState>(ledgerDecider, fundCodec, { clone: cloneLedger, maxStreams: 1000 });
  /** Ledger commands of one fund year, decided in turn and written one batch per append. */
  private readonly ledgerWriter: BatchedStreamWriter<LedgerCommand, FundEvent, LedgerState>;
  private readonly faultAt: FaultAt;
  private readonly logger: Logger | undefined;
  /** Keeps the fund-year ledgers in step with the claims' money. */
  readonly funding: AwardFunding;

  constructor(options: CommandServiceOptions) {
    this.client = options.client;
    this.chainSigner = options.chainSigner;
    this.metrics = options.metrics;
    this.now = options.now ?? (() => new Date());
    this.maxRetries = options.maxRetries ?? 5;
    this.ledgerMaxRetries = options.ledgerMaxRetries ?? 20;
    this.faultAt = options.faultAt ?? noFaults;
    this.logger = options.logger;
    this.funding = new AwardFunding({
      ledgerCommand: (j, y, ctx, c) => this.ledgerCommand(j, y, ctx, c),
      cachedLedger: (j, y) => this.cachedLedger(j, y),
      loadLedger: (j, y) => this.loadLedger(j, y),
    }, this.metrics);
    this.claims = new StreamStateCache(claimDecider, claimCodec, { maxStreams: options.claimCacheSize ?? 10_000 });
    this.ledgerWriter = new BatchedStreamWriter(this.client, ledgerDecider, fundCodec, this.ledgers, {
      signer: this.chainSigner,
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
    const { state: _state, replayed: _replayed, ...result } = await this.claimCommand(claimId, ctx, authorize, build);
    return result;
  }

  /**
   * Loads, authorizes, decides and appends one claim command (re-deciding on conflicts), with the
   * ledger in step. `replayed`: the events of an earlier run under the same Idempotency-Key were
   * found and nothing was decided or written.
   */
  async claimCommand(claimId: string, ctx: CommandContext, authorize: Authorize | null, build: (at: string) => ClaimCommand): Promise<CommandResult & { state: ClaimState; replayed: boolean }> {
    const stream = claimStream(claimId);
    const isNew = authorize === null;
    const decider: Decider<ClaimCommand, ClaimEvent, ClaimState> = {
      ...claimDecider,
      decide: (command, state) => {
        if (!isNew) {
          if (state.status === 'none') throw notFound(claimId);
          const refusal = refusalOn(claimId, ctx.principal, state, authorize);
          if (refusal) throw refusal;
        }
        return claimDecider.decide(command, state);
      },
    };
    const command = build(this.at());
    /** The state the appended events were decided on, their effect on the claim's money, and the fund years funds were committed in for them. */
    let decidedOn: ClaimState | undefined;
    let change: FundingChange | undefined;
    const committedIn = new Set<number>();
    const funding = ledgerContext(ctx);
    try {
      const result = await handleCommand(this.client, stream, command, decider, {
        codec: claimCodec,
        signer: this.chainSigner,
        metadata: this.metadata(ctx),
        maxRetries: this.maxRetries,
        cache: this.claims,
        ...(isNew ? { expectedRevision: ctx.expectedRevision ?? NO_STREAM } : ctx.expectedRevision === undefined ? {} : { expectedRevision: ctx.expectedRevision }),
        ...(ctx.idempotencyKey === undefined ? {} : { idempotencyKey: ctx.idempotencyKey }),
        onConflict: () => {
          this.metrics.conflicts.inc({ category: 'claim' });
          this.metrics.retries.inc({ category: 'claim' });
        },
        beforeAppend: async (_events, loaded, after) => {
          decidedOn = loaded.state;
          change = fundingChange(loaded.state, after);
          const before = committedIn.size;
          // A key of another request is refused before any money moves for this one.
          if (fundingChanged(change.after, change.before)) await ctx.checkKey?.();
          await this.funding.beforeAppend(claimId, after, change, funding, (year) => committedIn.add(year));
          if (committedIn.size > before) await this.faultAt('after-funds-committed', claimId);
          // Authorized, decided and funded: the key is taken only now (a refusal writes nothing).
          await ctx.beforeWrite?.();
        },
      });
      if (!result.replayed && result.events.length > 0) {
        this.metrics.appends.inc({ category: 'claim' });
        await this.faultAt('before-funds-settled', claimId);
        await this.settleAfter(claimId, change, result.state, funding);
      } else if (result.replayed) {
        // A retry under the key of a command whose events are stored: its answer is final, and it
        // finishes what a crash after them left undone, the ledger settled to the claim as it
        // stands now (the claim may have moved on since; nothing is written when they agree).
        ctx.foundStored?.();
        if (!isNew) await this.settleAfter(claimId, undefined, (await this.claims.catchUp(this.client, stream)).state, funding);
      } else if (!isNew) {
        // A command that decided nothing finishes what a crash after an earlier one left undone.
        await this.settleAfter(claimId, undefined, result.state, funding);
      }
      return { claimId, revision: revisionNumber(result.revision), events: result.events.map((e) => e.type), state: result.state, replayed: result.replayed };
    } catch (error) {
      if (committedIn.size > 0 && decidedOn?.jurisdiction) await this.settleRefused(claimId, decidedOn.jurisdiction, [...committedIn], funding);
      if (isNew && error instanceof RevisionMismatchError) {
        // FileClaim at no_stream found the stream: the claim id is taken (a replay is caught above by its key).
        throw new DomainError('already-filed', 'This claim has already been filed.');
      }
      if (!isNew && error instanceof RevisionMismatchError) await this.authorizeOn(claimId, ctx, authorize);
      if (error instanceof ConcurrencyConflictError) this.metrics.conflicts.inc({ category: 'claim' });
      this.countRefusal(error);
      throw error;
    }
  }

  /**
   * Refuses (404 for a claim the caller may not read, else 403) unless the caller may act on the
   * claim: before a 412, which tells the claim's revision (the revision check of handleCommand
   * comes before the decider, where authorization runs), and before a route does work that must
   * not be done for a stranger (encrypting under the victim's key).
   */
  async authorizeOn(claimId: string, ctx: CommandContext, authorize: Authorize): Promise<void> {
    const { state } = await this.loadClaim(claimId);
    const refusal = refusalOn(claimId, ctx.principal, state, authorize);
    if (refusal) {
      this.countRefusal(refusal);
      throw refusal;
    }
  }

  /**
   * Throws the ledger's refusal of `command` before anything is written (the Idempotency-Key
   * included). Decided on the ledger as last seen here, and a refusal confirmed on the ledger as
   * the store has it (another instance may have allocated more). The batched writer decides
   * again when it writes: a refusal that only the store's newest events bring still answers as
   * a refusal, after the key's reservation and release.
   */
  private async refusedByLedger(command: LedgerCommand): Promise<void> {
    try {
      ledgerDecider.decide(command, await this.cachedLedger(command.jurisdiction, command.year));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      ledgerDecider.decide(command, await this.loadLedger(command.jurisdiction, command.year));
    }
  }

  /** Loads a claim (404 when it does not exist). */
  /** The claim's state, once `principal` may act on it as `authorize` says (404 for a claim they may not read, else its refusal). */
  async authorizedClaim(claimId: string, principal: Principal, authorize: Authorize): Promise<{ state: ClaimState; revision: StreamRevision }> {
    const loaded = await this.loadClaim(claimId);
    const refusal = refusalOn(claimId, principal, loaded.state, authorize);
    if (refusal) throw refusal;
    return loaded;
  }

  async loadClaim(claimId: string): Promise<{ state: ClaimState; revision: StreamRevision }> {
    const loaded = await this.claims.catchUp(this.client, claimStream(claimId));
    if (loaded.state.status === 'none') throw notFound(claimId);
    return { state: loaded.state, revision: loaded.revision };
  }

  /** A payment run as the store has it now. */
  async loadPaymentRun(runId: string): Promise<PaymentRunState> {
    return (await loadStream(this.client, paymentRunStream(runId), paymentRunDecider, paymentRunCodec)).state;
  }

  /** One payment-run command (stream `paymentrun-<runId>`), decided again on a conflict. */
  async paymentRunCommand(runId: string, ctx: CommandContext, command: PaymentRunCommand): Promise<{ revision: number; events: PaymentRunEvent[]; state: PaymentRunState }> {
    return this.streamCommand(paymentRunStream(runId), 'paymentrun', ctx, command, paymentRunDecider, paymentRunCodec);
  }

  /** An imported bank statement as the store has it now. */
  async loadBankStatement(statementId: string): Promise<BankStatementState> {
    return (await loadStream(this.client, bankStatementStream(statementId), bankStatementDecider, bankStatementCodec)).state;
  }

  /** One bank-statement command (stream `bankstatement-<sha256>`), decided again on a conflict. */
  async bankStatementCommand(statementId: string, ctx: CommandContext, command: BankStatementCommand): Promise<{ revision: number; events: BankStatementEvent[]; state: BankStatementState }> {
    return this.streamCommand(bankStatementStream(statementId), 'bankstatement', ctx, command, bankStatementDecider, bankStatementCodec);
  }

  /** A command on a stream of its own (not a claim's, not a ledger's): the common command loop, counted. */
  private async streamCommand<C, S, E extends { type: string }>(
    stream: string, category: string, ctx: CommandContext, command: C,
    decider: { decide(c: C, s: S): E[]; evolve(s: S, e: E): S; initialState(): S }, codec: EventCodec<E>,
  ): Promise<{ revision: number; events: E[]; state: S }> {
    try {
      const result = await handleCommand(this.client, stream, command, decider, {
        codec, signer: this.chainSigner, metadata: this.metadata(ctx), maxRetries: this.maxRetries,
        onConflict: () => this.metrics.conflicts.inc({ category }),
      });
      if (result.events.length > 0) this.metrics.appends.inc({ category });
      return { revision: revisionNumber(result.revision), events: result.events, state: result.state };
    } catch (error) {
      this.countRefusal(error);
      throw error;
    }
  }

  /** One ledger command: decided in turn with the others pending on its fund year, written in their batch. */
  async ledgerCommand(jurisdiction: Jurisdiction, year: number, ctx: CommandContext, command: Omit<LedgerCommand, 'actor' | 'at' | 'jurisdiction' | 'year'>): Promise<{ revision: StreamRevision; events: FundEvent[] }> {
    const full = { ...command, actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at: this.at(), jurisdiction, year } as LedgerCommand;
    try {
      await this.refusedByLedger(full);
      await ctx.beforeWrite?.();
      const result = await this.ledgerWriter.submit(fundStream(jurisdiction, year), full, this.metadata(ctx));
      return { revision: result.revision, events: result.events };
    } catch (error) {
      this.countRefusal(error);
      throw error;
    }
  }

  /** A fund-year ledger as the store has it now (reads the events after the cached state), only to look at: no copy is made. */
  async loadLedger(jurisdiction: Jurisdiction, year: number): Promise<Readonly<LedgerState>> {
    return (await this.ledgers.refresh(this.client, fundStream(jurisdiction, year))).state;
  }

  /**
   * The cached ledger, read only when unknown: for choosing which ledger commands to send.
   * The commands themselves are decided on the store's state (ledgerCommand), so a stale
   * choice at worst sends a command that decides nothing.
   */
  private async cachedLedger(jurisdiction: Jurisdiction, year: number): Promise<Readonly<LedgerState>> {
    return this.ledgers.view(fundStream(jurisdiction, year)) ?? this.loadLedger(jurisdiction, year);
  }

  /**
   * Step 3 of award-funding after a claim command was appended (with its `change`), or found
   * appended already by a retry (no change known: the claim is settled as it stands). The claim's
   * events are stored and acknowledged whatever happens here: a failure is logged and counted, and
   * the reconciler (or the claim's next command) settles the ledger.
   */
  private async settleAfter(claimId: string, change: FundingChange | undefined, after: ClaimState, ctx: CommandContext): Promise<void> {
    try {
      await (change ? this.funding.afterAppend(claimId, after, change, ctx) : this.funding.settle(claimId, after, ctx));
    } catch (error) {
      this.metrics.ledgerSyncFailures.inc();
      this.logger?.error({ err: error, claimId }, 'the ledger could not be settled after a claim command; the reconciler will');
    }
  }

  /**
   * A command refused after its funds were committed (the claim changed meanwhile, or a later
   * year of its schedule refused them): settle those years to the claim as it is.
   */
  private async settleRefused(claimId: string, jurisdiction: Jurisdiction, years: readonly number[], ctx: CommandContext): Promise<void> {
    try {
      const { state } = await this.claims.catchUp(this.client, claimStream(claimId));
      for (const year of years) {
        const done = await this.funding.settleIn(claimId, state, jurisdiction, year, ctx, await this.loadLedger(jurisdiction, year));
        if (done.includes('FundsReleased')) this.metrics.ledgerRepairs.inc({ kind: 'release-compensation' });
      }
    } catch (error) {
      this.metrics.ledgerSyncFailures.inc();
      this.logger?.error({ err: error, claimId }, 'the ledger could not be settled after a refused command; the reconciler will');
    }
  }

  /**
   * Settles one claim's entry in a fund year's ledger to the claim (see award-funding). An excess
   * commitment of a claim that an approval in flight may still complete is left alone: the
   * approval's retry or the claim's next command settles it. Returns the ledger events written.
   */
  async reconcileClaim(claimId: string, jurisdiction: Jurisdiction, year: number, ctx: CommandContext): Promise<string[]> {
    const { state } = await this.loadClaim(claimId);
    const ledger = await this.loadLedger(jurisdiction, year);
    if ((state.fund.fundYear ?? year) === year && approvalInFlight(state, ledger.claims[claimId])) return [];
    const done = await this.funding.settleIn(claimId, state, jurisdiction, year, ctx, ledger);
    for (const kind of done) this.metrics.ledgerRepairs.inc({ kind: kind === 'FundsReleased' ? 'release-orphan' : kind });
    return done;
  }

  /**
   * Reconciles every claim of the ledgers of `years` (all jurisdictions) with its entries in
   * those ledgers: the years where the ledger holds something of the claim, and the years where
   * the claim has money (its fund year, its recoveries), so that a recovery whose credit was lost
   * is found through the claim's other ledger entries. One claim that cannot be repaired (e.g.
   * its budget is spent) is reported and does not stop the others.
   */
  async reconcileAll(years: readonly number[], ctx: CommandContext): Promise<{ claims: number; repairs: string[]; differences: number; failures: { claimId: string; error: string }[] }> {
    const repairs: string[] = [];
    const failures: { claimId: string; error: string }[] = [];
    let claims = 0;
    let differences = 0;
    for (const jurisdiction of JURISDICTIONS) {
      const ledgers = new Map<number, Readonly<LedgerState>>();
      for (const year of years) ledgers.set(year, await this.loadLedger(jurisdiction, year));
      const claimIds = new Set([...ledgers.values()].flatMap((l) => Object.keys(l.claims)));
      for (const claimId of claimIds) {
        claims += 1;
        let found = 0;
        try {
          const { state } = await this.loadClaim(claimId);
          const ofClaim = new Set(ledgerYears(claimFunding(state)));
          for (const [year, ledger] of ledgers) {
            if (!(claimId in ledger.claims) && !ofClaim.has(year)) continue;
            const here = this.funding.differences(claimId, state, year, ledger).length;
            found += here;
            differences += here;
            if (here > 0) repairs.push(...await this.reconcileClaim(claimId, jurisdiction, year, ctx));
          }
        } catch (error) {
          // Unrepaired; funds held for no claim the store knows are a difference in themselves.
          if (found === 0) differences += 1;
          failures.push({ claimId, error: error instanceof Error ? error.message : String(error) });
        }
      }
    }
    this.metrics.ledgerDifferences.set(differences);
    this.metrics.ledgerUnrepaired.set(failures.length);
    return { claims, repairs, differences, failures };
  }

  newCorrelationId(): string {
    return randomUUID();
  }
}

/**
 * A claim awaiting the approval (or appeal decision) that would tie up exactly what the ledger
 * holds for it: an approval between its commitment and its append, which its retry completes.
 */
function approvalInFlight(state: ClaimState, f: ClaimFunds | undefined): boolean {
  if (!f) return false;
  const tied = tiedOf(f);
  const pending = state.status === 'assessed' && state.fund.assessment?.eligible ? state.fund.assessment.recommendedNet.amountMinor
    : state.status === 'appealed' ? state.fund.pendingAppealDecision?.netAward.amountMinor ?? tied
      : undefined;
  const funding = claimFunding(state);
  return pending !== undefined && tied === Math.max(pending, funding.paid) && tied > funding.tied;
}

export function revisionNumber(revision: StreamRevision): number {
  return typeof revision === 'bigint' ? Number(revision) : -1;
}
