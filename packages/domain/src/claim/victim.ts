import type { Jurisdiction, PersonalData } from '@cfund/contracts';
import { localDateOf } from '../deadlines.js';
import { DomainError } from '../errors.js';
import { schemeAt } from '../schemes/index.js';

/**
 * Rules on a victim's personal data. The claim decider only ever sees that data encrypted, so the
 * service applies these to the plaintext before encrypting it. `at` is the filing instant.
 */
export function checkVictimData(victim: Pick<PersonalData, 'dateOfBirth'>, jurisdiction: Jurisdiction, at: string): void {
  if (victim.dateOfBirth === undefined) return;
  const filedOn = localDateOf(at, schemeAt(jurisdiction, at).timeZone);
  if (victim.dateOfBirth > filedOn) {
    // The date itself is personal data: it stays out of the refusal.
    throw new DomainError('birth-in-future', 'The date of birth cannot be after the filing date.', { details: { field: 'victim.dateOfBirth', filedOn } });
  }
}
