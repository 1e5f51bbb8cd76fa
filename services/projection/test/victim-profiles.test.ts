import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyStore, PersonalDataProtector } from '@cfund/eventstore';
import { VictimProfiles } from '../src/monitoring/victim-profiles.ts';
import type { CohortClaim } from '../src/queries/monitoring.ts';

// A victim's data never changes once filed: monitoring decrypts each victim once per process, and an erasure wins over what it kept.
t.test('each victim is decrypted once; an erased one counts as unknown', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-profiles-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const keyStore = await FileKeyStore.open(dir);
  const masterKey = randomBytes(32);
  const protector = await PersonalDataProtector.open({ keyStore, masterKey });
  const claim = async (ref: string, data: Record<string, unknown>, erased = false): Promise<CohortClaim> => ({
    d: { personalDataErased: erased, incidentOn: '2024-05-01' }, victimRef: ref,
    personalData: JSON.stringify(await protector.encryptPersonalData(ref, { fullName: 'Someone', ...data })),
  }) as unknown as CohortClaim;
  const a = await claim('vic-a', { sex: 'female', childAtTimeOfCrime: true });
  const b = await claim('vic-b', { sex: 'male', dateOfBirth: '1990-01-01' });
  const profiles = new VictimProfiles({ keyStore, masterKey });
  t.same(await profiles.of([a, b]), [{ sex: 'female', age: 'child' }, { sex: 'male', age: 'adult' }]);
  t.equal(profiles.decrypted, 2);
  t.same(await profiles.of([a, b, await claim('vic-c', {})]), [{ sex: 'female', age: 'child' }, { sex: 'male', age: 'adult' }, { sex: 'unknown', age: 'unknown' }]);
  t.equal(profiles.decrypted, 3, 'only the new victim was decrypted');
  t.same(await profiles.of([{ ...a, d: { ...a.d, personalDataErased: true } } as CohortClaim]), [{ sex: 'unknown', age: 'unknown' }], 'an erasure wins over what was kept');
  t.same(await profiles.of([a]), [{ sex: 'female', age: 'child' }], 'read again while the key is still there');
  t.equal(profiles.decrypted, 4, 'after an erasure nothing is kept of the victim');
});
