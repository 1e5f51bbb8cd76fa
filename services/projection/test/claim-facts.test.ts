/** The claim's facts as a projection definition: given events, then the facts monitoring counts. */
import t from 'tap';
import { parseEvent, type ClaimEvent } from '@cfund/contracts';
import { initialFacts, recordFacts } from '../src/read-model/claim-facts.ts';

const claimId = '0b7a3c2e-5d4f-4a1b-9c8d-7e6f5a4b3c2d';
const money = (amountMinor: number) => ({ amountMinor, currency: 'RSD' });
const event = (type: ClaimEvent['type'], data: Record<string, unknown>) => parseEvent(type, { schemaVersion: 1, claimId, ...data }) as ClaimEvent;
const factsOf = (events: ClaimEvent[]) => events.reduce((f, e) => recordFacts(f, e, '2026-04-01T10:00:00.000Z'), initialFacts());

const approved = event('AwardApproved', { netAward: money(90_000_000), approvers: ['approver-1'], fundYear: 2026 });
const appealed = (outcome: string, netAward?: number) => event('AppealDecided', {
  outcome, decidedOn: '2026-05-01', approvers: ['approver-2'], ...(netAward === undefined ? {} : { netAward: money(netAward) }),
});

t.test('given an award and an appeal, then the decision standing', async (t) => {
  t.equal(factsOf([approved]).lastDecision, 'approved');
  t.equal(factsOf([approved, appealed('remitted')]).lastDecision, undefined, 'an appeal that remitted the claim undoes the award until the fund decides again');
  t.equal(factsOf([approved, appealed('remitted'), event('AwardRejected', { rejectedBy: 'approver-1', reasons: ['r'], appealInstructions: 'i' })]).lastDecision, 'rejected');
  t.equal(factsOf([approved, appealed('upheld')]).lastDecision, 'approved');
  t.equal(factsOf([approved, appealed('increased', 95_000_000)]).lastDecision, 'approved');
  t.equal(factsOf([approved, appealed('remitted')]).firstDecisionAt, '2026-04-01T10:00:00.000Z', 'the first decision stays on record');
});

t.test('given a withdrawal, a reopening and a closing, then whether the claim stands withdrawn', async (t) => {
  const withdrawn = event('ClaimWithdrawn', { reason: 'The victim withdrew.', withdrawnAt: '2026-05-02T10:00:00.000Z' });
  const reopened = event('ClaimReopened', { reason: 'The victim came back.', reopenedAt: '2026-05-03T10:00:00.000Z' });
  const closed = event('ClaimClosed', { reason: 'Withdrawn.', closedAt: '2026-05-04T10:00:00.000Z' });
  t.notOk(factsOf([approved]).withdrawn, 'an award alone');
  t.equal(factsOf([approved, withdrawn]).withdrawn, true, 'withdrawn after the award');
  t.equal(factsOf([approved, withdrawn]).lastDecision, 'approved', 'the decision stays on record');
  t.equal(factsOf([withdrawn, reopened]).withdrawn, false, 'reopened: no longer withdrawn');
  t.equal(factsOf([withdrawn, reopened, withdrawn]).withdrawn, true, 'withdrawn again');
  t.equal(factsOf([withdrawn, closed]).withdrawn, true, 'closed after the withdrawal: still withdrawn');
});
