/**
 * Sex, and whether the victim was a child when the crime was committed, for the published counts.
 *
 * Both are personal data: a lawyer gives them (optionally) in the victim's encrypted personal
 * data, never in an event's plaintext. Monitoring decrypts each claim's envelope with the key
 * store, as a personal-data read does, and keeps nothing of it but the column it counts the claim
 * in while a table is computed: the answer holds counts only, and no person is shown the data (so
 * no `PersonalDataAccessed` is recorded: nothing was disclosed). A victim whose data was erased
 * (crypto-shredding: the key is gone, `PersonalDataErased` in the claim) counts as `unknown`,
 * at once and in every rebuild; so does data that cannot be read (no key in this key store).
 *
 * A child: `childAtTimeOfCrime` when given, else under 18 on `incidentOn` by the date of birth,
 * else unknown.
 */
import { PersonalDataSchema, SEXES } from '@cfund/contracts';
import { EncryptedPersonalDataSchema } from '@cfund/contracts';
import { isErased } from '@cfund/eventstore';
import { type ProtectorKeys, openReadProtector } from '../personal-data/access.js';
import type { CohortClaim } from '../queries/monitoring.js';

export const SEX_COLUMNS = [...SEXES, 'unknown'] as const;
export type SexColumn = (typeof SEX_COLUMNS)[number];
export const AGE_COLUMNS = ['child', 'adult', 'unknown'] as const;
export type AgeColumn = (typeof AGE_COLUMNS)[number];

export interface VictimProfile { sex: SexColumn; age: AgeColumn }
const UNKNOWN: VictimProfile = { sex: 'unknown', age: 'unknown' };

/** The columns of one victim's decrypted data (validated by the contracts' schema; anything else: unknown). */
export function profileOf(data: unknown, incidentOn: string | null): VictimProfile {
  const parsed = PersonalDataSchema.safeParse(data);
  if (!parsed.success) return UNKNOWN;
  const { sex, childAtTimeOfCrime, dateOfBirth } = parsed.data;
  let age: AgeColumn = 'unknown';
  if (childAtTimeOfCrime !== undefined) age = childAtTimeOfCrime ? 'child' : 'adult';
  else if (dateOfBirth && incidentOn) age = `${Number(dateOfBirth.slice(0, 4)) + 18}${dateOfBirth.slice(4)}` > incidentOn ? 'child' : 'adult';
  return { sex: sex ?? 'unknown', age };
}

/**
 * Decrypts the claims' personal data for their profiles (the key store and master key of
 * personal-data reads). A victim's data never changes once filed, so each profile is decrypted
 * once per process and kept (the two columns only, never the data): tables computed again after
 * a change of the read model decrypt only the claims filed since. An erasure wins over what is kept.
 */
export class VictimProfiles {
  private readonly known = new Map<string, VictimProfile>();
  /** Envelopes decrypted so far (for tests and metrics). */
  decrypted = 0;

  constructor(private readonly keys: ProtectorKeys) {}

  async of(claims: readonly CohortClaim[]): Promise<VictimProfile[]> {
    if (claims.length === 0) return [];
    const protector = await openReadProtector(this.keys);
    const out: VictimProfile[] = [];
    for (const c of claims) {
      if (c.d.personalDataErased || !c.victimRef || !c.personalData) {
        if (c.victimRef) this.known.delete(c.victimRef);
        out.push(UNKNOWN);
        continue;
      }
      const kept = this.known.get(c.victimRef);
      if (kept) { out.push(kept); continue; }
      const envelope = EncryptedPersonalDataSchema.safeParse(JSON.parse(c.personalData));
      if (!envelope.success) { out.push(UNKNOWN); continue; }
      this.decrypted += 1;
      const value = await protector.decryptPersonalData(c.victimRef, envelope.data).catch(() => undefined);
      const profile = value === undefined || isErased(value) ? UNKNOWN : profileOf(value, c.d.incidentOn);
      if (value !== undefined && !isErased(value)) this.known.set(c.victimRef, profile);
      out.push(profile);
    }
    return out;
  }
}
