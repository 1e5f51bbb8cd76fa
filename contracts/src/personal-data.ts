import { z } from 'zod';
import { CommandDateSchema, LocalDateSchema, LocaleSchema, commandLine } from './primitives.js';

/** The victim's sex, as monitoring frameworks ask for it (optional: the victim may not say). */
export const SEXES = ['female', 'male', 'other'] as const;
/** Whether the victim was under 18 when the crime was committed (optional; else derived from the date of birth and `incidentOn` where both are known). */
const monitoringFields = {
  sex: z.enum(SEXES).optional(),
  childAtTimeOfCrime: z.boolean().optional(),
};
/**
 * The language the victim reads (a locale of the fund): letters are then also served in it. It
 * can point to the victim's ethnicity, so it is personal data like the rest: encrypted, never in
 * an event, log, read model or message in plaintext. Changed later with PreferredLanguageSet.
 */
const languageField = { preferredLanguage: LocaleSchema.optional() };

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
  ...monitoringFields,
  ...languageField,
}).strict();
export type PersonalData = z.infer<typeof PersonalDataSchema>;

/**
 * Personal data in a command: as PersonalDataSchema, with printable text and a date of birth from
 * 1900 (data stored before these bounds still reads through PersonalDataSchema). That a date of
 * birth is not in the future is the domain's rule: it knows the time.
 */
export const CommandPersonalDataSchema = z.object({
  fullName: commandLine(300),
  dateOfBirth: CommandDateSchema.optional(),
  contacts: z.object({
    email: z.email().optional(),
    phone: z.string().trim().min(3).max(40).regex(/^[0-9+()./ -]+$/, { message: 'digits, spaces and + ( ) . / - only' }).optional(),
  }).strict().optional(),
  address: commandLine(500).optional(),
  ...monitoringFields,
  ...languageField,
}).strict();

/** What PreferredLanguageSet carries encrypted: the victim's language, or none (letters in the scheme's only). */
export const PreferredLanguageSchema = z.object({ preferredLanguage: LocaleSchema.nullable() }).strict();
export type PreferredLanguage = z.infer<typeof PreferredLanguageSchema>;

/** Field names that hold personal data, for log redaction. */
export const PERSONAL_DATA_FIELDS = ['fullName', 'dateOfBirth', 'contacts', 'email', 'phone', 'address', 'sex', 'childAtTimeOfCrime', 'preferredLanguage', 'personalData', 'victim', 'payee', 'iban', 'domesticAccount'] as const;

/**
 * The pseudonym of a claim's victim, `vic-<claimId>`: what the events, the key store and the
 * erasure endpoint (`/victims/{victimRef}/erasure`) name the victim by, never their data.
 */
export const victimRefOf = (claimId: string): string => `vic-${claimId}`;
