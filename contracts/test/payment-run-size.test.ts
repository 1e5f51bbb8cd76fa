import { randomBytes } from 'node:crypto';
import t from 'tap';
import { CommandBodies, MAX_RUN_PAYMENTS, PaymentRunPrepared, type PaymentRunItem } from '../src/index.ts';

// A run is prepared in one event appended alone; a KurrentDB 24.10 node takes at most 1 MiB per
// append (ClusterVNodeOptions' MaxAppendSize). The largest run must fit, with room for the
// metadata (actor, correlation, signature) written beside it.
const MAX_APPEND = 1024 * 1024;
const METADATA_ROOM = 16 * 1024;

/** A payee's details at their largest, encrypted as the protector does (AES-GCM: ciphertext as long as the plaintext). */
function largestPayeeCiphertext() {
  const details = { name: 'Ж'.repeat(200), iban: 'RS'.padEnd(34, '9'), bic: 'ABCDEFGHXXX', domesticAccount: '9'.repeat(40), bankName: 'Ш'.repeat(200) };
  const plaintext = Buffer.byteLength(JSON.stringify(details), 'utf8');
  return { alg: 'AES-256-GCM' as const, keyId: `victim-${'k'.repeat(64)}`, iv: randomBytes(12).toString('base64'), ciphertext: randomBytes(plaintext).toString('base64'), tag: randomBytes(16).toString('base64') };
}

t.test('the largest run allowed fits one append of a KurrentDB 24.10 node', async (t) => {
  const item = (n: number): PaymentRunItem => ({
    claimId: crypto.randomUUID(), publicReference: 'R'.repeat(100), victimRef: 'v'.repeat(100),
    payment: { kind: 'instalment', number: 1000 }, amount: { amountMinor: 1_000_000_000_000, currency: 'RSD' },
    endToEndId: `${'Z'.repeat(25)}-${n}`.slice(0, 35), payeeKind: 'service-provider', maskedAccount: 'RS35 **** 7262',
    payeeDetails: largestPayeeCiphertext(), deciders: ['a', 'b', 'c', 'd'].map((x) => x.repeat(200)),
  });
  const data = PaymentRunPrepared.data.parse({
    schemaVersion: 1, runId: crypto.randomUUID(), jurisdiction: 'RS', currency: 'RSD', executionOn: '2026-12-31', preparedBy: 'p'.repeat(200),
    preparedAt: '2026-12-06T12:00:00.000Z', items: Array.from({ length: MAX_RUN_PAYMENTS }, (_, i) => item(i + 1)), total: { amountMinor: 1, currency: 'RSD' },
  });
  const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
  t.ok(bytes + METADATA_ROOM <= MAX_APPEND, `${MAX_RUN_PAYMENTS} payments of the largest size: ${bytes} bytes`);
});

t.test('a request for more payments than a run holds is refused with the reason', async (t) => {
  const payments = Array.from({ length: MAX_RUN_PAYMENTS + 1 }, () => ({ claimId: crypto.randomUUID(), instalment: 1 }));
  const r = CommandBodies.preparePaymentRun.safeParse({ jurisdiction: 'RS', executionOn: '2026-12-31', payments });
  t.notOk(r.success);
  t.match(r.error?.issues[0]?.message, /at most 300 payments: prepare several runs/);
  t.ok(CommandBodies.preparePaymentRun.safeParse({ jurisdiction: 'RS', executionOn: '2026-12-31', payments: payments.slice(1) }).success, 'the largest run is accepted');
});
