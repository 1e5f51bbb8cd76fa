import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  CommandBodies, EVENT_DEFINITIONS, MoneySchema, AmountsByHeadSchema, PersonalDataSchema, UnknownEventType,
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
    t.equal(def.version, 1, `${def.type} is v1`);
    const extra = def.data.safeParse({ schemaVersion: 1, surprise: true });
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
