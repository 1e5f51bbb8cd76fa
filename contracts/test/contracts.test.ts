import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  CommandBodies, DocumentUploadFieldsSchema, EVENT_DEFINITIONS, MAX_AMOUNT_MINOR, MAX_LIST_ITEMS, MAX_SUM_MINOR, MoneySchema, AmountsByHeadSchema, PersonalDataSchema, UnknownEventType,
  eventJsonSchemas, parseEvent, registerUpcaster, upcast, isClaimEventType,
} from '@cfund/contracts';

const generatedDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'events');
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });
const claimId = '0f8fad5b-d9cb-469f-a165-70867728950e';

t.test('generated JSON Schemas are current (run `pnpm --filter @cfund/contracts generate` when this fails)', async (t) => {
  const expected = eventJsonSchemas();
  const files = fs.readdirSync(generatedDir).sort();
  t.same(files, Object.keys(expected).sort(), 'one file per event version, no leftovers');
  for (const [file, schema] of Object.entries(expected)) {
    const onDisk: unknown = JSON.parse(fs.readFileSync(path.join(generatedDir, file), 'utf8'));
    t.same(onDisk, schema, `${file} matches the zod schema`);
  }
});

t.test('every event definition has a schema version and refuses unknown fields', async (t) => {
  t.equal(EVENT_DEFINITIONS.length, new Set(EVENT_DEFINITIONS.map((d) => d.type)).size, 'types are unique');
  for (const def of EVENT_DEFINITIONS) {
    // Every event is at v1 but those a later version changed, each with an upcaster from its v1.
    t.equal(def.version, ['RecoveryCredited', 'PayoutScheduled', 'WebhookRegistered'].includes(def.type) ? 2 : 1, `${def.type} is v${def.version}`);
    const extra = def.data.safeParse({ schemaVersion: def.version, surprise: true });
    t.notOk(extra.success, `${def.type} rejects an unknown field`);
  }
});

t.test('money is integer minor units with a known currency', async (t) => {
  t.ok(MoneySchema.safeParse(eur(0)).success, 'zero is money');
  t.ok(MoneySchema.safeParse(eur(500_000)).success);
  t.notOk(MoneySchema.safeParse(eur(10.5)).success, 'no fractions of a minor unit');
  t.notOk(MoneySchema.safeParse(eur(-1)).success, 'no negative amounts');
  t.notOk(MoneySchema.safeParse({ amountMinor: 1, currency: 'USD' }).success, 'only scheme currencies');
  t.notOk(MoneySchema.safeParse({ amountMinor: 1, currency: 'EUR', note: 'x' }).success, 'strict');
  t.notOk(AmountsByHeadSchema.safeParse([{ head: 'non-pecuniary', amount: eur(1) }, { head: 'non-pecuniary', amount: eur(2) }]).success, 'a head appears once');
});

t.test('parseEvent validates data and rejects unknown types', async (t) => {
  const ok = parseEvent('ClaimClosed', { schemaVersion: 1, claimId, reason: 'paid in full', closedAt: '2026-11-29T10:00:00.000Z' });
  t.equal(ok.type, 'ClaimClosed');
  t.throws(() => parseEvent('ClaimClosed', { schemaVersion: 1, claimId, reason: '', closedAt: '2026-11-29T10:00:00.000Z' }), 'an empty reason is refused');
  t.throws(() => parseEvent('ClaimClosed', { schemaVersion: 1, claimId, reason: 'x', closedAt: '2026-11-29T12:00:00+02:00' }), 'instants are UTC');
  t.throws(() => parseEvent('NoSuchEvent', {}), UnknownEventType);
  t.ok(isClaimEventType('PayoutDisbursed'));
  t.notOk(isClaimEventType('FundsCommitted'), 'ledger events are not claim events');
});

t.test('an upcaster lifts stored data of an older version to the current one', async (t) => {
  // A pretend v0 of ClaimClosed without closedAt, as a v2 migration would be written.
  const unregister = registerUpcaster({
    type: 'ClaimClosed', fromVersion: 0,
    up: (d) => ({ ...d, schemaVersion: 1, closedAt: '1970-01-01T00:00:00.000Z' }),
  });
  t.teardown(unregister);
  const stored = { schemaVersion: 0, claimId, reason: 'legacy' };
  t.same(upcast('ClaimClosed', stored), { ...stored, schemaVersion: 1, closedAt: '1970-01-01T00:00:00.000Z' });
  const parsed = parseEvent('ClaimClosed', stored);
  t.equal(parsed.data.schemaVersion, 1, 'readers see the current version');
  t.throws(() => registerUpcaster({ type: 'ClaimClosed', fromVersion: 0, up: (d) => d }), 'one upcaster per version');
  t.same(upcast('ClaimWithdrawn', { schemaVersion: 1 }), { schemaVersion: 1 }, 'current data passes unchanged');
  const webhookV1 = {
    schemaVersion: 1, webhookId: '3f0c9a34-1d2b-4c5e-8f7a-9b0c1d2e3f40', owner: 'lawyer-1', target: { kind: 'user', userId: 'lawyer-1' },
    url: 'https://hooks.example.org/x', secretSha256: 'a'.repeat(64), registeredAt: '2026-11-29T10:00:00.000Z',
  };
  const webhookV2 = parseEvent('WebhookRegistered', webhookV1).data as Record<string, unknown>;
  t.same(webhookV2, { ...webhookV1, schemaVersion: 2 }, 'a webhook registered at v1 reads as v2 without a sealed secret');
});

t.test('a recovery credited before recoveries were numbered (v1) still loads, as a credit of no recovery in particular', async (t) => {
  const stored = { schemaVersion: 1, jurisdiction: 'RS', year: 2026, claimId, amount: { amountMinor: 500, currency: 'RSD' } };
  const parsed = parseEvent('RecoveryCredited', stored);
  t.same(parsed.data, { ...stored, schemaVersion: 2 });
  t.equal(parseEvent('RecoveryCredited', { ...stored, schemaVersion: 2, recovery: 3 }).data.schemaVersion, 2);
});

t.test('a payout schedule of before instalments were committed by due year (v1) loads as not committed by due year', async (t) => {
  const stored = { schemaVersion: 1, claimId, instalments: [{ number: 1, amount: { amountMinor: 500, currency: 'RSD' }, dueOn: '2027-02-01' }], total: { amountMinor: 500, currency: 'RSD' } };
  t.same(parseEvent('PayoutScheduled', stored).data, { ...stored, schemaVersion: 2, committedByDueYear: false });
  t.equal((parseEvent('PayoutScheduled', { ...stored, schemaVersion: 2, committedByDueYear: true }).data as { committedByDueYear: boolean }).committedByDueYear, true);
});

t.test('a document names the request for information it answers by the request\'s number; an early upload\'s requestId still loads', async (t) => {
  const attached = {
    schemaVersion: 1, claimId, documentId: '7d444840-9dc0-4c1f-9f0b-2b7c1d0e5a11', kind: 'medical-report', size: 1000, contentType: 'application/pdf',
    sha256: 'a'.repeat(64), storageKey: 'doc.cfd', fileName: { alg: 'AES-256-GCM', keyId: 'k', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Y2lwaGVy', tag: 'dGFndGFndGFndGFnZGFk' },
    attachedBy: 'lawyer-1', attachedAt: '2026-03-12T09:55:00.000Z',
  };
  t.same(parseEvent('DocumentAttached', { ...attached, request: 2 }).data, { ...attached, request: 2 }, 'the request\'s number');
  t.throws(() => parseEvent('DocumentAttached', { ...attached, request: 0 }), 'requests are numbered from 1');
  const early = { ...attached, requestId: '11111111-1111-4111-8111-111111111111' };
  t.same(parseEvent('DocumentAttached', early).data, early, 'an early upload\'s requestId (which named no request) still loads');

  t.same(DocumentUploadFieldsSchema.parse({ kind: 'ruling', request: '3' }), { kind: 'ruling', request: 3 }, 'a multipart field is text: the number is read from it');
  t.same(DocumentUploadFieldsSchema.parse({ kind: 'ruling' }), { kind: 'ruling' }, 'no request: none');
  for (const bad of ['0', '-1', '1.5', 'one', '', ' ', '1e3', '0x1']) {
    const r = DocumentUploadFieldsSchema.safeParse({ kind: 'ruling', request: bad });
    t.same(r.success ? 'parsed' : r.error.issues.map((i) => i.path.join('.')), ['request'], `request ${JSON.stringify(bad)} is refused, naming the field`);
  }
  t.notOk(DocumentUploadFieldsSchema.safeParse({ kind: 'ruling', requestId: '11111111-1111-4111-8111-111111111111' }).success, 'requestId is no field of an upload');
});

t.test('command bodies are strict and typed', async (t) => {
  const file = {
    jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'A. B.' }, formOfExploitation: 'labour',
    incidentOn: '2025-03-01', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 100_000_00, currency: 'RSD' } }],
  };
  t.ok(CommandBodies.fileClaim.safeParse(file).success);
  t.notOk(CommandBodies.fileClaim.safeParse({ ...file, isAdmin: true }).success, 'unknown field');
  t.notOk(CommandBodies.fileClaim.safeParse({ ...file, incidentOn: '2025-02-30' }).success, 'impossible date');
  t.notOk(CommandBodies.fileClaim.safeParse({ ...file, jurisdiction: 'HR' }).success, 'unknown jurisdiction');
  t.notOk(CommandBodies.disbursePayout.safeParse({ paymentReference: 42 }).success, 'wrong type');
  t.notOk(PersonalDataSchema.safeParse({ fullName: 'x', contacts: { email: 'not-an-email' } }).success);
  t.same(CommandBodies.assessClaim.parse({ eligible: true, assessedAmounts: [], deductions: [] }).ineligibilityReasons, [], 'defaults apply');
});

t.test('commands are bounded where stored events are not', async (t) => {
  const file = {
    jurisdiction: 'RS', applicantRole: 'direct', victim: { fullName: 'A. B.', dateOfBirth: '1990-01-01' }, formOfExploitation: 'labour',
    incidentOn: '2025-03-01', damagesClaimed: [{ head: 'non-pecuniary', amount: { amountMinor: 100_000_00, currency: 'RSD' } }],
  };
  const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (r.error?.issues ?? []).map((i) => i.path.join('.'));
  const rsd = (amountMinor: number) => ({ amountMinor, currency: 'RSD' });
  t.ok(CommandBodies.fileClaim.safeParse(file).success);
  t.ok(CommandBodies.fileClaim.safeParse({ ...file, damagesClaimed: [{ head: 'non-pecuniary', amount: rsd(MAX_AMOUNT_MINOR) }] }).success, 'the maximum itself');
  t.same(paths(CommandBodies.fileClaim.safeParse({ ...file, damagesClaimed: [{ head: 'non-pecuniary', amount: rsd(MAX_AMOUNT_MINOR + 1) }] })),
    ['damagesClaimed.0.amount.amountMinor'], 'above the maximum amount, naming the field');
  t.same(paths(CommandBodies.fileClaim.safeParse({ ...file, damagesClaimed: [{ head: 'non-pecuniary', amount: rsd(Number.MAX_SAFE_INTEGER) }] })),
    ['damagesClaimed.0.amount.amountMinor'], 'the attack: 2^53 - 1');
  t.same(paths(CommandBodies.fileClaim.safeParse({ ...file, damagesClaimed: [{ head: 'non-pecuniary', amount: rsd(0) }] })), ['damagesClaimed.0.amount.amountMinor'], 'zero');
  t.same(paths(CommandBodies.fileClaim.safeParse({ ...file, damagesClaimed: [] })), ['damagesClaimed'], 'a claim claims something');
  t.same(paths(CommandBodies.submitFundApplication.safeParse({ otherCompensationDeclared: Array.from({ length: MAX_LIST_ITEMS + 1 }, () => ({ source: 'other', amount: rsd(1) })) })),
    ['otherCompensationDeclared'], 'lists are bounded');
  t.same(paths(CommandBodies.allocateBudget.safeParse({ amount: rsd(0) })), ['amount.amountMinor']);
  t.same(paths(CommandBodies.recordOffenderPayment.safeParse({ amount: rsd(MAX_AMOUNT_MINOR * 2), receivedOn: '2025-01-01' })), ['amount.amountMinor']);
  t.ok(MAX_AMOUNT_MINOR * MAX_LIST_ITEMS * 10 < MAX_SUM_MINOR && MAX_SUM_MINOR * 9 < Number.MAX_SAFE_INTEGER, 'sums of many amounts stay far below 2^53');

  for (const [name, bad] of [['NUL', 'A\u0000B'], ['escape', 'A\u001bB'], ['a line break', 'A\nB'], ['a lone high surrogate', 'A\ud800B'], ['a lone low surrogate', 'A\udc00'], ['a direction override', 'A\u202eB']] as const) {
    t.same(paths(CommandBodies.fileClaim.safeParse({ ...file, victim: { fullName: bad, address: bad } })), ['victim.fullName', 'victim.address'], `${name} in a name and an address`);
    t.same(paths(CommandBodies.recordCriminalProceedings.safeParse({ court: bad, caseNumber: bad })), ['court', 'caseNumber'], `${name} in a court and a case number`);
    t.same(paths(CommandBodies.attachEvidence.safeParse({ documentId: bad, kind: 'other', sha256: 'a'.repeat(64), title: 'x' })), ['documentId'], `${name} in a document id`);
  }
  t.ok(CommandBodies.fileClaim.safeParse({ ...file, victim: { fullName: 'Đurđa Šćekić 👩‍👧' } }).success, 'letters of the region and paired surrogates are text');
  t.ok(CommandBodies.withdrawClaim.safeParse({ reason: 'First line.\nSecond line.\tTabbed.' }).success, 'free text keeps line breaks');
  t.same(paths(CommandBodies.withdrawClaim.safeParse({ reason: 'x\u0000' })), ['reason'], 'but not NUL');

  for (const d of ['0000-01-01', '1899-12-31', '2200-01-01', '9999-12-31']) {
    t.same(paths(CommandBodies.recordRulingFinality.safeParse({ finalOn: d })), ['finalOn'], `a date in ${d.slice(0, 4)}`);
    t.same(paths(CommandBodies.fileClaim.safeParse({ ...file, victim: { fullName: 'A', dateOfBirth: d } })), ['victim.dateOfBirth'], `a date of birth in ${d.slice(0, 4)}`);
  }
  t.same(paths(CommandBodies.notifyDecision.safeParse({ servedAt: '9999-01-01T00:00:00Z' })), ['servedAt'], 'an instant in 9999');
  t.ok(CommandBodies.recordRulingFinality.safeParse({ finalOn: '1900-01-01' }).success, '1900 is in range');
  t.ok(CommandBodies.schedulePayout.safeParse({ instalments: 11, firstDueOn: '2026-01-01', intervalMonths: 12 }).success, 'a schedule of ten years');
  t.same(paths(CommandBodies.schedulePayout.safeParse({ instalments: 120, firstDueOn: '2026-01-01', intervalMonths: 12 })), ['instalments'], 'not of 119 years');

  // Events are facts: what was accepted once is read back as it was.
  const stored = parseEvent('ClaimFiled', {
    schemaVersion: 1, claimId, jurisdiction: 'RS', schemeVersion: '2025-01-01', currency: 'RSD', filedBy: 'lawyer-1', filedAt: '2026-01-01T00:00:00.000Z',
    publicReference: 'RS-2026-1', applicantRole: 'direct', victimRef: 'vic-1',
    personalData: { alg: 'AES-256-GCM', keyId: 'k', iv: 'AAAA', ciphertext: 'AAAA', tag: 'AAAA' }, formOfExploitation: 'labour', incidentOn: '0000-01-01',
    damagesClaimed: [{ head: 'non-pecuniary', amount: rsd(Number.MAX_SAFE_INTEGER) }, { head: 'lost-earnings', amount: rsd(0) }],
  });
  t.equal(stored.type, 'ClaimFiled', 'a stored ClaimFiled beyond today\'s bounds still decodes');
  t.ok(parseEvent('CriminalProceedingsRecorded', { schemaVersion: 1, claimId, court: 'A\u0000B', caseNumber: 'x\ud800' }), 'and stored text as it was');
  t.ok(parseEvent('FundBudgetAllocated', { schemaVersion: 1, jurisdiction: 'RS', year: 2026, amount: { amountMinor: Number.MAX_SAFE_INTEGER, currency: 'EUR' }, allocatedBy: 'a', allocatedAt: '2026-01-01T00:00:00.000Z' }));
});
