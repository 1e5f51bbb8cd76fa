/**
 * The work queue of the caller, by role: an assessor sees claims awaiting assessment; an
 * approver, assessed claims awaiting a first or second approval that they may give (the domain's
 * approval rules: `approvalConflict`, the assessor of record included, `awardApprovalsNeeded`) and ineligible assessments to reject
 * (neither assessment nor approval while the claim is on hold for information); finance,
 * approved advances not yet paid (first: an advance is due once approved) and instalments due (or failed, to retry), each with the payee's masked
 * account and the payment run that holds it; a lawyer, the claims they lead or are co-counsel on with a
 * running deadline or an open request for information to answer. A claim with an assessor of
 * record awaits that assessor only. An assessor also sees the requests for information they asked
 * (or, as the assessor of record, any) that are unanswered past their due date (`information-overdue`,
 * the day over in the scheme's time zone). Fund staff see only their jurisdictions.
 */
import { approvalConflict, type Principal } from '@cfund/domain';
import type { Jurisdiction, Money } from '@cfund/contracts';
import type { ClaimDetailView } from '../read-model/claim-detail.js';
import type { ReadModelStore } from '../read-model/store.js';
import { todayIn } from './deadlines.js';
import { lawyerClaims } from './visibility.js';

export type Task = 'assess' | 'first-approval' | 'second-approval' | 'reject-ineligible' | 'pay-advance' | 'disburse-instalment' | 'retry-instalment'
  | 'apply-to-fund' | 'appeal-window' | 'information-overdue' | 'answer-information-request';

export interface WorkItem {
  task: Task;
  role: string;
  claimId: string;
  publicReference: string | null;
  jurisdiction: string;
  status: string;
  /** Since when the claim waits (its last event), or the due date for instalments and deadlines. */
  since: string;
  dueOn?: string;
  instalment?: number;
  /** The advance's number (`pay-advance`). */
  advance?: number;
  /** The request for information's number. */
  request?: number;
  amount?: Money;
  /** An instalment's or advance's payee in force, masked (null: none yet, so no payment run can pay it). */
  maskedAccount?: string | null;
  /** The payment run an instalment or advance is queued in (null: in none). */
  runId?: string | null;
}

interface Row { claim_id: string; public_reference: string | null; jurisdiction: Jurisdiction; status: string; updated_at: string; detail: string; filed_by: string }

function rows(store: ReadModelStore, statuses: string[], jurisdictions: readonly string[]): Row[] {
  if (jurisdictions.length === 0) return [];
  return store.db.prepare(`SELECT claim_id, public_reference, jurisdiction, status, updated_at, detail, filed_by FROM claims
    WHERE status IN (${statuses.map(() => '?').join(', ')}) AND jurisdiction IN (${jurisdictions.map(() => '?').join(', ')})
    ORDER BY updated_at, claim_id`).all(...statuses, ...jurisdictions) as Row[];
}

const onHold = (r: Row): boolean => (JSON.parse(r.detail) as ClaimDetailView).onHoldForInformation;

const base = (r: Row, task: Task, role: string) => ({
  task, role, claimId: r.claim_id, publicReference: r.public_reference, jurisdiction: r.jurisdiction, status: r.status, since: r.updated_at,
});

const LAWYER_TASKS: Record<string, Task> = { 'fund-application': 'apply-to-fund', appeal: 'appeal-window', 'information-request': 'answer-information-request' };

/** Requests for information of the caller's jurisdictions unanswered past their due date, that the caller asked or, as assessor of record, follows. */
function overdueRequests(store: ReadModelStore, p: Principal, now: Date): WorkItem[] {
  if (p.jurisdictions.length === 0) return [];
  const open = store.db.prepare(`SELECT d.claim_id, d.instalment, d.due_on, c.public_reference, c.jurisdiction, c.status, c.updated_at, c.detail,
      (SELECT a.person FROM claim_assignments a WHERE a.claim_id = d.claim_id AND a.role = 'assessor') AS assessor
    FROM claim_deadlines d JOIN claims c ON c.claim_id = d.claim_id
    WHERE d.kind = 'information-request' AND d.jurisdiction IN (${p.jurisdictions.map(() => '?').join(', ')}) ORDER BY d.due_on, d.claim_id, d.instalment`)
    .all(...p.jurisdictions) as (Row & { instalment: number; due_on: string; assessor: string | null })[];
  const today = new Map<string, string>();
  const out: WorkItem[] = [];
  for (const r of open) {
    if (!today.has(r.jurisdiction)) today.set(r.jurisdiction, todayIn(r.jurisdiction, now));
    if (r.due_on >= today.get(r.jurisdiction)!) continue; // the due day is not over yet
    const asked = (JSON.parse(r.detail) as ClaimDetailView).informationRequests.find((x) => x.request === r.instalment);
    if (r.assessor !== p.sub && asked?.requestedBy !== p.sub) continue;
    out.push({ ...base(r, 'information-overdue', 'fund-assessor'), dueOn: r.due_on, request: r.instalment });
  }
  return out;
}

interface AdvanceRow {
  claim_id: string; advance: number; amount_minor: number; currency: Money['currency']; masked_account: string | null; run_id: string | null;
  public_reference: string | null; jurisdiction: string; status: string; updated_at: string;
}

/** Approved advances not yet paid in these jurisdictions (`claim_advances_due`, by its jurisdiction index: no claim's detail is read). */
function advancesDue(store: ReadModelStore, jurisdictions: readonly string[]): WorkItem[] {
  if (jurisdictions.length === 0) return [];
  const rows = store.db.prepare(`SELECT a.claim_id, a.advance, a.amount_minor, a.currency, a.masked_account, a.run_id,
      c.public_reference, c.jurisdiction, c.status, c.updated_at
    FROM claim_advances_due a JOIN claims c ON c.claim_id = a.claim_id
    WHERE a.jurisdiction IN (${jurisdictions.map(() => '?').join(', ')}) ORDER BY a.jurisdiction, a.claim_id, a.advance`).all(...jurisdictions) as AdvanceRow[];
  return rows.map((r) => ({
    task: 'pay-advance', role: 'fund-finance', claimId: r.claim_id, publicReference: r.public_reference, jurisdiction: r.jurisdiction, status: r.status,
    since: r.updated_at, advance: r.advance, amount: { amountMinor: r.amount_minor, currency: r.currency }, maskedAccount: r.masked_account, runId: r.run_id,
  }));
}

export function workQueue(store: ReadModelStore, p: Principal, now: Date): WorkItem[] {
  const items: WorkItem[] = [];
  const j = p.jurisdictions;
  if (p.roles.includes('fund-assessor')) {
    // Once an assessor is assigned, the claim waits for them alone.
    const elsewhere = store.db.prepare("SELECT 1 FROM claim_assignments WHERE claim_id = ? AND role = 'assessor' AND person <> ?");
    for (const r of rows(store, ['applied'], j)) {
      // On hold for information: not to assess until its requests are answered or withdrawn.
      if (elsewhere.get(r.claim_id, p.sub) === undefined && !onHold(r)) items.push(base(r, 'assess', 'fund-assessor'));
    }
    items.push(...overdueRequests(store, p, now));
  }
  if (p.roles.includes('fund-approver')) {
    const assessorOf = store.db.prepare<[string], { person: string }>("SELECT person FROM claim_assignments WHERE claim_id = ? AND role = 'assessor'");
    for (const r of rows(store, ['assessed'], j)) {
      const { fund, moneyByHead } = JSON.parse(r.detail) as ClaimDetailView;
      if (fund.assessedBy === null || moneyByHead.recommendedNet === null) continue; // not assessed
      if (onHold(r)) continue; // neither approved nor rejected while a request for information is open
      if (!fund.eligible || moneyByHead.recommendedNet.amountMinor === 0) {
        items.push(base(r, 'reject-ineligible', 'fund-approver'));
        continue;
      }
      // The rows are of the caller's jurisdictions and the caller is an approver: what is left is four-eyes.
      const assessor = assessorOf.get(r.claim_id)?.person;
      if (approvalConflict({ fund: { assessment: { assessedBy: fund.assessedBy }, approvals: fund.approvals }, assessor }, p.sub)) continue;
      const task: Task = fund.approvals.length === 0 ? 'first-approval' : 'second-approval';
      if (fund.approvals.length >= fund.approvalsNeeded) continue;
      items.push({ ...base(r, task, 'fund-approver'), amount: moneyByHead.recommendedNet });
    }
  }
  if (p.roles.includes('fund-finance')) {
    items.push(...advancesDue(store, j));
    const due: WorkItem[] = [];
    for (const r of rows(store, ['scheduled'], j)) {
      const { fund, payee } = JSON.parse(r.detail) as ClaimDetailView;
      for (const i of fund.instalments) {
        if (i.status === 'disbursed') continue;
        due.push({
          ...base(r, i.status === 'failed' ? 'retry-instalment' : 'disburse-instalment', 'fund-finance'),
          dueOn: i.dueOn, instalment: i.number, amount: i.amount, maskedAccount: payee.current?.maskedAccount ?? null, runId: i.runId,
        });
      }
    }
    items.push(...due.sort((a, b) => (a.dueOn! < b.dueOn! ? -1 : a.dueOn! > b.dueOn! ? 1 : a.claimId < b.claimId ? -1 : 1)));
  }
  if (p.roles.includes('lawyer')) {
    const mine = lawyerClaims(p);
    const own = store.db.prepare(`SELECT d.claim_id, d.kind, d.instalment, d.due_on, c.public_reference, c.jurisdiction, c.status, c.updated_at
      FROM claim_deadlines d JOIN claims c ON c.claim_id = d.claim_id
      WHERE d.claim_id IN (${mine.where}) AND d.kind IN ('fund-application', 'appeal', 'information-request') ORDER BY d.due_on, d.claim_id`).all(...mine.params) as
      { claim_id: string; kind: string; instalment: number; due_on: string; public_reference: string | null; jurisdiction: string; status: string; updated_at: string }[];
    for (const d of own) {
      items.push({
        task: LAWYER_TASKS[d.kind]!, role: 'lawyer', claimId: d.claim_id, publicReference: d.public_reference,
        jurisdiction: d.jurisdiction, status: d.status, since: d.updated_at, dueOn: d.due_on,
        ...(d.kind === 'information-request' ? { request: d.instalment } : {}),
      });
    }
  }
  return items;
}
