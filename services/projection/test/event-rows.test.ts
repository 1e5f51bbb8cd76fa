/** The history and personal-data reads read models, pure: given an event, then its row. */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { StoredEvent } from '@cfund/messaging';
import { shownMetadata } from '../src/envelope.ts';
import { historyRow, personalDataReadRow } from '../src/index.ts';

const claimId = randomUUID();
const stored = (streamId: string, type: string, data: Record<string, unknown>, metadata: Record<string, unknown>): StoredEvent => ({
  streamId, revision: 3, eventId: randomUUID(), type, data: { schemaVersion: 1, ...data }, metadata, created: '2026-02-01T10:00:05.000Z',
} as StoredEvent);

t.test('given a claim event, then its history row: when it happened, when it was recorded, who, its hashes, its data as stored', async (t) => {
  const e = stored(`claim-${claimId}`, 'EvidenceAttached', {}, { actor: 'lawyer-1', occurredAt: '2026-02-01T10:00:00.000Z', hash: 'h1', prevHash: 'h0' });
  t.same(historyRow(claimId, e, shownMetadata(e.metadata)),
    [claimId, 3, e.eventId, 'EvidenceAttached', '2026-02-01T10:00:00.000Z', '2026-02-01T10:00:05.000Z', 'lawyer-1', 'h1', 'h0', '{"schemaVersion":1}']);
  const bare = stored(`claim-${claimId}`, 'EvidenceAttached', {}, {});
  t.same(historyRow(claimId, bare, shownMetadata(bare.metadata)).slice(4), ['2026-02-01T10:00:05.000Z', '2026-02-01T10:00:05.000Z', null, null, null, '{"schemaVersion":1}'],
    'without metadata: the store\'s time, nobody named');
});

t.test('given a read of personal data, then one row for the auditors; any other event gives none', async (t) => {
  const read = stored(`access-${claimId}`, 'PersonalDataAccessed', {
    claimId, victimRef: 'vic-1', accessedBy: 'assessor-1', roles: ['fund-assessor'], accessedAt: '2026-02-01T10:00:00.000Z', purpose: 'claim-personal-data',
  }, {});
  t.same(personalDataReadRow(read), [`access-${claimId}`, 3, claimId, 'vic-1', 'assessor-1', '["fund-assessor"]', '2026-02-01T10:00:00.000Z', 'claim-personal-data']);
  t.equal(personalDataReadRow(stored(`claim-${claimId}`, 'EvidenceAttached', {}, {})), undefined);
});
