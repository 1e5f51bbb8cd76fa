/**
 * Deadline reminders, pure. The notifier's snapshot of a claim says which deadlines are running; each gives
 * reminders N days before (local calendar days in the scheme's zone, at a local hour) and one
 * when missed (local midnight at the end of the deadline day, the first late instant). Ids are
 * deterministic (claim, kind, deadline, label): planning again never creates a second reminder,
 * and a deadline that moves gets new ids while the old ones are cancelled.
 *
 * - application deadline: while the claim is filed and the scheme's anchor has happened;
 *   met by FundApplicationSubmitted;
 * - appeal deadline: while the decision is served and not appealed (status `notified`);
 *   met by DecisionAppealed (and moot once a payout is scheduled: no appeal is possible then);
 * - an instalment due: on its due date to fund-finance, while it is due;
 * - a request for information: to the lead lawyer before its due date (the days after the request
 *   was made) and when missed, while it is open (met by its answer or withdrawal).
 * Withdrawal and closure end every deadline.
 */
import { DateTime } from 'luxon';
import type { Jurisdiction } from '@cfund/contracts';
import { applicationDeadline, deadlineEnd, schemeFor } from '@cfund/domain';
import { deterministicUuid } from '@cfund/eventstore';
import type { ClaimSnapshot } from '../claim-snapshot.js';
import type { NotificationIntent } from '../routing/intent.js';
import { recipientKey, roleRecipient, userRecipient, type Recipient } from '../routing/recipients.js';

export type ReminderKind = 'application-deadline' | 'appeal-deadline' | 'instalment-due' | 'information-request';

/** REMINDER_DAYS and REMINDER_HOUR (their defaults are in config.ts). */
export interface ReminderOptions {
  /** Days before a deadline. */
  daysBefore: readonly number[];
  /** Local hour (0-23) at which "N days before" reminders fire. */
  hour: number;
}

export interface PlannedReminder {
  id: string;
  claimId: string;
  kind: ReminderKind;
  /** What the deadline belongs to within the claim (an instalment number; '' otherwise). */
  ref: string;
  /** The deadline, a local date in `timeZone`. */
  deadline: string;
  /** `14d`, `7d`, `1d`, `missed` or `due`. */
  label: string;
  /** When it fires, ISO 8601 UTC. */
  fireAt: string;
  recipient: Recipient;
  timeZone: string;
  /** The scheme's language (absent from reminders planned before it was recorded). */
  language?: string;
  publicReference: string;
  jurisdiction: Jurisdiction;
}

/** The instants (UTC) of the reminders of one deadline. */
export function reminderInstants(deadline: string, zone: string, options: ReminderOptions): { label: string; fireAt: string }[] {
  const day = DateTime.fromISO(deadline, { zone });
  if (!day.isValid) throw new Error(`invalid deadline ${deadline} in ${zone}`);
  const before = [...new Set(options.daysBefore)].sort((a, b) => b - a).map((n) => ({
    label: `${n}d`,
    // Calendar arithmetic on the local date, then the local hour: DST never moves the day.
    fireAt: day.minus({ days: n }).set({ hour: options.hour, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()!,
  }));
  return [...before, { label: 'missed', fireAt: deadlineEnd(deadline, zone) }];
}

export function reminderId(claimId: string, kind: ReminderKind, ref: string, deadline: string, label: string): string {
  return deterministicUuid('cfund-reminder', claimId, kind, ref, deadline, label);
}

/** Every reminder a claim in `state` should have (pending or already sent). */
export function desiredReminders(state: ClaimSnapshot, options: ReminderOptions): PlannedReminder[] {
  if (!state.claimId || !state.jurisdiction || !state.schemeVersion) return [];
  if (state.status === 'withdrawn' || state.status === 'closed') return [];
  const scheme = schemeFor(state.jurisdiction, state.schemeVersion);
  const claimId = state.claimId;
  const base = { claimId, timeZone: scheme.timeZone, language: scheme.language, publicReference: state.publicReference ?? claimId, jurisdiction: state.jurisdiction };
  const out: PlannedReminder[] = [];
  const plan = (kind: ReminderKind, ref: string, deadline: string, recipient: Recipient, instants: { label: string; fireAt: string }[]) => {
    for (const { label, fireAt } of instants) {
      out.push({ ...base, id: reminderId(claimId, kind, ref, deadline, label), kind, ref, deadline, label, fireAt, recipient });
    }
  };
  const lawyer = state.lead ? userRecipient(state.lead) : undefined;

  if (state.status === 'filed' && lawyer) {
    const deadline = applicationDeadline(scheme, {
      incidentOn: state.incidentOn ?? null, rulingFinalOn: state.rulingFinalOn ?? null, enforcementFailedOn: state.enforcementFailedOn ?? null,
    });
    if (deadline) plan('application-deadline', '', deadline, lawyer, reminderInstants(deadline, scheme.timeZone, options));
  }
  if (state.status === 'notified' && !state.appealed && state.appealDeadline && lawyer) {
    plan('appeal-deadline', '', state.appealDeadline, lawyer, reminderInstants(state.appealDeadline, scheme.timeZone, options));
  }
  if (lawyer) {
    for (const r of state.openRequests) {
      // "N days before" only where the request was already made then (a request due in 3 days gets no 7-day reminder).
      const instants = reminderInstants(r.dueOn, scheme.timeZone, options).filter((x) => x.label === 'missed' || Date.parse(x.fireAt) > Date.parse(r.requestedAt));
      plan('information-request', String(r.request), r.dueOn, lawyer, instants);
    }
  }
  for (const i of state.instalmentsDue) {
    const fireAt = DateTime.fromISO(i.dueOn, { zone: scheme.timeZone }).set({ hour: options.hour }).toUTC().toISO()!;
    plan('instalment-due', String(i.number), i.dueOn, roleRecipient('fund-finance', state.jurisdiction), [{ label: 'due', fireAt }]);
  }
  return out;
}

/** What the recipient learns when a reminder fires. */
export function reminderIntent(r: PlannedReminder): NotificationIntent {
  const common = {
    sourceId: r.id, recipient: r.recipient, occurredAt: r.fireAt, claimId: r.claimId, publicReference: r.publicReference,
    jurisdiction: r.jurisdiction, timeZone: r.timeZone, ...(r.language ? { language: r.language } : {}),
  };
  const params = {
    claimId: r.claimId, publicReference: r.publicReference, deadline: { date: r.deadline },
    ...(r.kind === 'information-request' ? { request: Number(r.ref) } : {}),
  };
  if (r.kind === 'instalment-due') return { ...common, topic: 'instalment-due', params: { ...params, instalment: Number(r.ref) } };
  if (r.label === 'missed') return { ...common, topic: 'deadline-missed', params: { ...params, deadlineKind: { code: r.kind } } };
  return { ...common, topic: 'deadline-approaching', params: { ...params, deadlineKind: { code: r.kind }, daysLeft: Number.parseInt(r.label, 10) } };
}

export const reminderRecipientKey = (r: PlannedReminder): string => recipientKey(r.recipient);
