import { z } from 'zod';
import { LocalDateSchema } from './primitives.js';

/**
 * A victim's personal data as a lawyer submits it. It exists in plaintext only inside a request
 * and in memory: events, logs and messages carry it encrypted (see EncryptedPersonalData).
 */
export const PersonalDataSchema = z.object({
  fullName: z.string().trim().min(1).max(300),
  dateOfBirth: LocalDateSchema.optional(),
  contacts: z.object({
    email: z.email().optional(),
    phone: z.string().trim().min(3).max(40).optional(),
  }).strict().optional(),
  address: z.string().trim().min(1).max(500).optional(),
}).strict();
export type PersonalData = z.infer<typeof PersonalDataSchema>;

/** Field names that hold personal data, for log redaction. */
export const PERSONAL_DATA_FIELDS = ['fullName', 'dateOfBirth', 'contacts', 'email', 'phone', 'address', 'personalData', 'victim'] as const;
