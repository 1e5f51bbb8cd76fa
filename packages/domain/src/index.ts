export * from './errors.js';
export * from './money.js';
export * from './schemes/index.js';
export * from './deadlines.js';
export * from './authorization.js';
export * from './claim/index.js';
export * from './fund-ledger/ledger.js';
export * from './fund-ledger/reconciliation.js';
export { fundYearCurrency } from './fund-ledger/budget.js';
