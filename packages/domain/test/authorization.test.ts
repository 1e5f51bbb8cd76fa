import t, { type Test } from 'tap';
import type { Role } from '@cfund/contracts';
import {
  DomainError, canActAsFundStaff, canActAsLawyerOn, canAllocateBudget, canAssess, canAssignAssessor, canChangeCounsel, canTakeClaim,
  accessLogScope, canErasePersonalData, canFile, canOperate, canRead, canReadAccessLog, canReadDigest, canReadFundYear, canReadPersonalData,
  canReconcileFundYear, canSetPayee, canUseRoute, ensureAllowed, readableClaims,
  type Authorization, type ClaimAccess, type Principal,
} from '../src/index.ts';

const who = (sub: string, roles: Role[], jurisdictions: Principal['jurisdictions'] = ['RS']): Principal => ({ sub, roles, jurisdictions });
const lawyer = who('lawyer-ana', ['lawyer']);
const assigned = who('lawyer-bojan', ['lawyer']);
const lawyerNowhere = who('lawyer-nada', ['lawyer'], []);
const otherLawyer = who('lawyer-cvijeta', ['lawyer']);
const assessor = who('assessor-dusan', ['fund-assessor']);
const approver1 = who('approver-eva', ['fund-approver']);
const approverBA = who('approver-goran', ['fund-approver'], ['BA']);
const finance = who('finance-hana', ['fund-finance']);
const admin = who('admin-ivan', ['fund-admin']);
const auditor = who('auditor-jelena', ['auditor'], []);
const dpo = who('dpo-kosta', ['dpo']);
const dpoBA = who('dpo-lana', ['dpo'], ['BA']);
const dpoNowhere = who('dpo-mira', ['dpo'], []);
const operator = who('operator-nikola', ['operator'], []);
const nobody = who('nobody', []);
const monitor = who('monitor-olga', ['monitor'], ['RS', 'BA']);

const claim: ClaimAccess = {
  jurisdiction: 'RS',
  leadLawyer: lawyer.sub,
  assignedLawyers: [assigned.sub],
};

function refused(t: Test, result: Authorization, code: string, name: string): void {
  t.equal(result.allowed, false, `${name}: refused`);
  if (!result.allowed) {
    t.equal(result.error.code, code, `${name}: ${code}`);
    t.equal(result.error.kind, 'authorization', `${name}: an authorization error`);
    t.ok(result.error.message.length > 20, `${name}: says why`);
  }
}
function allowed(t: Test, result: Authorization, name: string): void {
  t.same(result, { allowed: true }, `${name}: allowed`);
}

t.test('filing', async (t) => {
  allowed(t, canFile(lawyer, 'RS'), 'a lawyer in their jurisdiction');
  refused(t, canFile(lawyer, 'BA'), 'wrong-jurisdiction', 'a lawyer elsewhere');
  refused(t, canFile(lawyerNowhere, 'RS'), 'wrong-jurisdiction', 'a lawyer without jurisdictions');
  refused(t, canFile(assessor, 'RS'), 'forbidden-role', 'fund staff');
  refused(t, canFile(nobody, 'RS'), 'forbidden-role', 'no role');
  refused(t, canFile(auditor, 'RS'), 'auditor-read-only', 'an auditor');
  allowed(t, canFile(who('x', ['auditor', 'lawyer']), 'RS'), 'auditor role takes nothing from the lawyer role');
});

t.test('lawyers act only on their own or assigned claims', async (t) => {
  allowed(t, canActAsLawyerOn(lawyer, claim), 'the filing lawyer');
  allowed(t, canActAsLawyerOn(assigned, claim), 'an assigned lawyer of the claim\'s jurisdiction');
  refused(t, canActAsLawyerOn(otherLawyer, claim), 'not-your-claim', 'another lawyer');
  refused(t, canActAsLawyerOn(assessor, claim), 'forbidden-role', 'fund staff');
  refused(t, canActAsLawyerOn(auditor, claim), 'auditor-read-only', 'an auditor');
  refused(t, canActAsLawyerOn(who(lawyer.sub, ['fund-finance']), claim), 'forbidden-role', 'same sub without the lawyer role');
});

t.test('fund staff: role and jurisdiction', async (t) => {
  allowed(t, canActAsFundStaff(assessor, 'RS', 'fund-assessor'), 'assessor in RS');
  refused(t, canActAsFundStaff(assessor, 'RS', 'fund-approver'), 'forbidden-role', 'assessor acting as approver');
  refused(t, canActAsFundStaff(assessor, 'BA', 'fund-assessor'), 'wrong-jurisdiction', 'assessor outside RS');
  refused(t, canActAsFundStaff(lawyer, 'RS', 'fund-assessor'), 'forbidden-role', 'a lawyer');
  refused(t, canActAsFundStaff(auditor, 'RS', 'fund-finance'), 'auditor-read-only', 'an auditor');
  allowed(t, canAssess(assessor, claim), 'canAssess');
  refused(t, canAssess(approver1, claim), 'forbidden-role', 'canAssess by an approver');
  refused(t, canAssess(who('assessor-ba', ['fund-assessor'], ['BA']), claim), 'wrong-jurisdiction', 'canAssess from BA');
  allowed(t, canAllocateBudget(admin, 'RS'), 'fund admin allocates');
  refused(t, canAllocateBudget(admin, 'ME'), 'wrong-jurisdiction', 'fund admin of another jurisdiction');
  refused(t, canAllocateBudget(finance, 'RS'), 'forbidden-role', 'finance cannot allocate');
  const e = canAllocateBudget(admin, 'ME');
  if (!e.allowed) t.same(e.error.details, { jurisdiction: 'ME', jurisdictions: ['RS'] });
});

t.test('approval and disbursement by role and jurisdiction (four-eyes is the claim decider\'s)', async (t) => {
  allowed(t, canActAsFundStaff(approver1, claim.jurisdiction, 'fund-approver'), 'an approver of the jurisdiction');
  refused(t, canActAsFundStaff(approverBA, claim.jurisdiction, 'fund-approver'), 'wrong-jurisdiction', 'an approver of another jurisdiction');
  refused(t, canActAsFundStaff(assessor, claim.jurisdiction, 'fund-approver'), 'forbidden-role', 'an assessor without the approver role');
  refused(t, canActAsFundStaff(auditor, claim.jurisdiction, 'fund-approver'), 'auditor-read-only', 'an auditor');
  allowed(t, canActAsFundStaff(finance, claim.jurisdiction, 'fund-finance'), 'finance officer');
  refused(t, canActAsFundStaff(approver1, claim.jurisdiction, 'fund-finance'), 'forbidden-role', 'an approver without the finance role');
  refused(t, canActAsFundStaff(who('finance-ba', ['fund-finance'], ['BA']), claim.jurisdiction, 'fund-finance'), 'wrong-jurisdiction', 'finance of another jurisdiction');
});

t.test('reading: auditors everything, lawyers their claims, staff their jurisdictions', async (t) => {
  allowed(t, canRead(auditor, claim), 'an auditor without jurisdictions');
  allowed(t, canRead(auditor, { ...claim, jurisdiction: 'XK' }), 'an auditor anywhere');
  allowed(t, canRead(lawyer, claim), 'the filing lawyer');
  allowed(t, canRead(assigned, claim), 'an assigned lawyer');
  refused(t, canRead(otherLawyer, claim), 'not-your-claim', 'another lawyer');
  allowed(t, canRead(finance, claim), 'fund staff in the jurisdiction');
  refused(t, canRead(approverBA, claim), 'wrong-jurisdiction', 'fund staff elsewhere');
  refused(t, canRead(dpo, claim), 'forbidden-role', 'the dpo role alone');
  refused(t, canRead(operator, claim), 'forbidden-role', 'the operator role alone');
  refused(t, canRead(nobody, claim), 'forbidden-role', 'no role');
  allowed(t, canRead(who(otherLawyer.sub, ['lawyer', 'fund-assessor']), claim), 'a lawyer who is also RS fund staff');
  refused(t, canRead(who('assessor-nowhere', ['fund-assessor'], []), claim), 'wrong-jurisdiction', 'fund staff without jurisdictions');
});

t.test('assigned lawyers act only while their token carries the claim\'s jurisdiction', async (t) => {
  // given a co-counsel and a lead (handed the claim) whose tokens name another jurisdiction, or none
  const coCounselBA = who(assigned.sub, ['lawyer'], ['BA']);
  const handedTo = who('lawyer-ognjen', ['lawyer'], ['BA']);
  const handedOver: ClaimAccess = { ...claim, leadLawyer: handedTo.sub };
  for (const [name, p, c] of [
    ['a co-counsel of BA', coCounselBA, claim], ['a co-counsel without jurisdictions', who(assigned.sub, ['lawyer'], []), claim],
    ['the lead handed the claim, of BA', handedTo, handedOver],
  ] as const) {
    // when they act, read the claim or its victim's data, or change who acts; then they get the answer of any other lawyer
    refused(t, canActAsLawyerOn(p, c), 'not-your-claim', `${name} acts`);
    refused(t, canRead(p, c), 'not-your-claim', `${name} reads`);
    refused(t, canReadPersonalData(p, c), 'personal-data-forbidden', `${name} reads personal data`);
    refused(t, canSetPayee(p, c), 'not-your-claim', `${name} sets the payee`);
  }
  refused(t, canChangeCounsel(handedTo, handedOver), 'not-your-claim', 'the lead of BA changes who acts');
  // the same people with the claim's jurisdiction in their token act
  allowed(t, canActAsLawyerOn(who(assigned.sub, ['lawyer'], ['BA', 'RS']), claim), 'the co-counsel with RS among their jurisdictions');
  allowed(t, canChangeCounsel(who(handedTo.sub, ['lawyer'], ['RS']), handedOver), 'the lead handed the claim, of RS');
});

t.test('assignment: the lead lawyer changes who acts; co-counsel act and read; the assigned assessor alone assesses', async (t) => {
  allowed(t, canChangeCounsel(lawyer, claim), 'the lead lawyer');
  refused(t, canChangeCounsel(assigned, claim), 'not-lead-lawyer', 'a co-counsel');
  refused(t, canChangeCounsel(otherLawyer, claim), 'not-your-claim', 'another lawyer');
  refused(t, canChangeCounsel(who(lawyer.sub, ['lawyer'], ['BA']), claim), 'not-your-claim', 'the lead without the claim\'s jurisdiction in the token');
  allowed(t, canChangeCounsel(admin, claim), 'a fund admin of the jurisdiction (when the lead left)');
  refused(t, canChangeCounsel(who('admin-ba', ['fund-admin'], ['BA']), claim), 'wrong-jurisdiction', 'not a BA admin');
  refused(t, canChangeCounsel(approver1, claim), 'forbidden-role', 'nor other fund staff');
  const handedOver: ClaimAccess = { ...claim, leadLawyer: otherLawyer.sub, assignedLawyers: [] };
  refused(t, canActAsLawyerOn(lawyer, handedOver), 'not-your-claim', 'the former lead after a hand-over');
  refused(t, canRead(lawyer, handedOver), 'not-your-claim', 'who no longer sees the claim');
  allowed(t, canRead(otherLawyer, handedOver), 'the new lead sees it');
  allowed(t, canReadPersonalData(assigned, claim), 'a co-counsel reads the victim\'s data');
  refused(t, canReadPersonalData(assigned, handedOver), 'personal-data-forbidden', 'a removed co-counsel does not');
  allowed(t, canAssignAssessor(admin, claim), 'an RS fund admin assigns the assessor');
  refused(t, canAssignAssessor(assessor, claim), 'forbidden-role', 'an assessor does not assign');
  refused(t, canAssignAssessor(who('admin-ba', ['fund-admin'], ['BA']), claim), 'wrong-jurisdiction', 'nor a BA admin');
  allowed(t, canTakeClaim(assessor, claim), 'an RS assessor takes a claim');
  refused(t, canTakeClaim(approver1, claim), 'forbidden-role', 'an approver does not');
  const assessorOf = (sub: string): ClaimAccess => ({ ...claim, assessor: sub });
  allowed(t, canAssess(assessor, assessorOf(assessor.sub)), 'the assigned assessor assesses');
  refused(t, canAssess(who('assessor-other', ['fund-assessor']), assessorOf(assessor.sub)), 'not-assigned-assessor', 'another assessor does not');
  allowed(t, canAssess(who('assessor-other', ['fund-assessor']), claim), 'any RS assessor while none is assigned');
});

t.test('readable claims: the same rule as a filter for queries', async (t) => {
  t.same(readableClaims(auditor), { allowed: true, all: true }, 'an auditor: every claim');
  t.same(readableClaims(finance), { allowed: true, all: false, jurisdictions: ['RS'], lawyer: null }, 'fund staff: their jurisdictions');
  t.same(readableClaims(lawyer), { allowed: true, all: false, jurisdictions: [], lawyer: { sub: lawyer.sub, jurisdictions: ['RS'] } }, 'a lawyer: their own claims, of their jurisdictions');
  t.same(readableClaims(who('both', ['lawyer', 'fund-approver'], ['BA'])), { allowed: true, all: false, jurisdictions: ['BA'], lawyer: { sub: 'both', jurisdictions: ['BA'] } }, 'both roles: both');
  refused(t, readableClaims(dpo), 'forbidden-role', 'the dpo role alone');
  refused(t, readableClaims(operator), 'forbidden-role', 'the operator role alone');
  refused(t, readableClaims(who('assessor-nowhere', ['fund-assessor'], [])), 'wrong-jurisdiction', 'fund staff without jurisdictions');
});

t.test('fund years: staff of the jurisdiction read the ledger, its fund admins reconcile it; auditors both', async (t) => {
  for (const [name, p] of [['an auditor', auditor], ['RS finance', finance], ['an RS approver', approver1], ['an RS admin', admin]] as const) {
    allowed(t, canReadFundYear(p, 'RS'), `${name} reads the RS ledger`);
  }
  for (const [name, p] of [['a BA approver', approverBA], ['a lawyer', lawyer], ['the dpo', dpo], ['an operator', operator]] as const) {
    refused(t, canReadFundYear(p, 'RS'), 'forbidden-role', `${name} does not read the RS ledger`);
  }
  allowed(t, canReconcileFundYear(auditor, 'RS'), 'an auditor reconciles');
  allowed(t, canReconcileFundYear(admin, 'RS'), 'an RS admin reconciles');
  refused(t, canReconcileFundYear(admin, 'BA'), 'forbidden-role', 'not another jurisdiction\'s');
  refused(t, canReconcileFundYear(finance, 'RS'), 'forbidden-role', 'finance does not reconcile');
});

t.test('erasure: the data-protection officer of the claim\'s jurisdiction only', async (t) => {
  allowed(t, canErasePersonalData(dpo, claim), 'the dpo of RS on an RS claim');
  refused(t, canErasePersonalData(dpoBA, claim), 'wrong-jurisdiction', 'the dpo of BA on an RS claim');
  refused(t, canErasePersonalData(dpoNowhere, claim), 'wrong-jurisdiction', 'a dpo without jurisdictions');
  refused(t, canErasePersonalData(admin, claim), 'forbidden-role', 'a fund admin');
  refused(t, canErasePersonalData(lawyer, claim), 'forbidden-role', 'the claim\'s lawyer');
  refused(t, canErasePersonalData(auditor, claim), 'auditor-read-only', 'an auditor');
  refused(t, canErasePersonalData(operator, claim), 'forbidden-role', 'an operator');
});

t.test('personal data: the filing lawyer and claim-handling staff of the jurisdiction', async (t) => {
  allowed(t, canReadPersonalData(lawyer, claim), 'the filing lawyer');
  allowed(t, canReadPersonalData(assessor, claim), 'an RS assessor');
  allowed(t, canReadPersonalData(finance, claim), 'RS finance');
  for (const [name, p] of [['another lawyer', otherLawyer], ['BA approver', approverBA], ['fund admin', admin], ['auditor', auditor], ['dpo', dpo], ['operator', operator]] as const) {
    refused(t, canReadPersonalData(p, claim), 'personal-data-forbidden', name);
  }
});

t.test('access logs: auditors every claim\'s, the dpo their jurisdictions\'', async (t) => {
  t.same(accessLogScope(auditor), { allowed: true, jurisdictions: 'all' }, 'an auditor: all');
  t.same(accessLogScope(dpoBA), { allowed: true, jurisdictions: ['BA'] }, 'the dpo of BA: BA');
  refused(t, accessLogScope(dpoNowhere), 'wrong-jurisdiction', 'a dpo without jurisdictions');
  refused(t, accessLogScope(admin), 'forbidden-role', 'a fund admin');
  allowed(t, canReadAccessLog(auditor, claim), 'an auditor, RS claim');
  allowed(t, canReadAccessLog(dpo, claim), 'the dpo of RS, RS claim');
  refused(t, canReadAccessLog(dpoBA, claim), 'wrong-jurisdiction', 'the dpo of BA, RS claim');
  refused(t, canReadAccessLog(lawyer, claim), 'forbidden-role', 'the claim\'s lawyer');
});

t.test('operations: the operator only; the digest also to auditors', async (t) => {
  allowed(t, canOperate(operator), 'an operator');
  refused(t, canOperate(admin), 'forbidden-role', 'a fund admin');
  refused(t, canOperate(who('admin-all', ['fund-admin'], ['RS', 'BA', 'ME', 'AL', 'MK', 'XK'])), 'forbidden-role', 'a fund admin of every jurisdiction');
  refused(t, canOperate(auditor), 'auditor-read-only', 'an auditor');
  allowed(t, canReadDigest(operator), 'an operator reads the digest');
  allowed(t, canReadDigest(auditor), 'an auditor reads the digest');
  refused(t, canReadDigest(admin), 'forbidden-role', 'a fund admin');
});

t.test('a monitor: published aggregates only', async (t) => {
  allowed(t, canUseRoute(monitor, { aggregates: true }), 'an aggregate route');
  refused(t, canUseRoute(monitor, { aggregates: false }), 'aggregates-only', 'any other route');
  allowed(t, canUseRoute(who('monitor-and-auditor', ['monitor', 'auditor']), { aggregates: false }), 'another role on the token grants what it grants');
  for (const [name, p] of [['a lawyer', lawyer], ['an auditor', auditor], ['no role', nobody]] as const) {
    allowed(t, canUseRoute(p, { aggregates: false }), `${name}: the route's own rules decide`);
  }
  refused(t, readableClaims(monitor), 'forbidden-role', 'no claim');
  refused(t, canRead(monitor, claim), 'forbidden-role', 'not one claim');
  refused(t, canReadPersonalData(monitor, claim), 'personal-data-forbidden', 'no personal data');
  refused(t, canReadFundYear(monitor, 'RS'), 'forbidden-role', 'no fund ledger');
  refused(t, accessLogScope(monitor), 'forbidden-role', 'no access log');
  refused(t, canReadDigest(monitor), 'forbidden-role', 'no digest');
});

t.test('ensureAllowed throws the refusal', async (t) => {
  t.doesNotThrow(() => ensureAllowed(canAssess(assessor, claim)));
  const e = t.throws(() => ensureAllowed(canAssess(approver1, claim))) as DomainError;
  t.ok(e instanceof DomainError);
  t.equal(e.code, 'forbidden-role');
  t.match(e.message, /fund-assessor/);
});
