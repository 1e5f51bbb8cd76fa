/**
 * The one error type of the domain. A refusal names the rule that refused: a stable, kebab-case
 * `code` (clients and tests match on it, it never changes once published) and a sentence a
 * lawyer understands (`message`, free to be reworded).
 *
 * `kind` tells a service how to answer: `authorization` (the caller may not do this: HTTP 403)
 * or `rule` (a business rule refuses the command in the claim's current state: HTTP 409);
 * `domainErrorProblem` is that answer.
 */
import { problemType, type ErrorProblem } from '@cfund/contracts';

/** Codes used by this package; the claim and ledger deciders may add their own (kebab-case). */
export const DOMAIN_ERROR_CODES = [
  // money
  'currency-mismatch',
  'negative-amount',
  'amount-out-of-range',
  'invalid-amount',
  'invalid-split',
  'invalid-rate',
  // schemes and deadlines
  'no-scheme-in-force',
  'unknown-scheme',
  'invalid-scheme',
  'invalid-date',
  // claim rules (used by the claim decider)
  'late-filing',
  'above-cap',
  'not-allowed-in-state',
  // authorization
  'forbidden-role',
  'wrong-jurisdiction',
  'not-your-claim',
  'four-eyes',
  'already-approved',
  'auditor-read-only',
  'aggregates-only',
] as const;

export type KnownDomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];
/** A known code, or another kebab-case code a decider defines (`string & {}` keeps autocompletion). */
export type DomainErrorCode = KnownDomainErrorCode | (string & {});

export type DomainErrorKind = 'rule' | 'authorization';

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: DomainErrorCode;
  readonly kind: DomainErrorKind;
  /** Structured facts behind the refusal (a deadline, a cap, an amount); never personal data. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: DomainErrorCode,
    message: string,
    options: { kind?: DomainErrorKind; details?: Record<string, unknown> } = {},
  ) {
    if (!KEBAB.test(code)) throw new TypeError(`DomainError code must be kebab-case, got "${code}"`);
    if (message.trim() === '') throw new TypeError('DomainError needs a message');
    super(message);
    this.code = code;
    this.kind = options.kind ?? 'rule';
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): { code: string; kind: DomainErrorKind; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, kind: this.kind, message: this.message, details: this.details };
  }
}

export function isDomainError(e: unknown, code?: DomainErrorCode): e is DomainError {
  return e instanceof DomainError && (code === undefined || e.code === code);
}

/** A DomainError as the services answer it: 403 for an authorization refusal, 409 for a rule's. */
export function domainErrorProblem(error: unknown): ErrorProblem | undefined {
  if (!isDomainError(error)) return undefined;
  const forbidden = error.kind === 'authorization';
  return {
    type: problemType(error.code), title: forbidden ? 'Forbidden' : 'Conflict', status: forbidden ? 403 : 409, detail: error.message, code: error.code,
  };
}

/** Refuses a command by a rule of the domain (HTTP 409): the one way the deciders say no. */
export function refuse(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, { details });
}

/** A refusal of who acts, not of what the state allows (HTTP 403): the four-eyes rule. */
export const fourEyesError = (message: string): DomainError => new DomainError('four-eyes', message, { kind: 'authorization' });
