export { decide } from './decide.js';
export { evolve, initialState, type ClaimState, type ClaimStatus, type Instalment, type InstalmentStatus } from './state.js';
export type { ClaimCommand, ClaimCommandOf, ClaimCommandType, FileClaimData } from './commands.js';
export { computeAward, type AwardComputation } from './assessment.js';
export { checkVictimData } from './victim.js';
export { MAX_FIRST_DUE_MONTHS, checkFirstDueOn } from './schedule.js';
