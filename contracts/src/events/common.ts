import { z } from 'zod';

/** Personal data as stored: AES-256-GCM ciphertext under the victim's data key (never plaintext). */
export const EncryptedPersonalDataSchema = z.object({
  alg: z.literal('AES-256-GCM'),
  keyId: z.string().min(1),
  iv: z.base64(),
  ciphertext: z.base64(),
  tag: z.base64(),
}).strict();
export type EncryptedPersonalData = z.infer<typeof EncryptedPersonalDataSchema>;

/** Defines a version of an event: its type name, schema version and data schema. */
export function eventVersion<T extends string, V extends number, S extends z.ZodRawShape>(type: T, version: V, shape: S) {
  return {
    type,
    version,
    data: z.object({ schemaVersion: z.literal(version), ...shape }).strict(),
  };
}
