import { z } from 'zod';
import { ClaimIdSchema, InstantSchema, RoleSchema } from '../primitives.js';
import { eventVersion } from './common.js';

/**
 * Reads of a victim's personal data by a person (stream `access-<claimId>`): the design asks that
 * every such read is itself recorded, so that auditors can list who saw whose data. The event
 * names the reader and the victim reference, never the data that was seen.
 */
export const PersonalDataAccessed = eventVersion('PersonalDataAccessed', 1, {
  claimId: ClaimIdSchema,
  victimRef: z.string().trim().min(1).max(100),
  /** `sub` of the reader's token. */
  accessedBy: z.string().trim().min(1).max(200),
  /** The roles of the token the data was disclosed under. */
  roles: z.array(RoleSchema).min(1),
  accessedAt: InstantSchema,
  /** What was read (the endpoint's purpose), e.g. `claim-personal-data`. */
  purpose: z.string().trim().min(1).max(100),
});

export const ACCESS_EVENTS = [PersonalDataAccessed] as const;
