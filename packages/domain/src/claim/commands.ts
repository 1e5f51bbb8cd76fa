import type {
  Actor, AmountsByHead, CommandBody, EncryptedPersonalData, EventData, Jurisdiction, Money,
} from '@cfund/contracts';
import type { SetPayeeData } from './payee.js';

/** Every command carries who acts and when (the service's clock): the domain has no clock. */
interface Command<T extends string, D> {
  type: T;
  actor: Actor;
  /** UTC instant, ISO 8601. */
  at: string;
  data: D;
}

export interface FileClaimData {
  claimId: string;
  publicReference: string;
  victimRef: string;
  /** Already encrypted by the service: the domain never sees plaintext personal data. */
  personalData: EncryptedPersonalData;
  jurisdiction: Jurisdiction;
  applicantRole: 'direct' | 'indirect';
  formOfExploitation: CommandBody<'fileClaim'>['formOfExploitation'];
  incidentOn: string;
  damagesClaimed: AmountsByHead;
}

/** A request for information as the domain sees it: the question already encrypted by the service. */
export interface RequestInformationData {
  /** `{ question }` encrypted with the victim's data key. */
  question: EncryptedPersonalData;
  /** A number of working days after the local date of the command, or a local date. */
  due: { workingDays: number } | { date: string };
}

export interface AnswerInformationRequestData {
  request: number;
  /** `{ answer }` encrypted with the victim's data key, when the answer has text. */
  answer?: EncryptedPersonalData | undefined;
  documentIds: string[];
}
/** A document whose encrypted bytes are already stored (the service stores, then records). */
export type AttachDocumentData = Omit<EventData<'DocumentAttached'>, 'schemaVersion' | 'claimId' | 'attachedBy' | 'attachedAt' | 'requestId'>;

/** A letter already rendered, encrypted and stored by the service, to be recorded with the command's event (see letters.ts). */
export interface LetterData {
  document: Omit<AttachDocumentData, 'kind' | 'request'>;
  /** The letter's language. */
  locale: string;
  /** The same letter in the victim's preferred language, when it differs (its locale stays out of the events: personal data). */
  copies?: LetterData['document'][] | undefined;
}
/** What a command that may serve a letter carries besides its body. */
interface WithLetter { letter?: LetterData | undefined }

export type ClaimCommand =
  | Command<'FileClaim', FileClaimData>
  | Command<'AttachEvidence', CommandBody<'attachEvidence'>>
  | Command<'AttachDocument', AttachDocumentData>
  | Command<'RecordCriminalProceedings', CommandBody<'recordCriminalProceedings'>>
  | Command<'RecordCourtRuling', CommandBody<'recordCourtRuling'>>
  | Command<'RecordRulingFinality', CommandBody<'recordRulingFinality'>>
  | Command<'RecordOffenderPayment', CommandBody<'recordOffenderPayment'>>
  | Command<'RecordEnforcementFailure', CommandBody<'recordEnforcementFailure'>>
  | Command<'SubmitFundApplication', CommandBody<'submitFundApplication'>>
  | Command<'DecideLateFilingExtension', CommandBody<'decideLateFilingExtension'>>
  | Command<'AssessClaim', CommandBody<'assessClaim'>>
  | Command<'ApproveAward', CommandBody<'approveAward'>>
  | Command<'RejectAward', CommandBody<'rejectAward'>>
  | Command<'NotifyDecision', CommandBody<'notifyDecision'> & WithLetter>
  | Command<'AppealDecision', CommandBody<'appealDecision'>>
  | Command<'DecideAppeal', CommandBody<'decideAppeal'> & WithLetter>
  | Command<'ApproveAdvancePayment', CommandBody<'approveAdvancePayment'>>
  | Command<'SchedulePayout', CommandBody<'schedulePayout'>>
  | Command<'DisbursePayout', CommandBody<'disbursePayout'> & { instalment: number }>
  | Command<'DisburseAdvance', CommandBody<'disburseAdvance'> & { advance: number }>
  | Command<'RecordPayoutFailure', CommandBody<'recordPayoutFailure'> & { instalment: number }>
  | Command<'SpreadCommitmentsByYear', CommandBody<'spreadCommitmentsByYear'>>
  | Command<'RecordRecovery', CommandBody<'recordRecovery'>>
  | Command<'WithdrawClaim', CommandBody<'withdrawClaim'>>
  | Command<'ReopenClaim', CommandBody<'reopenClaim'>>
  | Command<'CloseClaim', CommandBody<'closeClaim'>>
  | Command<'AddCoCounsel', CommandBody<'addCoCounsel'>>
  | Command<'RemoveCoCounsel', CommandBody<'removeCoCounsel'>>
  | Command<'HandOverClaim', CommandBody<'handOverClaim'>>
  | Command<'AssignAssessor', CommandBody<'assignAssessor'>>
  | Command<'TakeClaim', CommandBody<'takeClaim'>>
  | Command<'RequestInformation', RequestInformationData & WithLetter>
  | Command<'AnswerInformationRequest', AnswerInformationRequestData>
  | Command<'WithdrawInformationRequest', { request: number }>
  | Command<'ErasePersonalData', CommandBody<'eraseVictimData'>>
  | Command<'SetPreferredLanguage', { preference: EncryptedPersonalData }>
  | Command<'SetPayee', SetPayeeData>
  | Command<'ConfirmPayeeChange', CommandBody<'confirmPayeeChange'>>
  | Command<'RejectPayeeChange', CommandBody<'rejectPayeeChange'>>
  | Command<'QueuePayment', { runId: string; payment: RunPayment; executionOn: string; endToEndId: string }>
  | Command<'UnqueuePayment', { runId: string; payment: RunPayment; reason: 'run-cancelled' | 'voided' }>
  | Command<'RecordBankBooking', BankOutcomeData & { releasedBy: string }>
  | Command<'RecordBankReturn', BankOutcomeData & { returnReason?: string | undefined }>;

/** What a bank statement says of one payment of a released run. */
export interface BankOutcomeData {
  runId: string;
  payment: RunPayment;
  endToEndId: string;
  amount: Money;
  /** The bank's reference of the booking or of the return. */
  bankReference: string;
}

/** An instalment or an advance of the claim. */
export interface RunPayment { kind: 'instalment' | 'advance'; number: number }

export type ClaimCommandType = ClaimCommand['type'];
export type ClaimCommandOf<T extends ClaimCommandType> = Extract<ClaimCommand, { type: T }>;
