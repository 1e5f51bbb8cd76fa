/**
 * Imports a fund account's bank statement (ISO 20022 camt.053): each booked entry is matched to a
 * payment of a released run by its end-to-end id and amount; the claim records the payment (with
 * the bank's reference) or its return (the payment failed, or it leaves its run unpaid); anything
 * that matches nothing is listed for a person to resolve, never guessed.
 *
 * Crash safety: the claims are written first, one entry at a time, each recording the entry's
 * end-to-end id, so that a second import of the same file changes no claim again; the statement's
 * record (`bankstatement-<sha256 of the file>`) is written last and, cut short by a crash, is
 * finished by importing the same file again. Entries of one claim are applied in the file's order
 * (a booking before its return); different claims in parallel.
 */
import { createHash } from 'node:crypto';
import type { BankStatementEntry, DebtorAccount, Jurisdiction } from '@cfund/contracts';
import {
  DomainError, StatementFormatError, canActAsFundStaff, ensureAllowed, matchStatementEntry, parseCamt053, runPaymentOf, statementComplete, statementCounts,
  type BankStatementState, type PaymentRunState, type StatementEntryLine, type StatementMatch,
} from '@cfund/domain';
import { HttpProblem } from '@cfund/service-kit';
import type { Authorize, CommandContext, CommandService } from '../command-service.js';
import { noFaults, type FaultAt } from '../faults.js';

/** Claims written at once during an import (entries of one claim always in order). */
const PARALLEL_CLAIMS = 8;

const finance: Authorize = (p, c) => canActAsFundStaff(p, c.jurisdiction, 'fund-finance');

export interface ImportResult {
  statementId: string;
  jurisdiction: Jurisdiction;
  /** False when the same file was imported before: nothing changed. */
  imported: boolean;
  entryCount: number;
  counts: { paid: number; returned: number; unmatched: number; notBooked: number };
  unmatched: BankStatementEntry[];
}

export class BankStatements {
  constructor(
    private readonly service: CommandService,
    private readonly accounts: Partial<Record<Jurisdiction, DebtorAccount>>,
    private readonly faultAt: FaultAt = noFaults,
  ) {}

  /** The jurisdiction whose fund account the statement is of (400 when it is none, or several). */
  private jurisdictionOf(ibans: (string | undefined)[]): Jurisdiction {
    const found = new Set<Jurisdiction>();
    for (const iban of ibans) {
      const match = Object.entries(this.accounts).find(([, a]) => a?.iban === iban?.replace(/\s/g, '').toUpperCase());
      if (!match) throw new HttpProblem(400, 'Bad Request', `The statement is of an account that is not a fund account (FUND_ACCOUNTS)${iban ? '' : ': it names no IBAN'}.`, { code: 'not-a-fund-account' });
      found.add(match[0] as Jurisdiction);
    }
    if (found.size !== 1) throw new HttpProblem(400, 'Bad Request', 'One import is of one fund account: the statements name several.', { code: 'several-fund-accounts' });
    return [...found][0]!;
  }

  async import(ctx: CommandContext, xml: string): Promise<ImportResult> {
    let parsed;
    try {
      parsed = parseCamt053(xml);
    } catch (error) {
      if (error instanceof StatementFormatError) throw new HttpProblem(400, 'Bad Request', error.message, { code: 'invalid-statement' });
      throw error;
    }
    const jurisdiction = this.jurisdictionOf(parsed.statements.map((s) => s.iban));
    ensureAllowed(canActAsFundStaff(ctx.principal, jurisdiction, 'fund-finance'));
    const statementId = createHash('sha256').update(xml, 'utf8').digest('hex');
    const before = await this.service.loadBankStatement(statementId);
    if (statementComplete(before)) return resultOf(statementId, jurisdiction, before, false);

    const runs = new Map<string, PaymentRunState>();
    for (const line of parsed.entries) {
      const id = line.endToEndId ? runPaymentOf(line.endToEndId)?.runId : undefined;
      if (id && !runs.has(id)) runs.set(id, await this.service.loadPaymentRun(id));
    }
    const matches = parsed.entries.map((line) => {
      const match = matchStatementEntry(line, (id) => runs.get(id)!);
      const runJurisdiction = match.outcome === 'paid' || match.outcome === 'returned' ? runs.get(match.runId)!.jurisdiction : undefined;
      return runJurisdiction !== undefined && runJurisdiction !== jurisdiction
        ? { outcome: 'unmatched' as const, reason: `The payment's run is of ${runJurisdiction}, the statement of ${jurisdiction}.` }
        : match;
    });
    const entries = await this.applyToClaims(ctx, parsed.entries, matches);
    // One part per append (the decider gives the next part each time) until the record is complete.
    let recorded = before;
    do {
      recorded = (await this.service.bankStatementCommand(statementId, ctx, {
        type: 'RecordBankStatement', actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at: this.service.at(),
        data: { statementId, jurisdiction, messageId: parsed.messageId, statementIds: parsed.statements.map((s) => s.id), entries },
      })).state;
    } while (!statementComplete(recorded));
    return resultOf(statementId, jurisdiction, recorded, true);
  }

  /** Applies each matched entry to its claim; a claim's refusal makes the entry unmatched, with the refusal as the reason. */
  private async applyToClaims(ctx: CommandContext, lines: StatementEntryLine[], matches: StatementMatch[]): Promise<BankStatementEntry[]> {
    const entries: BankStatementEntry[] = lines.map((line, i) => entryOf(line, matches[i]!));
    const byClaim = new Map<string, number[]>();
    matches.forEach((m, i) => {
      if (m.outcome === 'paid' || m.outcome === 'returned') byClaim.set(m.item.claimId, [...byClaim.get(m.item.claimId) ?? [], i]);
    });
    const queue = [...byClaim.values()];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (const i of next) entries[i] = await this.applyOne(ctx, lines[i]!, matches[i]!, entries[i]!);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_CLAIMS }, worker));
    return entries;
  }

  private async applyOne(ctx: CommandContext, line: StatementEntryLine, match: StatementMatch, entry: BankStatementEntry): Promise<BankStatementEntry> {
    if (match.outcome !== 'paid' && match.outcome !== 'returned') return entry;
    const { item, runId } = match;
    const data = {
      runId, payment: item.payment, endToEndId: item.endToEndId, amount: item.amount,
      bankReference: line.bankReference ?? `${line.endToEndId}-${line.entry}`,
    };
    try {
      await this.service.claimCommand(item.claimId, ctx, finance, (at) => (match.outcome === 'paid'
        ? { type: 'RecordBankBooking', actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at, data: { ...data, releasedBy: match.releasedBy } }
        : { type: 'RecordBankReturn', actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at, data: { ...data, returnReason: line.returnReason } }));
      await this.faultAt('during-statement-import', item.claimId);
      return entry;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ...entry, outcome: 'unmatched', reason: `${item.publicReference} ${item.payment.kind} ${item.payment.number}: ${error.message}`.slice(0, 500) };
    }
  }

  async resolve(ctx: CommandContext, statementId: string, entry: number, note: string) {
    const state = await this.service.loadBankStatement(statementId);
    if (state.status === 'none') throw new DomainError('no-such-statement', 'There is no such bank statement.');
    ensureAllowed(canActAsFundStaff(ctx.principal, state.jurisdiction!, 'fund-finance'));
    const result = await this.service.bankStatementCommand(statementId, ctx, {
      type: 'ResolveStatementEntry', actor: { sub: ctx.principal.sub, roles: ctx.principal.roles }, at: this.service.at(), data: { entry, note },
    });
    return { statementId, revision: result.revision, events: result.events.map((e) => e.type) };
  }
}

function entryOf(line: StatementEntryLine, match: StatementMatch): BankStatementEntry {
  const base = {
    entry: line.entry, amount: line.amount, direction: line.direction,
    ...(line.endToEndId ? { endToEndId: line.endToEndId } : {}),
    ...(line.bankReference ? { bankReference: line.bankReference } : {}),
    ...(line.bookedOn ? { bookedOn: line.bookedOn } : {}),
    ...(line.returnReason ? { returnReason: line.returnReason } : {}),
  };
  switch (match.outcome) {
    case 'paid':
    case 'returned':
      return { ...base, outcome: match.outcome, claimId: match.item.claimId, runId: match.runId, payment: match.item.payment };
    case 'not-booked':
      return { ...base, outcome: 'not-booked' };
    case 'unmatched':
      return { ...base, outcome: 'unmatched', reason: match.reason.slice(0, 500) };
    default: {
      const _exhaustive: never = match;
      return _exhaustive;
    }
  }
}

function resultOf(statementId: string, jurisdiction: Jurisdiction, s: BankStatementState, imported: boolean): ImportResult {
  return {
    statementId, jurisdiction, imported, entryCount: s.entryCount,
    counts: statementCounts(s.entries),
    unmatched: s.entries.filter((e) => e.outcome === 'unmatched'),
  };
}
