import type { ClaimEvent, Money } from '@cfund/contracts';
import { addPeriod, addWorkingDays, appealDeadline, applicationDeadline, isLate, localDateOf, rollForward } from '../deadlines.js';
import { DomainError, refuse } from '../errors.js';
import { formatMoney, percentage, split } from '../money.js';
import { schemeFor, type Scheme } from '../schemes/index.js';
import { appealDecisionConflict, approvalConflict, assignmentConflict, approvalsNeeded, paymentConflict, rejectionConflict } from './approvals.js';
import { computeAward, requireCurrency, requireWithinClaimed } from './assessment.js';
import { requireNotFutureDate, requireNotFutureInstant } from './clock.js';
import { claimFunding, commitmentsSpreadByYear, instalmentsToSpread, SPREAD_STATUSES } from './funding.js';
import type { ClaimCommand, ClaimCommandOf, ClaimCommandType } from './commands.js';
import { ev } from './event.js';
import { payeeHandlers, requireNoPendingPayeeChange } from './payee.js';
import { bankOutcomeHandlers, paymentQueueHandlers, requireNotQueued } from './payment-queue.js';
import { checkFirstDueOn } from './schedule.js';
import { withLetter } from './letters.js';
import { onHoldForInformation, type ClaimState, type ClaimStatus, type InformationRequest } from './state.js';

/**
 * The claim decider: `decide(command, state)` returns the events a command causes, or throws a
 * `DomainError` naming the rule that refuses it. One small function per command below.
 */
export function decide(command: ClaimCommand, state: ClaimState): ClaimEvent[] {
  const handler = handlers[command.type] as (c: ClaimCommand, s: ClaimState) => ClaimEvent[];
  return handler(command, state);
}

type Handlers = { [T in ClaimCommandType]: (c: ClaimCommandOf<T>, s: ClaimState) => ClaimEvent[] };

const ACTIVE: readonly ClaimStatus[] = ['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed', 'scheduled', 'paid'];

const STATUS_WORDS: Record<ClaimStatus, string> = {
  none: 'has not been filed', filed: 'is filed', applied: 'has a fund application', assessed: 'is assessed',
  approved: 'has an approved award', rejected: 'was rejected', notified: 'has a notified decision',
  appealed: 'is under appeal', scheduled: 'has a payout schedule', paid: 'is paid in full',
  withdrawn: 'is withdrawn', closed: 'is closed',
};

function requireStatus(s: ClaimState, allowed: readonly ClaimStatus[], action: string): void {
  if (!allowed.includes(s.status)) {
    throw new DomainError('not-allowed-in-state', `A claim that ${STATUS_WORDS[s.status]} cannot ${action}.`, {
      details: { status: s.status, allowed },
    });
  }
}


/** Who may not act (approvals.ts): checked before what the claim's state allows. */
function refuseConflict(conflict: DomainError | undefined): void {
  if (conflict) throw conflict;
}

const advancesApproved = (s: ClaimState): number => s.fund.advances.reduce((a, x) => a + x.amount.amountMinor, 0);

function schemeOf(s: ClaimState): Scheme {
  return schemeFor(s.jurisdiction!, s.schemeVersion!);
}


const sumMinor = (xs: readonly Money[]): number => xs.reduce((a, m) => a + m.amountMinor, 0);

/** The claim's fund year: fixed by its first commitment, else the local year of the decision. */
const fundYearOf = (s: ClaimState, at: string, scheme: Scheme): number => s.fund.fundYear ?? Number(localDateOf(at, scheme.timeZone).slice(0, 4));

/** Until the claim is assessed for good (approved or rejected), its assessor may change. */
const ASSESSABLE: readonly ClaimStatus[] = ['filed', 'applied', 'assessed'];

function assignAssessor(s: ClaimState, assessor: string, by: string, at: string, taken: boolean): ClaimEvent[] {
  refuseConflict(assignmentConflict(s, assessor));
  requireStatus(s, ASSESSABLE, 'have its assessor assigned');
  if (s.assessor === assessor) refuse('already-assigned', 'This assessor is already assigned to the claim.');
  return [ev('AssessorAssigned', { assessor, assignedBy: by, assignedAt: at, taken }, s)];
}

/** Assessing, approving or rejecting waits while a request for information is open. */
function requireNotOnHold(s: ClaimState, action: string): void {
  if (onHoldForInformation(s)) {
    const open = s.informationRequests.filter((r) => r.status === 'open').map((r) => r.request);
    refuse('on-hold-for-information', `The claim is on hold for assessment until its open requests for information are answered or withdrawn: it cannot ${action}.`, { openRequests: open });
  }
}

/**
 * Whoever changes who acts for the victim without being a lawyer (a fund admin) cannot put
 * themselves on the claim: the fund would then act for the victim against itself.
 */
function refuseSelfAppointment(actor: { sub: string; roles: readonly string[] }, lawyer: string): void {
  if (lawyer === actor.sub && !actor.roles.includes('lawyer')) refuse('not-a-lawyer', 'Only a lawyer acts for the victim: a fund admin cannot put themselves on the claim.');
}

/** An open request of the claim, by number. */
function openRequest(s: ClaimState, n: number): InformationRequest {
  const request = s.informationRequests.find((r) => r.request === n);
  if (!request) refuse('no-such-request', `The claim has no request for information ${n}.`, { request: n });
  if (request.status !== 'open') refuse('request-closed', `Request for information ${n} is already ${request.status}.`, { request: n, status: request.status });
  return request;
}

const handlers: Handlers = {
  FileClaim: (c, s) => {
    if (s.status !== 'none') refuse('already-filed', 'This claim has already been filed.');
    const filedOn = c.at.slice(0, 10);
    const scheme = schemeFor(c.data.jurisdiction, localDateOf(c.at, schemeFor(c.data.jurisdiction, filedOn).timeZone));
    requireCurrency(c.data.damagesClaimed.map((d) => d.amount), scheme.currency);
    if (c.data.incidentOn > localDateOf(c.at, scheme.timeZone)) refuse('incident-in-future', 'The date of the crime cannot be after the filing date.');
    return [ev('ClaimFiled', {
      jurisdiction: c.data.jurisdiction, schemeVersion: scheme.effectiveFrom, currency: scheme.currency,
      filedBy: c.actor.sub, filedAt: c.at, publicReference: c.data.publicReference, applicantRole: c.data.applicantRole,
      victimRef: c.data.victimRef, personalData: c.data.personalData, formOfExploitation: c.data.formOfExploitation,
      incidentOn: c.data.incidentOn, damagesClaimed: c.data.damagesClaimed,
    }, c.data)];
  },

  AttachEvidence: (c, s) => {
    requireStatus(s, ACTIVE, 'take new evidence');
    if (s.evidence.includes(c.data.documentId)) refuse('evidence-already-attached', `Document ${c.data.documentId} is already attached.`);
    return [ev('EvidenceAttached', c.data, s)];
  },

  AttachDocument: (c, s) => {
    requireStatus(s, ACTIVE, 'take new documents');
    if (s.personalDataErased) refuse('personal-data-erased', 'The victim\'s data was erased: no document can be encrypted for them any more.');
    const same = s.documents.find((d) => d.sha256 === c.data.sha256);
    if (same) refuse('document-already-attached', `A document with this content is already attached (${same.documentId}).`, { documentId: same.documentId });
    if (s.documents.some((d) => d.documentId === c.data.documentId)) refuse('document-id-taken', `Document ${c.data.documentId} is already attached.`);
    if (c.data.request !== undefined) openRequest(s, c.data.request);
    return [ev('DocumentAttached', { ...c.data, attachedBy: c.actor.sub, attachedAt: c.at }, s)];
  },

  RecordCriminalProceedings: (c, s) => {
    requireStatus(s, ACTIVE, 'record criminal proceedings');
    return [ev('CriminalProceedingsRecorded', c.data, s)];
  },

  RecordCourtRuling: (c, s) => {
    requireStatus(s, ACTIVE, 'record a court ruling');
    requireNotFutureDate(c.data.decidedOn, c.at, schemeOf(s).timeZone, 'The date of the ruling');
    requireCurrency(c.data.amounts.map((a) => a.amount), s.currency!);
    const awarded = c.data.outcome === 'compensation-awarded';
    if (awarded && c.data.amounts.length === 0) refuse('amounts-required', 'A ruling that awards compensation states the amounts awarded.');
    if (!awarded && c.data.amounts.length > 0) refuse('amounts-not-expected', 'Only a ruling that awards compensation has amounts.');
    return [ev('CourtRulingRecorded', c.data, s)];
  },

  RecordRulingFinality: (c, s) => {
    requireStatus(s, ACTIVE, 'record that a ruling became final');
    const last = s.court.rulings[s.court.rulings.length - 1];
    if (!last) refuse('no-ruling', 'No court ruling has been recorded, so none can become final.');
    if (s.court.finalOn) refuse('already-final', `The ruling became final on ${s.court.finalOn}.`);
    if (c.data.finalOn < last.decidedOn) refuse('final-before-ruling', 'A ruling cannot become final before it was decided.');
    requireNotFutureDate(c.data.finalOn, c.at, schemeOf(s).timeZone, 'The date the ruling became final');
    return [ev('RulingBecameFinal', c.data, s)];
  },

  RecordOffenderPayment: (c, s) => {
    requireStatus(s, ACTIVE, 'record a payment by the offender');
    requireNotFutureDate(c.data.receivedOn, c.at, schemeOf(s).timeZone, 'The date of the payment');
    requireCurrency([c.data.amount], s.currency!);
    if (c.data.amount.amountMinor === 0) refuse('zero-amount', 'A payment of zero is not a payment.');
    return [ev('OffenderPaymentReceived', c.data, s)];
  },

  RecordEnforcementFailure: (c, s) => {
    requireStatus(s, ACTIVE, 'record a failed enforcement');
    requireNotFutureDate(c.data.recordedOn, c.at, schemeOf(s).timeZone, 'The date enforcement failed');
    requireCurrency([c.data.amountOutstanding], s.currency!);
    const awarded = s.court.rulings.some((r) => r.outcome === 'compensation-awarded');
    if (!awarded && c.data.reason !== 'offender-unknown') {
      refuse('no-award-to-enforce', 'Enforcement can fail only against an award of compensation, unless the offender is unknown.');
    }
    return [ev('EnforcementFailed', c.data, s)];
  },

  SubmitFundApplication: (c, s) => {
    requireStatus(s, ['filed'], 'apply to the fund');
    const scheme = schemeOf(s);
    for (const d of c.data.otherCompensationDeclared) requireCurrency([d.amount], s.currency!);
    if (scheme.enforcementMustFailFirst && !s.court.enforcementFailedOn) {
      refuse('enforcement-not-failed', 'This scheme pays only after enforcement against the offender has failed; record the failed enforcement first.');
    }
    const deadline = applicationDeadline(scheme, {
      incidentOn: s.incidentOn ?? null, rulingFinalOn: s.court.finalOn ?? null, enforcementFailedOn: s.court.enforcementFailedOn ?? null,
    });
    if (deadline === null) {
      refuse('deadline-not-started', `The application period counts from ${scheme.applicationDeadline.anchor.replace('-', ' ')}, which has not been recorded yet.`);
    }
    const late = isLate(deadline, c.at, scheme.timeZone);
    if (late && s.fund.extension !== 'granted') {
      refuse('late-filing', `The deadline to apply was ${deadline}; a late application needs an extension granted by the fund.`, { deadline });
    }
    return [ev('FundApplicationSubmitted', { submittedAt: c.at, deadline, late, otherCompensationDeclared: c.data.otherCompensationDeclared }, s)];
  },

  DecideLateFilingExtension: (c, s) => {
    requireStatus(s, ['filed'], 'have a late-filing extension decided');
    if (s.fund.extension) refuse('already-decided', `An extension was already ${s.fund.extension}.`);
    const data = { decidedBy: c.actor.sub, reason: c.data.reason };
    return [c.data.decision === 'granted' ? ev('LateFilingExtensionGranted', data, s) : ev('LateFilingExtensionRefused', data, s)];
  },

  AssessClaim: (c, s) => {
    requireNotOnHold(s, 'be assessed');
    if (s.status === 'assessed' && s.fund.approvals.length > 0) refuse('approval-under-way', 'An assessment cannot change once an approver has approved it.');
    requireStatus(s, ['applied', 'assessed'], 'be assessed');
    const scheme = schemeOf(s);
    requireCurrency([...c.data.assessedAmounts.map((a) => a.amount), ...c.data.deductions.map((d) => d.amount)], s.currency!);
    if (!c.data.eligible && c.data.ineligibilityReasons.length === 0) refuse('reasons-required', 'An assessment that finds the claim ineligible says why.');
    if (c.data.eligible && c.data.ineligibilityReasons.length > 0) refuse('reasons-not-expected', 'An eligible claim has no reasons of ineligibility.');
    requireWithinClaimed(c.data.assessedAmounts, s.damagesClaimed, s.court.rulings);
    const award = computeAward(scheme, c.data.assessedAmounts, c.data.deductions, s.court.offenderPaid);
    return [ev('ClaimAssessed', {
      assessedBy: c.actor.sub, eligible: c.data.eligible, ineligibilityReasons: c.data.ineligibilityReasons,
      assessedAmounts: c.data.assessedAmounts, deductions: award.deductions, capsApplied: award.capsApplied,
      recommendedNet: c.data.eligible ? award.recommendedNet : { amountMinor: 0, currency: s.currency! },
    }, s)];
  },

  ApproveAward: (c, s) => {
    refuseConflict(approvalConflict(s, c.actor.sub));
    requireStatus(s, ['assessed'], 'be approved');
    requireNotOnHold(s, 'be approved');
    const assessment = s.fund.assessment!;
    if (!assessment.eligible) refuse('not-eligible', 'The assessment found the claim ineligible: it can only be rejected.');
    if (assessment.recommendedNet.amountMinor === 0) refuse('nothing-to-award', 'The net award is zero: there is nothing to approve.');
    const scheme = schemeOf(s);
    const needed = approvalsNeeded(scheme, assessment.recommendedNet);
    const approvalNumber = (s.fund.approvals.length + 1) as 1 | 2;
    const events: ClaimEvent[] = [ev('AwardApprovalGiven', { approver: c.actor.sub, netAward: assessment.recommendedNet, approvalNumber }, s)];
    if (approvalNumber === needed) {
      if (assessment.recommendedNet.amountMinor < claimFunding(s).paid) {
        const paid: Money = { amountMinor: claimFunding(s).paid, currency: assessment.recommendedNet.currency };
        refuse('below-paid', `The award is less than the advances already paid (${formatMoney(paid)}).`, { paid });
      }
      events.push(ev('AwardApproved', {
        netAward: assessment.recommendedNet, approvers: [...s.fund.approvals, c.actor.sub], fundYear: fundYearOf(s, c.at, scheme),
      }, s));
    }
    return events;
  },

  RejectAward: (c, s) => {
    refuseConflict(rejectionConflict(s, c.actor.sub));
    requireStatus(s, ['assessed'], 'be rejected');
    requireNotOnHold(s, 'be rejected');
    return [ev('AwardRejected', { rejectedBy: c.actor.sub, reasons: c.data.reasons, appealInstructions: c.data.appealInstructions }, s)];
  },

  NotifyDecision: (c, s) => {
    requireStatus(s, ['approved', 'rejected'], 'have its decision served');
    requireNotFutureInstant(c.data.servedAt, c.at, 'The time of service');
    const deadline = appealDeadline(schemeOf(s), c.data.servedAt);
    return withLetter([ev('DecisionNotified', { servedAt: c.data.servedAt, appealDeadline: deadline }, s)], c.data.letter, 'DecisionNotified', s, c);
  },

  AppealDecision: (c, s) => {
    if (s.status === 'approved' || s.status === 'rejected') {
      refuse('decision-not-served', 'The decision has not been served yet: it can be appealed once its service is recorded.');
    }
    requireStatus(s, ['notified'], 'be appealed');
    if (s.fund.appeal) refuse('already-appealed', 'This decision has already been appealed.');
    if (Date.parse(c.at) < Date.parse(s.fund.notifiedAt!)) {
      refuse('decision-not-served', `The decision is served on ${s.fund.notifiedAt}: it can be appealed from then on.`, { servedAt: s.fund.notifiedAt });
    }
    if (isLate(s.fund.appealDeadline!, c.at, schemeOf(s).timeZone)) {
      refuse('appeal-late', `The deadline to appeal was ${s.fund.appealDeadline}.`, { deadline: s.fund.appealDeadline });
    }
    return [ev('DecisionAppealed', { appealedAt: c.at, grounds: c.data.grounds }, s)];
  },

  DecideAppeal: (c, s) => {
    refuseConflict(appealDecisionConflict(s, c.actor.sub));
    requireStatus(s, ['appealed'], 'have an appeal decided');
    const { outcome, netAward, decidedOn } = c.data;
    const scheme = schemeOf(s);
    requireNotFutureDate(decidedOn, c.at, scheme.timeZone, 'The date of the appeal decision');
    const changes = outcome === 'increased' || outcome === 'reduced';
    if (changes && !netAward) refuse('amount-required', `An appeal decided as ${outcome} states the new net award.`);
    if (!changes && netAward) refuse('amount-not-expected', `An appeal decided as ${outcome} does not change the award.`);
    if (netAward) {
      requireCurrency([netAward], s.currency!);
      const current = s.fund.netAward?.amountMinor ?? 0;
      if (outcome === 'increased' && netAward.amountMinor <= current) refuse('not-an-increase', 'An increased award is larger than the one appealed.');
      if (outcome === 'reduced' && netAward.amountMinor >= current) refuse('not-a-reduction', 'A reduced award is smaller than the one appealed.');
      const cap = scheme.caps.total;
      if (netAward.amountMinor > cap.amountMinor) refuse('above-cap', `The award cannot exceed the scheme's cap of ${cap.amountMinor} ${cap.currency} (minor units).`, { cap });
      const paid = claimFunding(s).paid;
      if (netAward.amountMinor < paid) {
        const paidMoney: Money = { amountMinor: paid, currency: netAward.currency };
        refuse('below-paid', `The award cannot be reduced below what was already paid (${formatMoney(paidMoney)}).`, { paid: paidMoney });
      }
    }
    // A decision that sets an award needs the approvals an award of that amount needs.
    const pending = s.fund.pendingAppealDecision;
    if (pending) {
      if (pending.outcome !== outcome || pending.netAward.amountMinor !== netAward?.amountMinor) {
        refuse('appeal-decision-differs', `The first approver decided ${pending.outcome} with a net award of ${pending.netAward.amountMinor} minor units: the second approval confirms that decision.`, {
          pending: { outcome: pending.outcome, netAward: pending.netAward },
        });
      }
    } else if (netAward && approvalsNeeded(scheme, netAward) === 2) {
      return withLetter([ev('AppealApprovalGiven', { approver: c.actor.sub, outcome, decidedOn, netAward }, s)], c.data.letter, 'AppealDecided', s, c);
    }
    const approvers = pending ? [pending.approver, c.actor.sub] : [c.actor.sub];
    return withLetter([ev('AppealDecided', {
      outcome, decidedOn: pending?.decidedOn ?? decidedOn, ...(netAward ? { netAward, fundYear: fundYearOf(s, c.at, scheme) } : {}), approvers,
    }, s)], c.data.letter, 'AppealDecided', s, c);
  },

  ApproveAdvancePayment: (c, s) => {
    requireStatus(s, ['applied', 'assessed'], 'receive an advance payment');
    const scheme = schemeOf(s);
    if (!scheme.advancePayments.allowed) refuse('advances-not-allowed', 'This scheme makes no advance payments.');
    requireCurrency([c.data.amount], s.currency!);
    if (c.data.amount.amountMinor === 0) refuse('zero-amount', 'An advance of zero is not an advance.');
    const base: Money = s.fund.assessment
      ? s.fund.assessment.recommendedNet
      : { amountMinor: Math.min(sumMinor(s.damagesClaimed.map((d) => d.amount)), scheme.caps.total.amountMinor), currency: s.currency! };
    const limit = percentage(base, scheme.advancePayments.maxSharePercent, 'down');
    if (advancesApproved(s) + c.data.amount.amountMinor > limit.amountMinor) {
      refuse('advance-above-limit', `Advances may reach ${scheme.advancePayments.maxSharePercent}% of the expected award: ${limit.amountMinor} minor units in all.`, { limit });
    }
    return [ev('AdvancePaymentApproved', {
      approvedBy: c.actor.sub, amount: c.data.amount, reason: c.data.reason, advance: s.fund.advances.length + 1, fundYear: fundYearOf(s, c.at, scheme),
    }, s)];
  },

  DisburseAdvance: (c, s) => {
    const advance = s.fund.advances.find((a) => a.number === c.data.advance);
    refuseConflict(paymentConflict(s, c.actor.sub, advance));
    requireStatus(s, ['applied', 'assessed', 'approved', 'notified', 'appealed', 'scheduled'], 'have an advance paid');
    if (!advance) refuse('unknown-advance', `No advance ${c.data.advance} was approved for this claim.`);
    requireNoPendingPayeeChange(s);
    requireNotQueued(s, { kind: 'advance', number: advance.number });
    if (advance.status === 'disbursed') refuse('already-disbursed', `Advance ${advance.number} has already been paid (${advance.paymentReference}).`);
    if (s.fund.rejection) refuse('advance-cancelled', 'The claim was rejected: advances not yet paid are no longer paid.');
    const { paid } = claimFunding(s);
    if (s.fund.netAward && paid + advance.amount.amountMinor > s.fund.netAward.amountMinor) {
      refuse('advance-above-award', 'The award, as decided now, is smaller than the advances: this one can no longer be paid.', { netAward: s.fund.netAward, paid });
    }
    return [ev('AdvanceDisbursed', {
      advance: advance.number, amount: advance.amount, paymentReference: c.data.paymentReference, disbursedBy: c.actor.sub, disbursedAt: c.at,
    }, s)];
  },

  SchedulePayout: (c, s) => {
    requireStatus(s, ['notified'], 'have a payout scheduled');
    if (!s.fund.netAward || s.fund.rejection) refuse('no-award', 'Only an award can be paid out: this decision rejected the claim.');
    const payable = s.fund.netAward.amountMinor - advancesApproved(s);
    if (payable <= 0) refuse('nothing-to-pay', 'The advances already paid cover the whole award.');
    const scheme = schemeOf(s);
    checkFirstDueOn(c.data.firstDueOn, c.at, scheme.timeZone);
    const amounts = split({ amountMinor: payable, currency: s.currency! }, c.data.instalments);
    const instalments = amounts.map((amount, i) => ({
      number: i + 1, amount, dueOn: rollForward(addPeriod(c.data.firstDueOn, { months: i * c.data.intervalMonths }), scheme),
    }));
    // Each instalment's money is committed in the fund year it falls due in (`claimFunding`).
    return [{ type: 'PayoutScheduled', data: { schemaVersion: 2, claimId: s.claimId!, instalments, total: { amountMinor: payable, currency: s.currency! }, committedByDueYear: true } }];
  },

  DisbursePayout: (c, s) => {
    refuseConflict(paymentConflict(s, c.actor.sub));
    requireStatus(s, ['scheduled'], 'disburse a payout');
    const instalment = s.fund.instalments.find((i) => i.number === c.data.instalment);
    if (!instalment) refuse('unknown-instalment', `The schedule has no instalment ${c.data.instalment}.`);
    requireNoPendingPayeeChange(s);
    requireNotQueued(s, { kind: 'instalment', number: instalment.number });
    if (instalment.status === 'disbursed') refuse('already-disbursed', `Instalment ${instalment.number} has already been paid (${instalment.paymentReference}).`);
    // Paying early is a decision of its own: the fund's schedule is what was approved.
    const early = instalment.dueOn > localDateOf(c.at, schemeOf(s).timeZone);
    if (early && c.data.earlyPayment !== true) {
      refuse('not-yet-due', `Instalment ${instalment.number} is due on ${instalment.dueOn}; to pay it early, say so (earlyPayment: true).`, { dueOn: instalment.dueOn });
    }
    return [ev('PayoutDisbursed', {
      instalment: instalment.number, amount: instalment.amount, paymentReference: c.data.paymentReference,
      disbursedBy: c.actor.sub, disbursedAt: c.at, ...(early ? { early: true } : {}),
    }, s)];
  },

  RecordPayoutFailure: (c, s) => {
    requireStatus(s, ['scheduled', 'paid'], 'record a failed payout');
    const instalment = s.fund.instalments.find((i) => i.number === c.data.instalment);
    if (!instalment) refuse('unknown-instalment', `The schedule has no instalment ${c.data.instalment}.`);
    requireNoPendingPayeeChange(s);
    requireNotQueued(s, { kind: 'instalment', number: instalment.number });
    if (instalment.status !== 'disbursed') refuse('not-disbursed', `Instalment ${instalment.number} has not been paid, so its payment cannot have failed.`);
    return [ev('PayoutFailed', { instalment: instalment.number, reason: c.data.reason, failedAt: c.at }, s)];
  },

  // The money moves as a schedule's does (the command service commits each later year's share,
  // with that year's budget check, before the event, and releases it from the award's year after).
  SpreadCommitmentsByYear: (c, s) => {
    requireStatus(s, SPREAD_STATUSES, 'have its commitments moved to the years its instalments fall due in');
    if (commitmentsSpreadByYear(s)) {
      refuse('already-spread', 'The claim\'s instalments are already committed in the years they fall due in.');
    }
    const instalments = instalmentsToSpread(s);
    if (instalments.length === 0) {
      refuse('nothing-to-spread', `No instalment still to pay falls due after the award's fund year ${s.fund.fundYear}: everything stays in that year.`, { fundYear: s.fund.fundYear });
    }
    return [ev('CommitmentsSpreadByYear', { instalments, reason: c.data.reason, spreadBy: c.actor.sub, spreadAt: c.at }, s)];
  },

  RecordRecovery: (c, s) => {
    requireStatus(s, ['scheduled', 'paid', 'closed'], 'record a recovery from the offender');
    if (!schemeOf(s).recoveryFromOffender) refuse('recovery-not-allowed', 'This scheme does not recover from the offender.');
    requireNotFutureDate(c.data.recordedOn, c.at, schemeOf(s).timeZone, 'The date of the recovery');
    requireCurrency([c.data.amount], s.currency!);
    const { paid, recovered } = claimFunding(s);
    if (recovered + c.data.amount.amountMinor > paid) {
      const paidMoney: Money = { amountMinor: paid, currency: c.data.amount.currency };
      refuse('recovery-exceeds-paid', `The fund cannot recover more than it has paid (${formatMoney(paidMoney)}).`, { paid: paidMoney });
    }
    return [ev('RecoveryFromOffenderRecorded', c.data, s)];
  },

  WithdrawClaim: (c, s) => {
    requireStatus(s, ['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed'], 'be withdrawn');
    return [ev('ClaimWithdrawn', { reason: c.data.reason, withdrawnAt: c.at }, s)];
  },

  ReopenClaim: (c, s) => {
    requireStatus(s, ['withdrawn'], 'be reopened');
    return [ev('ClaimReopened', { reason: c.data.reason, reopenedAt: c.at }, s)];
  },

  CloseClaim: (c, s) => {
    const rejectedAndFinal = s.status === 'notified' && !!s.fund.rejection && !s.fund.appeal
      && isLate(s.fund.appealDeadline!, c.at, schemeOf(s).timeZone);
    if (!(s.status === 'paid' || s.status === 'withdrawn' || rejectedAndFinal)) {
      throw new DomainError('not-allowed-in-state', `A claim that ${STATUS_WORDS[s.status]} cannot be closed yet: it closes when paid in full, withdrawn, or rejected with the appeal period over.`, {
        details: { status: s.status },
      });
    }
    return [ev('ClaimClosed', { reason: c.data.reason, closedAt: c.at }, s)];
  },

  AddCoCounsel: (c, s) => {
    requireStatus(s, ACTIVE, 'take on co-counsel');
    const { lawyer } = c.data;
    refuseSelfAppointment(c.actor, lawyer);
    if (lawyer === s.lawyers.lead) refuse('already-lead', 'This lawyer already leads the claim.');
    if (s.lawyers.coCounsel.includes(lawyer)) refuse('already-co-counsel', 'This lawyer is already co-counsel on the claim.');
    return [ev('CoCounselAdded', { lawyer, addedBy: c.actor.sub, addedAt: c.at }, s)];
  },

  RemoveCoCounsel: (c, s) => {
    requireStatus(s, ACTIVE, 'change its co-counsel');
    if (!s.lawyers.coCounsel.includes(c.data.lawyer)) refuse('not-co-counsel', 'This lawyer is not co-counsel on the claim.');
    return [ev('CoCounselRemoved', { lawyer: c.data.lawyer, removedBy: c.actor.sub, removedAt: c.at }, s)];
  },

  HandOverClaim: (c, s) => {
    requireStatus(s, ACTIVE, 'be handed over');
    if (c.data.to === s.lawyers.lead) refuse('already-lead', 'This lawyer already leads the claim.');
    refuseSelfAppointment(c.actor, c.data.to);
    // The former lead may be gone (the fund admin hands over for them): the reason is the record of why.
    if (c.data.reason.trim() === '') refuse('reason-required', 'A hand-over says why the claim changes hands.');
    return [ev('ClaimHandedOver', { from: s.lawyers.lead!, to: c.data.to, reason: c.data.reason, handedOverBy: c.actor.sub, handedOverAt: c.at }, s)];
  },

  AssignAssessor: (c, s) => assignAssessor(s, c.data.assessor, c.actor.sub, c.at, false),

  TakeClaim: (c, s) => {
    if (s.assessor !== undefined && s.assessor !== c.actor.sub) refuse('already-assigned', 'Another assessor is assigned to this claim: it is not in the unassigned queue.');
    return assignAssessor(s, c.actor.sub, c.actor.sub, c.at, true);
  },

  RequestInformation: (c, s) => {
    requireStatus(s, ASSESSABLE, 'have information requested');
    const scheme = schemeOf(s);
    const today = localDateOf(c.at, scheme.timeZone);
    const due = c.data.due;
    let dueOn: string;
    if ('workingDays' in due) {
      dueOn = addWorkingDays(today, due.workingDays, scheme);
    } else {
      if (due.date <= today) refuse('due-date-not-future', `The due date ${due.date} is not after today (${today}, ${scheme.timeZone}).`, { dueOn: due.date, today });
      dueOn = rollForward(due.date, scheme);
    }
    const request = s.informationRequests.length + 1;
    return withLetter([ev('InformationRequested', { request, question: c.data.question, dueOn, requestedBy: c.actor.sub, requestedAt: c.at }, s)], c.data.letter, 'InformationRequested', s, c);
  },

  AnswerInformationRequest: (c, s) => {
    requireStatus(s, ACTIVE, 'have a request for information answered');
    const request = openRequest(s, c.data.request);
    if (c.data.answer === undefined && c.data.documentIds.length === 0) refuse('empty-answer', 'An answer gives text, documents or both.');
    for (const documentId of c.data.documentIds) {
      if (!s.documents.some((d) => d.documentId === documentId)) refuse('unknown-document', `The claim has no document ${documentId}.`, { documentId });
    }
    const late = isLate(request.dueOn, c.at, schemeOf(s).timeZone);
    return [ev('InformationRequestAnswered', {
      request: request.request, ...(c.data.answer === undefined ? {} : { answer: c.data.answer }),
      documentIds: c.data.documentIds, answeredBy: c.actor.sub, answeredAt: c.at, late,
    }, s)];
  },

  WithdrawInformationRequest: (c, s) => {
    requireStatus(s, ACTIVE, 'have a request for information withdrawn');
    const request = openRequest(s, c.data.request);
    return [ev('InformationRequestWithdrawn', { request: request.request, withdrawnBy: c.actor.sub, withdrawnAt: c.at }, s)];
  },

  ErasePersonalData: (c, s) => {
    if (s.status === 'none') refuse('not-filed', 'There is no such claim.');
    if (s.personalDataErased) refuse('already-erased', 'The personal data of this claim has already been erased.');
    return [ev('PersonalDataErased', { victimRef: s.victimRef!, erasedBy: c.actor.sub, erasedAt: c.at }, s)];
  },

  SetPreferredLanguage: (c, s) => {
    if (s.status === 'none') refuse('not-filed', 'There is no such claim.');
    if (s.personalDataErased) refuse('personal-data-erased', 'The victim\'s personal data has been erased: nothing can be recorded for them any more.');
    return [ev('PreferredLanguageSet', { preference: c.data.preference, setBy: c.actor.sub, setAt: c.at }, s)];
  },

  ...payeeHandlers,
  ...paymentQueueHandlers,
  ...bankOutcomeHandlers,
};
