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

/**
 * Every code a refusal of the domain can carry: the one list (the console words each one in every
 * language, and its test fails on a code without words). A new code is added here, or the compiler refuses it.
 */
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
  'personal-data-forbidden',
  'not-a-lawyer',
  'not-lead-lawyer',
  'not-assigned-assessor',
  // filing and the court track
  'already-filed', 'not-filed', 'birth-in-future', 'incident-in-future', 'date-in-future', 'head-not-claimed',
  'amounts-required', 'amounts-not-expected', 'no-ruling', 'already-final', 'final-before-ruling', 'no-award-to-enforce',
  'evidence-already-attached', 'document-already-attached', 'document-id-taken', 'unknown-document', 'letter-not-expected', 'zero-amount',
  // the fund track: application, assessment, approval, appeal
  'deadline-not-started', 'enforcement-not-failed', 'already-decided', 'approval-under-way', 'reasons-required',
  'reasons-not-expected', 'reason-required', 'above-claimed', 'not-eligible', 'nothing-to-award', 'below-paid',
  'decision-not-served', 'appeal-late', 'already-appealed', 'appeal-decision-differs', 'amount-required',
  'amount-not-expected', 'not-an-increase', 'not-a-reduction', 'on-hold-for-information', 'no-such-request',
  'request-closed', 'empty-answer', 'already-assigned', 'already-lead', 'already-co-counsel', 'not-co-counsel',
  'already-erased', 'personal-data-erased',
  // payouts, advances and payees
  'no-award', 'nothing-to-pay', 'due-date-not-future', 'due-date-too-far', 'advances-not-allowed', 'advance-above-limit',
  'advance-above-award', 'advance-cancelled', 'unknown-advance', 'unknown-instalment', 'already-disbursed', 'not-yet-due',
  'not-disbursed', 'last-payment', 'recovery-not-allowed', 'recovery-exceeds-paid', 'no-payee', 'payee-change-pending',
  'no-payee-change-pending', 'stale-payee-change',
  // fund years
  'no-budget', 'budget-exceeded', 'disbursement-exceeds-commitment', 'nothing-to-spread', 'already-spread',
  // payment runs and bank statements
  'already-prepared', 'empty-run', 'mixed-currencies', 'execution-in-past', 'duplicate-payment', 'payment-in-run',
  'payment-not-in-run', 'not-in-run', 'no-such-run', 'run-released', 'run-cancelled', 'run-changed', 'run-incomplete',
  'payment-run-not-released', 'no-fund-account', 'amount-differs', 'payment-returned', 'booked-twice',
  'already-imported', 'no-such-statement', 'no-such-entry', 'entry-matched', 'already-resolved',
] as const;

export type KnownDomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];
/** Every code is listed above: the compiler refuses a refusal whose code is not (the console words each one). */
export type DomainErrorCode = KnownDomainErrorCode;

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

export function isDomainError(e: unknown, code?: string): e is DomainError {
  return e instanceof DomainError && (code === undefined || e.code === code);
}

/** A DomainError as the services answer it: 403 for an authorization refusal, 409 for a rule's, with its facts (`details`). */
export function domainErrorProblem(error: unknown): ErrorProblem | undefined {
  if (!isDomainError(error)) return undefined;
  const forbidden = error.kind === 'authorization';
  return {
    type: problemType(error.code), title: forbidden ? 'Forbidden' : 'Conflict', status: forbidden ? 403 : 409, detail: error.message, code: error.code,
    ...(Object.keys(error.details).length > 0 ? { details: { ...error.details } } : {}),
  };
}

/** Refuses a command by a rule of the domain (HTTP 409): the one way the deciders say no. */
export function refuse(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, { details });
}

/**
 * The rules of the four-eyes family, each by the step the actor took part in (`details.rule` of a
 * `four-eyes` or `already-approved` refusal: the code stays the family's, the rule says which one,
 * and the console words each rule). The English sentence of each has its one home here.
 */
export const FOUR_EYES_RULES = {
  'assessor-approves': { code: 'four-eyes', message: 'The person who assessed a claim cannot approve it: a second person must check the assessment.' },
  'assessor-rejects': { code: 'four-eyes', message: 'The person who assessed a claim cannot reject it: a second person must check the assessment.' },
  'assessor-decides-appeal': { code: 'four-eyes', message: 'The person who assessed a claim cannot decide its appeal.' },
  'approver-assesses': { code: 'four-eyes', message: 'A person who approved a decision on a claim cannot become its assessor.' },
  'approver-pays-award': { code: 'four-eyes', message: 'A person who approved an award cannot also pay it out.' },
  'approver-pays-advance': { code: 'four-eyes', message: 'The approver of an advance cannot pay it out.' },
  'requester-confirms-payee': { code: 'four-eyes', message: 'The person who asked for a change of payee cannot confirm it: a second person must check it.' },
  'approver-confirms-payee': { code: 'four-eyes', message: 'An approver of the claim\'s award cannot also confirm where its money goes.' },
  'preparer-releases-run': { code: 'four-eyes', message: 'Who prepared a payment run cannot release it: a second finance officer checks it.' },
  'approver-releases-run': { code: 'four-eyes', message: 'An approver of an award paid by the run cannot release it.' },
  'approves-award-twice': { code: 'already-approved', message: 'You have already approved this award; a second approval must come from another approver.' },
  'approves-appeal-twice': { code: 'already-approved', message: 'You have already approved this appeal decision; a second approver is needed.' },
} as const satisfies Record<string, { code: DomainErrorCode; message: string }>;

export type FourEyesRule = keyof typeof FOUR_EYES_RULES;

/**
 * A refusal of who acts, not of what the state allows (HTTP 403), by the four-eyes rule it names;
 * `facts` (an advance's or a payee change's number) go into its details beside the rule.
 */
export function fourEyesError(rule: FourEyesRule, facts: Record<string, string | number> = {}): DomainError {
  const { code, message } = FOUR_EYES_RULES[rule];
  return new DomainError(code, message, { kind: 'authorization', details: { rule, ...facts } });
}
