import { electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools';
import { z } from 'zod';
import { commandLine } from './primitives.js';
import { PAYEE_KINDS } from './values.js';

export { PAYEE_KINDS, type PayeeKind } from './values.js';

/**
 * A payee's details as stored, inside the encrypted envelope only (they identify a person and
 * their bank account): events, logs and messages carry the kind and a masked account, never these.
 */
export const PayeeDetailsSchema = z.object({
  name: z.string().min(1).max(200),
  iban: z.string().min(15).max(34).optional(),
  bic: z.string().min(8).max(11).optional(),
  // 40 as stored before the bank file's limit was applied to input (DOMESTIC_ACCOUNT_MAX): still read.
  domesticAccount: z.string().min(5).max(40).optional(),
  bankName: z.string().min(1).max(200).optional(),
}).strict();
export type PayeeDetails = z.infer<typeof PayeeDetailsSchema>;

/**
 * An IBAN as typed (spaces, lower case allowed), checked by `ibantools`: the country's length and
 * format of the account part, and the check digits. `payeeDetailsOf` stores its electronic form.
 * (No transform in the schema: the API documents its input, and zod drops the examples of a body
 * that transforms.)
 */
export const IbanSchema = z.string().trim().max(50)
  .refine((v) => isValidIBAN(electronicFormatIBAN(v) ?? ''), { message: 'not a valid IBAN: check the country code, the length and the check digits' });

export const BicSchema = z.string().trim()
  .refine((v) => isValidBIC(v.toUpperCase()), { message: 'not a valid BIC: 8 or 11 letters and digits (bank, country, location, branch)' });

/**
 * A domestic account number where no IBAN is used: digits with spaces or hyphens, as typed. At
 * most 34 characters: the bank file carries it in `Othr/Id`, which pain.001 limits to 34
 * (Max34Text); the region's domestic account numbers are 16 to 18 digits.
 */
export const DOMESTIC_ACCOUNT_MAX = 34;
export const DomesticAccountSchema = z.string().trim()
  .regex(/^[0-9][0-9 -]{3,32}[0-9]$/, { message: `digits, spaces and hyphens only, 5 to ${DOMESTIC_ACCOUNT_MAX} characters` });

/** The body of a payee command: who is paid and where. Exactly one of `iban` or `domesticAccount`. */
export const CommandPayeeSchema = z.object({
  kind: z.enum(PAYEE_KINDS),
  payee: z.object({
    name: commandLine(200),
    iban: IbanSchema.optional(),
    bic: BicSchema.optional(),
    domesticAccount: DomesticAccountSchema.optional(),
    bankName: commandLine(200).optional(),
  }).strict()
    .refine((p) => (p.iban === undefined) !== (p.domesticAccount === undefined), {
      path: ['iban'], message: 'give exactly one of iban or domesticAccount',
    })
    .refine((p) => p.domesticAccount === undefined || p.bankName !== undefined, {
      path: ['bankName'], message: 'a domestic account needs the name of its bank',
    }),
}).strict();
export type CommandPayee = z.output<typeof CommandPayeeSchema>;

/** The details to store from a valid command body: the IBAN in electronic form, the BIC in capitals. */
export function payeeDetailsOf(payee: CommandPayee['payee']): PayeeDetails {
  return {
    name: payee.name,
    ...(payee.iban === undefined ? {} : { iban: electronicFormatIBAN(payee.iban) ?? payee.iban }),
    ...(payee.bic === undefined ? {} : { bic: payee.bic.toUpperCase() }),
    ...(payee.domesticAccount === undefined ? {} : { domesticAccount: payee.domesticAccount }),
    ...(payee.bankName === undefined ? {} : { bankName: payee.bankName }),
  };
}

/**
 * What of an account may be kept in plain sight (the financial trail, the read models, a
 * payment screen): the IBAN's country and check digits and its last four characters, or the
 * last four digits of a domestic account. Not enough to pay anyone, enough to tell accounts apart.
 */
export function maskAccount(details: Pick<PayeeDetails, 'iban' | 'domesticAccount'>): string {
  if (details.iban) return `${details.iban.slice(0, 4)} **** ${details.iban.slice(-4)}`;
  const digits = (details.domesticAccount ?? '').replace(/[^0-9]/g, '');
  return `**** ${digits.slice(-4)}`;
}

/** A masked account as `maskAccount` writes it, for the event schema. */
export const MaskedAccountSchema = z.string().regex(/^([A-Z]{2}[0-9]{2} )?\*\*\*\* [0-9A-Z]{4}$/);
