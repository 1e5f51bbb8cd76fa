/**
 * The domain's deciders as objects, the shape Emmett gives one and @cfund/eventstore's
 * `handleCommand` / `loadStream` take: `decide(command, state)` (the events, or a `DomainError`),
 * `evolve(state, event)`, and `initialState()`, a fresh state each call (the ledger's fold
 * updates its state in place, so no two streams may share one).
 */
import { decide, evolve, initialState } from './claim/index.js';
import { decideLedger, evolveLedger, initialLedgerState } from './fund-ledger/ledger.js';
import { decidePaymentRun, evolvePaymentRun, initialPaymentRunState } from './payment-run/payment-run.js';
import { decideBankStatement, evolveBankStatement, initialBankStatementState } from './payment-run/bank-statement.js';

/** A claim: filing to closure (claim/decide.ts, claim/state.ts). */
export const claimDecider = { decide, evolve, initialState } as const;

/** A fund year's ledger (fund-ledger/ledger.ts). */
export const ledgerDecider = { decide: decideLedger, evolve: evolveLedger, initialState: initialLedgerState } as const;

/** A payment run (payment-run/payment-run.ts). */
export const paymentRunDecider = { decide: decidePaymentRun, evolve: evolvePaymentRun, initialState: initialPaymentRunState } as const;

/** An imported bank statement (payment-run/bank-statement.ts). */
export const bankStatementDecider = { decide: decideBankStatement, evolve: evolveBankStatement, initialState: initialBankStatementState } as const;
