/**
 * The actions the claim page offers, by role and by the claim's status. Only a convenience: the
 * command service decides (a role, four-eyes, a status, a date), and its refusal is shown beside
 * the action. Bodies are checked with the command service's own schemas (CommandBodies).
 */
import { canSpreadCommitments } from '@cfund/domain';
import { APPEAL_OUTCOMES, ENFORCEMENT_FAILURE_REASONS, EVIDENCE_KINDS, PAYEE_KINDS, RULING_OUTCOMES, type CommandName } from '@cfund/contracts';
import type { Principal } from '../api.ts';
import { LOCALE_LABELS, LOCALES, type Locale, type MessageKey } from '../i18n/locales.ts';

/**
 * How a field is typed and turned into the body: `lines` is a list, one item a line; `instant` a
 * local date and time sent as an ISO instant; `money` and `heads` are typed in major units;
 * `digest` is a file chosen in the browser, sent as its SHA-256 only; `checks` a list of the options ticked.
 */
export type FieldKind = 'text' | 'textarea' | 'lines' | 'date' | 'instant' | 'money' | 'heads' | 'count' | 'choice' | 'flag' | 'digest' | 'checks';

export interface ActionField {
  /** The body's property; `a.b` is property `b` of the body's object `a`. */
  name: string;
  kind: FieldKind;
  label: MessageKey;
  /** `choice`: the values, worded by `${optionWords}.${value}`. */
  options?: readonly string[];
  optionWords?: string;
  /** `choice`, `checks`: the options' words already made (documents, people); else the option itself. */
  optionText?: Record<string, string>;
  /** `choice`: the option sent as null (clearing the value); the others are sent as they are. */
  nullOption?: string;
  /** `choice`: the options that are locales are each worded in their own language (marked with `lang`). */
  languages?: boolean;
  initial?: string | boolean;
}

export interface ClaimAction {
  /** Unique on the page: the path under /claims/{id}/. */
  path: string;
  command: CommandName;
  title: MessageKey;
  titleValues?: Record<string, string | number>;
  submit: MessageKey;
  fields: ActionField[];
  /** Parts of the body the console does not ask for. */
  fixed?: Record<string, unknown>;
  /** `award`: the form previews the net award the decider will compute. */
  preview?: 'award';
  /** What to say of the schema's own rule across fields (a refine: "this or that"). */
  customError?: MessageKey;
  /** Sends nothing while every field holds its initial value: that value is the one recorded already. */
  onlyChanges?: boolean;
}

/** What the claim page knows of a claim to choose its actions. */
export interface ClaimForActions {
  status: string;
  fund: {
    instalments: { number: number; dueOn: string; status: string }[]; extension: string | null;
    /** For the spread's rule (canSpreadCommitments of @cfund/domain): the award's fund year, and whether its money is spread by year already. */
    fundYear: number | null; commitmentsSpreadByYear: boolean;
  };
  /** What the claim page judges from the claim's deadlines (in the scheme's time zone) and its scheme. */
  applicationOverdue: boolean;
  /** Rejected, served, not appealed, and the appeal period is over. */
  rejectionFinal: boolean;
  scheme: { advances: boolean; recovery: boolean };
  /** A change of payee awaiting a second person's confirmation. */
  payee?: { pending: { change: number } | null };
  /** Who acts on it (`sub`s): the lead lawyer and co-counsel, the assessor of record. */
  lawyers?: { lead: string | null; coCounsel: string[] };
  assessor?: string | null;
  informationRequests?: { request: number; status: string }[];
  /** Its documents, worded for a choice (kind and date): an answer to a request may name them. */
  documentChoices?: Record<string, string>;
  /** Erased by the data-protection officer: nothing more is recorded for the victim. */
  personalData?: { erased: boolean };
  /** The victim's language in force (null: none), once the user has shown the personal data; else unknown. */
  preferredLanguage?: Locale | null;
}

const text = (name: string, label: MessageKey): ActionField => ({ name, kind: 'text', label });
const date = (name: string, label: MessageKey): ActionField => ({ name, kind: 'date', label });

/** The statuses in which the domain takes new facts of the court track (an offender's payment). */
const ACTIVE = ['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed', 'scheduled', 'paid'];
/** Until it is assessed for good: its assessor may change, and information may be requested. */
const ASSESSABLE = ['filed', 'applied', 'assessed'];
/** Those from which a claim may be withdrawn: not once its payout is scheduled. */
const WITHDRAWABLE = ['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed'];

const COURT_TRACK: ClaimAction[] = [
  {
    path: 'criminal-proceedings', command: 'recordCriminalProceedings', title: 'action.criminalProceedings', submit: 'action.record',
    fields: [text('court', 'field.court'), text('caseNumber', 'field.caseNumber')],
  },
  {
    path: 'court-rulings', command: 'recordCourtRuling', title: 'action.courtRuling', submit: 'action.record',
    fields: [
      text('court', 'field.court'), text('caseNumber', 'field.caseNumber'), date('decidedOn', 'field.decidedOn'),
      { name: 'outcome', kind: 'choice', label: 'field.outcome', options: RULING_OUTCOMES, optionWords: 'outcome', initial: RULING_OUTCOMES[0] },
      { name: 'amounts', kind: 'heads', label: 'field.amountsAwarded' },
    ],
  },
  { path: 'ruling-finality', command: 'recordRulingFinality', title: 'action.rulingFinality', submit: 'action.record', fields: [date('finalOn', 'field.finalOn')] },
  {
    path: 'enforcement-failures', command: 'recordEnforcementFailure', title: 'action.enforcementFailure', submit: 'action.record',
    fields: [
      { name: 'reason', kind: 'choice', label: 'field.enforcementReason', options: ENFORCEMENT_FAILURE_REASONS, optionWords: 'enforcement', initial: ENFORCEMENT_FAILURE_REASONS[0] },
      { name: 'amountOutstanding', kind: 'money', label: 'field.amountOutstanding' },
      date('recordedOn', 'field.recordedOn'),
    ],
  },
  // Compensation from other sources is declared to the assessor; the console does not ask for it yet.
  { path: 'fund-application', command: 'submitFundApplication', title: 'action.fundApplication', submit: 'action.apply', fields: [], fixed: { otherCompensationDeclared: [] } },
];

/** The document stays with the lawyer (or in the document store): the claim records its id and digest. */
const EVIDENCE: ClaimAction = {
  path: 'evidence', command: 'attachEvidence', title: 'action.evidence', submit: 'action.attach',
  fields: [
    { name: 'kind', kind: 'choice', label: 'field.evidenceKind', options: EVIDENCE_KINDS, optionWords: 'evidence', initial: EVIDENCE_KINDS[0] },
    text('title', 'field.documentTitle'), text('documentId', 'field.documentId'), { name: 'sha256', kind: 'digest', label: 'field.document' },
  ],
};

const OFFENDER_PAYMENT: ClaimAction = {
  path: 'offender-payments', command: 'recordOffenderPayment', title: 'action.offenderPayment', submit: 'action.record',
  fields: [{ name: 'amount', kind: 'money', label: 'field.offenderAmount' }, date('receivedOn', 'field.receivedOn')],
};

const APPEAL: ClaimAction = {
  path: 'appeals', command: 'appealDecision', title: 'action.appeal', submit: 'action.appealSubmit',
  fields: [{ name: 'grounds', kind: 'textarea', label: 'field.grounds' }],
};

const WITHDRAWAL: ClaimAction = {
  path: 'withdrawal', command: 'withdrawClaim', title: 'action.withdrawal', submit: 'action.withdraw',
  fields: [{ name: 'reason', kind: 'textarea', label: 'field.withdrawReason' }],
};

const REOPENING: ClaimAction = {
  path: 'reopening', command: 'reopenClaim', title: 'action.reopening', submit: 'action.reopen',
  fields: [{ name: 'reason', kind: 'textarea', label: 'field.reopenReason' }],
};

const EXTENSION: ClaimAction = {
  path: 'late-filing-extension', command: 'decideLateFilingExtension', title: 'action.lateFilingExtension', submit: 'action.decide',
  fields: [
    { name: 'decision', kind: 'choice', label: 'field.extensionDecision', options: ['granted', 'refused'], optionWords: 'extension', initial: 'granted' },
    { name: 'reason', kind: 'textarea', label: 'field.extensionReason' },
  ],
};

const APPEAL_DECISION: ClaimAction = {
  path: 'appeal-decision', command: 'decideAppeal', title: 'action.appealDecision', submit: 'action.decide',
  fields: [
    { name: 'outcome', kind: 'choice', label: 'field.appealOutcome', options: APPEAL_OUTCOMES, optionWords: 'appealOutcome', initial: APPEAL_OUTCOMES[0] },
    date('decidedOn', 'field.decidedOn'), { name: 'netAward', kind: 'money', label: 'field.netAward' },
  ],
};

/** An assessor takes a claim no assessor holds (the command service refuses one another holds). */
const TAKE: ClaimAction = { path: 'take', command: 'takeClaim', title: 'action.take', submit: 'action.takeSubmit', fields: [] };

const ASSESSMENT: ClaimAction = {
  path: 'assessment', command: 'assessClaim', title: 'action.assessment', submit: 'action.assess',
  fields: [
    { name: 'eligible', kind: 'flag', label: 'field.eligible', initial: true },
    { name: 'ineligibilityReasons', kind: 'lines', label: 'field.ineligibilityReasons' },
    { name: 'assessedAmounts', kind: 'heads', label: 'field.assessedAmounts' },
  ],
  fixed: { deductions: [] },
  preview: 'award',
};

const DECISION: ClaimAction[] = [
  { path: 'approvals', command: 'approveAward', title: 'action.approval', submit: 'action.approve', fields: [] },
  {
    path: 'rejection', command: 'rejectAward', title: 'action.rejection', submit: 'action.reject',
    fields: [{ name: 'reasons', kind: 'lines', label: 'field.rejectionReasons' }, { name: 'appealInstructions', kind: 'textarea', label: 'field.appealInstructions' }],
  },
];

const NOTICE: ClaimAction = {
  path: 'decision-notice', command: 'notifyDecision', title: 'action.decisionNotice', submit: 'action.record',
  fields: [{ name: 'servedAt', kind: 'instant', label: 'field.servedAt' }],
};

const SCHEDULE: ClaimAction = {
  path: 'payout-schedule', command: 'schedulePayout', title: 'action.payoutSchedule', submit: 'action.schedule',
  fields: [
    { name: 'instalments', kind: 'count', label: 'field.instalments', initial: '1' }, date('firstDueOn', 'field.firstDueOn'),
    { name: 'intervalMonths', kind: 'count', label: 'field.intervalMonths', initial: '1' },
  ],
};

const disbursement = (n: number): ClaimAction => ({
  path: `payouts/${n}/disbursement`, command: 'disbursePayout', title: 'action.disbursement', titleValues: { instalment: n }, submit: 'action.disburse',
  fields: [text('paymentReference', 'field.paymentReference'), { name: 'earlyPayment', kind: 'flag', label: 'field.earlyPayment', initial: false }],
});

const ADVANCE: ClaimAction = {
  path: 'advance-payments', command: 'approveAdvancePayment', title: 'action.advance', submit: 'action.approve',
  fields: [{ name: 'amount', kind: 'money', label: 'field.advanceAmount' }, { name: 'reason', kind: 'textarea', label: 'field.advanceReason' }],
};

const payoutFailure = (n: number): ClaimAction => ({
  path: `payouts/${n}/failure`, command: 'recordPayoutFailure', title: 'action.payoutFailure', titleValues: { instalment: n }, submit: 'action.record',
  fields: [{ name: 'reason', kind: 'textarea', label: 'field.failureReason' }],
});

const RECOVERY: ClaimAction = {
  path: 'recoveries', command: 'recordRecovery', title: 'action.recovery', submit: 'action.record',
  fields: [{ name: 'amount', kind: 'money', label: 'field.recoveredAmount' }, date('recordedOn', 'field.recordedOn')],
};

/** Who is paid: an IBAN, or a domestic account with its bank (the API checks the IBAN's check digits too). */
const PAYEE: ClaimAction = {
  path: 'payee', command: 'setPayee', title: 'action.payee', submit: 'action.save',
  fields: [
    { name: 'kind', kind: 'choice', label: 'field.payeeKind', options: PAYEE_KINDS, optionWords: 'payeeKind', initial: PAYEE_KINDS[0] },
    text('payee.name', 'field.payeeName'), text('payee.iban', 'field.iban'), text('payee.bic', 'field.bic'),
    text('payee.domesticAccount', 'field.domesticAccount'), text('payee.bankName', 'field.bankName'),
  ],
};

const payeeConfirmation = (change: number): ClaimAction => ({
  path: 'payee-confirmation', command: 'confirmPayeeChange', title: 'action.payeeConfirmation', submit: 'action.confirm', fields: [], fixed: { change },
});

const payeeRejection = (change: number): ClaimAction => ({
  path: 'payee-rejection', command: 'rejectPayeeChange', title: 'action.payeeRejection', submit: 'action.reject',
  fields: [{ name: 'reason', kind: 'textarea', label: 'field.payeeRejectReason' }], fixed: { change },
});

/** An assessor asks the claim's lawyers; the due date is a local date, or working days from today. */
const REQUEST_INFORMATION: ClaimAction = {
  path: 'information-requests', command: 'requestInformation', title: 'action.requestInformation', submit: 'action.ask',
  fields: [
    { name: 'question', kind: 'textarea', label: 'field.question' }, date('dueOn', 'field.dueOn'),
    { name: 'dueInWorkingDays', kind: 'count', label: 'field.dueInWorkingDays' },
  ],
  customError: 'error.dueEither',
};

const withdrawRequest = (n: number): ClaimAction => ({
  path: `information-requests/${n}/withdrawal`, command: 'withdrawInformationRequest', title: 'action.withdrawRequest', titleValues: { request: n },
  submit: 'action.withdrawRequestSubmit', fields: [],
});

const answerRequest = (n: number, documents: Record<string, string>): ClaimAction => ({
  path: `information-requests/${n}/answer`, command: 'answerInformationRequest', title: 'action.answerRequest', titleValues: { request: n },
  submit: 'action.answerSubmit', customError: 'error.answerEmpty',
  fields: [
    { name: 'answer', kind: 'textarea', label: 'field.answer' },
    ...(Object.keys(documents).length > 0 ? [{ name: 'documentIds', kind: 'checks' as const, label: 'field.answerDocuments' as const, options: Object.keys(documents), optionText: documents }] : []),
  ],
});

const ADD_CO_COUNSEL: ClaimAction = {
  path: 'co-counsel', command: 'addCoCounsel', title: 'action.addCoCounsel', submit: 'action.add', fields: [text('lawyer', 'field.lawyer')],
};

const removeCoCounsel = (coCounsel: string[]): ClaimAction => ({
  path: 'co-counsel-removal', command: 'removeCoCounsel', title: 'action.removeCoCounsel', submit: 'action.remove',
  fields: [{ name: 'lawyer', kind: 'choice', label: 'field.coCounsel', options: coCounsel, initial: coCounsel[0] }],
});

const HAND_OVER: ClaimAction = {
  path: 'hand-over', command: 'handOverClaim', title: 'action.handOver', submit: 'action.handOverSubmit',
  fields: [text('to', 'field.handOverTo'), { name: 'reason', kind: 'textarea', label: 'field.handOverReason' }],
};

const ASSIGN_ASSESSOR: ClaimAction = {
  path: 'assessor', command: 'assignAssessor', title: 'action.assignAssessor', submit: 'action.assign', fields: [text('assessor', 'field.assessor')],
};

const CLOSURE: ClaimAction = {
  path: 'closure', command: 'closeClaim', title: 'action.closure', submit: 'action.close',
  fields: [{ name: 'reason', kind: 'textarea', label: 'field.closeReason' }],
};

/**
 * The victim's language, for copies of the letters: each locale named in its own language, or
 * none (the scheme's language only). Personal data: sent in the body only, kept in no URL or storage.
 * `recorded`: the one in force, known once the user has shown the personal data (a recorded read;
 * null: none). The form starts on it, and saving it unchanged sends nothing. Not read yet: the form
 * starts on "unchanged" (KEEP_LANGUAGE), which sends nothing either.
 */
export const KEEP_LANGUAGE = 'keep';
const preferredLanguage = (recorded: Locale | null | undefined): ClaimAction => ({
  path: 'preferred-language', command: 'setPreferredLanguage', title: 'action.preferredLanguage', submit: 'action.save', onlyChanges: true,
  fields: [{
    name: 'preferredLanguage', kind: 'choice', label: 'field.preferredLanguage',
    options: recorded === undefined ? [KEEP_LANGUAGE, 'none', ...LOCALES] : ['none', ...LOCALES],
    optionText: LOCALE_LABELS, optionWords: 'preferredLanguage', nullOption: 'none', languages: true,
    initial: recorded === undefined ? KEEP_LANGUAGE : recorded ?? 'none',
  }],
});

/**
 * An old schedule's later instalments committed in the years they fall due in: offered only when
 * the domain's rule says it can succeed (canSpreadCommitments: not spread yet, an instalment not
 * paid falls due after the award's year); a year's budget can still refuse it.
 */
const SPREAD: ClaimAction = {
  path: 'commitments-by-year', command: 'spreadCommitmentsByYear', title: 'action.spreadCommitments', submit: 'action.spread',
  fields: [{ name: 'reason', kind: 'textarea', label: 'field.spreadReason' }],
};

/** The actions `p` may be offered on `claim` now (the statuses in which the domain takes them). */
export function actionsFor(p: Principal, claim: ClaimForActions): ClaimAction[] {
  const has = (role: string) => p.roles.includes(role);
  const s = claim.status;
  const actions: ClaimAction[] = [];
  const open = (claim.informationRequests ?? []).filter((r) => r.status === 'open').map((r) => r.request);
  const lead = claim.lawyers?.lead === p.sub;
  // Once an assessor is of record, only they assess and ask (the command service refuses the others).
  const assessing = has('fund-assessor') && (claim.assessor == null || claim.assessor === p.sub);
  if (has('lawyer') && ACTIVE.includes(s)) actions.push(...open.map((n) => answerRequest(n, claim.documentChoices ?? {})));
  // Who acts for the victim: the lead, or a fund admin (when the lead left; canChangeCounsel).
  if (((has('lawyer') && lead) || has('fund-admin')) && ACTIVE.includes(s)) {
    actions.push(ADD_CO_COUNSEL);
    if ((claim.lawyers?.coCounsel.length ?? 0) > 0) actions.push(removeCoCounsel(claim.lawyers!.coCounsel));
    actions.push(HAND_OVER);
  }
  if (has('lawyer')) {
    if (s === 'filed') actions.push(...COURT_TRACK);
    if (ACTIVE.includes(s)) actions.push(EVIDENCE, OFFENDER_PAYMENT);
    if (s === 'notified') actions.push(APPEAL);
    if (WITHDRAWABLE.includes(s)) actions.push(WITHDRAWAL);
    if (s === 'withdrawn') actions.push(REOPENING);
    if (!claim.personalData?.erased) actions.push(preferredLanguage(claim.preferredLanguage));
  }
  // A late application needs an extension first.
  if (has('fund-approver') && s === 'filed' && claim.applicationOverdue && !claim.fund.extension) actions.push(EXTENSION);
  if (has('fund-approver') && s === 'appealed') actions.push(APPEAL_DECISION);
  if (has('fund-approver') && claim.scheme.advances && (s === 'applied' || s === 'assessed')) actions.push(ADVANCE);
  if (has('fund-assessor') && s === 'applied' && claim.assessor == null) actions.push(TAKE);
  if (assessing && (s === 'applied' || s === 'assessed') && open.length === 0) actions.push(ASSESSMENT);
  if (assessing && ASSESSABLE.includes(s)) actions.push(REQUEST_INFORMATION);
  if (assessing && ACTIVE.includes(s)) actions.push(...open.map(withdrawRequest));
  if (has('fund-admin') && ASSESSABLE.includes(s)) actions.push(ASSIGN_ASSESSOR);
  if (has('fund-approver') && s === 'assessed' && open.length === 0) actions.push(...DECISION);
  if (has('fund-approver') && (s === 'approved' || s === 'rejected')) actions.push(NOTICE);
  if (has('fund-finance') && s === 'notified') actions.push(SCHEDULE);
  if (has('fund-finance') && s === 'scheduled') {
    actions.push(...claim.fund.instalments.filter((i) => i.status !== 'disbursed').map((i) => disbursement(i.number)));
  }
  if (has('fund-finance') && (s === 'scheduled' || s === 'paid')) {
    actions.push(...claim.fund.instalments.filter((i) => i.status === 'disbursed').map((i) => payoutFailure(i.number)));
  }
  if (has('fund-admin') && canSpreadCommitments(claim)) actions.push(SPREAD);
  if (has('fund-finance') && claim.scheme.recovery && (s === 'scheduled' || s === 'paid' || s === 'closed')) actions.push(RECOVERY);
  const pendingPayee = claim.payee?.pending ?? null;
  if ((has('lawyer') || has('fund-finance')) && ACTIVE.includes(s) && s !== 'paid' && !pendingPayee) actions.push(PAYEE);
  if (has('fund-finance') && pendingPayee) actions.push(payeeConfirmation(pendingPayee.change), payeeRejection(pendingPayee.change));
  if ((has('fund-approver') || has('fund-finance')) && (s === 'paid' || s === 'withdrawn' || (s === 'notified' && claim.rejectionFinal))) actions.push(CLOSURE);
  return actions;
}
