export { envelopeOf, eventTime, type ProjectedEnvelope } from './envelope.js';
export { ReadModelStore, readModelPath } from './read-model/store.js';
export { Projector, StreamGapError, type ApplyOutcome } from './read-model/projector.js';
export { ProjectionRunner, type RebuildResult } from './read-model/runner.js';
export { claimDeadlines, claimMoney, type ClaimDeadline, type ClaimMoney } from './read-model/claim-view.js';
export { initialFacts, recordFacts, type ClaimFacts } from './read-model/claim-facts.js';
