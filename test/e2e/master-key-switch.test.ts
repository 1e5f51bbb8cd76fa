/**
 * A master-key rotation rolled out one instance at a time (docs/operations.md): every instance
 * first gets the new key as MASTER_KEY_NEXT; then each switches (MASTER_KEY the new key,
 * MASTER_KEY_PREVIOUS the old). Here the system stands in the middle of that: the first instance
 * of each service still on the old key with the next one, the second already switched, over one
 * key store in NATS. A victim filed through either command service is read and used through the
 * other, and each projection applies the events the relay signed, whichever key signed them.
 * Without the next phase, an instance still on the old key cannot read a switched one's victims.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { eventually } from '@cfund/test-support';
import { call, startSystem } from './system.ts';

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');

t.setTimeout(10 * 60_000);

t.test('instances half-way through a rolling switch of the master key read each other\'s victims', async (t) => {
  const system = await startSystem(t, {
    instances: 2, logLevel: 'warn',
    envOf: (_service, n): Record<string, string> => n === 1 ? { MASTER_KEY: oldKey, MASTER_KEY_NEXT: newKey } : { MASTER_KEY: newKey, MASTER_KEY_PREVIOUS: oldKey },
  });
  if ('skipped' in system) return t.plan(0, system.skipped);
  const [notYet, switched] = system.urls.command as [string, string];
  const lawyer = await system.token('lawyer-rs-1', 'lawyer', ['RS']);
  const assessor = await system.token('assessor-rs-1', 'fund-assessor', ['RS']);

  const file = async (through: string, name: string) => {
    const r = await call(through, 'POST', '/claims', lawyer, {
      jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: name, dateOfBirth: '1990-01-01' },
      formOfExploitation: 'labour', incidentOn: '2025-06-01', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 500_000, currency: 'RSD' } }],
    });
    t.equal(r.status, 201, `filed through the ${through === notYet ? 'instance on the old key' : 'switched instance'}`, { text: r.text });
    return (JSON.parse(r.text) as { claimId: string }).claimId;
  };
  const payee = { kind: 'victim', payee: { name: 'Jelena Petrović', iban: 'RS35 2600 0560 1001 6113 79', bic: 'AIKBRS22' } };

  const bySwitched = await file(switched, 'Milica Switched');
  const r1 = await call(notYet, 'POST', `/claims/${bySwitched}/payee`, lawyer, payee);
  t.equal(r1.status, 200, 'the instance still on the old key encrypts the payee with the victim key the switched one made', { text: r1.text });
  const byNotYet = await file(notYet, 'Milan NotYet');
  const r2 = await call(switched, 'POST', `/claims/${byNotYet}/payee`, lawyer, payee);
  t.equal(r2.status, 200, 'and the switched one with the key the old one made', { text: r2.text });

  // Both projections apply every event (whichever instance's relay signed it) and decrypt both victims.
  for (const [i, projection] of system.urls.projection.entries()) {
    for (const [claimId, name] of [[bySwitched, 'Milica Switched'], [byNotYet, 'Milan NotYet']] as const) {
      let seen = '';
      await eventually(`projection ${i + 1} reads ${name}`, async () => {
        const r = await call(projection, 'GET', `/claims/${claimId}/personal-data`, assessor);
        seen = r.text;
        return r.status === 200;
      }, 60_000).catch((error: Error) => t.fail(`${error.message}: ${seen}`));
      t.match(seen, name, `projection ${i + 1} (${i === 0 ? 'old key with the next' : 'switched'}) reads ${name}`);
    }
  }
});
