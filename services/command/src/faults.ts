/**
 * Fault injection, for crash tests only: named points between two writes where a test makes the
 * process die (CFUND_FAULT_INJECTION=kill-<point> SIGKILLs it there) or acts in between, to prove
 * that a crash at that point loses no acknowledged write and pays nothing twice.
 */
export const FAULT_POINTS = [
  /** An approval's fund commitment written, the award not yet appended. */
  'after-funds-committed',
  /** A claim command's events appended, the ledgers not yet settled to them (funds to release, payments to record). */
  'before-funds-settled',
  /** An upload's bytes stored, its DocumentAttached not yet appended. */
  'after-document-stored',
  /** A letter's bytes stored, the command that serves it not yet appended. */
  'after-letter-stored',
  /** A bank statement's first entry recorded on its claim, the rest and the statement not yet. */
  'during-statement-import',
  /** A prepared run written and its first payment queued, the others not yet. */
  'during-run-preparation',
  /** A run's release appended, the answer not yet sent. */
  'after-run-released',
] as const;

export type FaultPoint = typeof FAULT_POINTS[number];

/** Called at each fault point with what the point concerns (a claim id, a storage key, a run id). */
export type FaultAt = (point: FaultPoint, subject: string) => void | Promise<void>;

export const noFaults: FaultAt = () => {};

/** CFUND_FAULT_INJECTION's values: `kill-` and a point. */
export const FAULT_INJECTIONS = FAULT_POINTS.map((p) => `kill-${p}` as const);

/** The process SIGKILLs itself at the configured point (nothing when none is configured). */
export const killAt = (injection: string | undefined): FaultAt | undefined => (injection === undefined ? undefined : (point) => {
  if (injection === `kill-${point}`) process.kill(process.pid, 'SIGKILL');
});
