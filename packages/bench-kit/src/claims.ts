/** The claim workload of the benchmarks: whole lifecycles through the command service's HTTP API. */
import type { Role } from '@cfund/contracts';
import { jwtSecretPath, readJwtSecretFile, signToken } from '@cfund/service-kit';
import type { HttpClient } from './http.js';

export interface Tokens { lawyer: string; assessor: string; approver1: string; approver2: string; finance: string; admin: string; auditor: string }

/** Tokens as `pnpm run token` makes them, with the secret the command service generated in `dataDir`. */
export async function benchTokens(dataDir: string, jurisdiction: 'RS' = 'RS'): Promise<Tokens> {
  const secret = await readJwtSecretFile(jwtSecretPath(dataDir));
  const sign = (sub: string, role: Role) => signToken(secret, { sub, roles: [role], jurisdictions: [jurisdiction] });
  return {
    lawyer: await sign('bench-lawyer', 'lawyer'),
    assessor: await sign('bench-assessor', 'fund-assessor'),
    approver1: await sign('bench-approver-1', 'fund-approver'),
    approver2: await sign('bench-approver-2', 'fund-approver'),
    finance: await sign('bench-finance', 'fund-finance'),
    admin: await sign('bench-admin', 'fund-admin'),
    auditor: await signToken(secret, { sub: 'bench-auditor', roles: ['auditor'], jurisdictions: [] }),
  };
}

/** An `operator` token (read-model rebuilds), signed like benchTokens. */
export async function benchOperatorToken(dataDir: string): Promise<string> {
  return signToken(await readJwtSecretFile(jwtSecretPath(dataDir)), { sub: 'bench-operator', roles: ['operator'], jurisdictions: [] });
}

export const RSD = (amountMinor: number) => ({ amountMinor, currency: 'RSD' as const });
export const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
/** This year in Belgrade: the fund year of RS awards approved now. */
export const fundYearNow = (): number => Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Belgrade', year: 'numeric' }).format(new Date()));

/** One step of a lifecycle: its name (for per-command figures), path (after /claims/<id>/), who, body. */
export type Step = [name: string, path: string, token: keyof Tokens, body: unknown];

export const fileBody = (n: number) => ({
  jurisdiction: 'RS', applicantRole: 'direct',
  victim: { fullName: `Bench Victim ${n}`, dateOfBirth: '1995-04-12' },
  formOfExploitation: 'labour', incidentOn: day(-800),
  damagesClaimed: [{ head: 'non-pecuniary', amount: RSD(120_000_000) }],
});

/** Every step after filing, to closure (13 commands: 14 with the filing). */
export const lifecycleSteps = (): Step[] => [
  ['court ruling', 'court-rulings', 'lawyer', {
    court: 'Higher Court in Belgrade', caseNumber: 'K-123/2025', decidedOn: day(-200), outcome: 'compensation-awarded',
    amounts: [{ head: 'non-pecuniary', amount: RSD(100_000_000) }],
  }],
  ['ruling finality', 'ruling-finality', 'lawyer', { finalOn: day(-170) }],
  ['enforcement failure', 'enforcement-failures', 'lawyer', { reason: 'no-assets', amountOutstanding: RSD(100_000_000), recordedOn: day(-60) }],
  ['fund application', 'fund-application', 'lawyer', { otherCompensationDeclared: [] }],
  ['assessment', 'assessment', 'assessor', { eligible: true, ineligibilityReasons: [], assessedAmounts: [{ head: 'non-pecuniary', amount: RSD(90_000_000) }], deductions: [] }],
  ['approval (first)', 'approvals', 'approver1', {}],
  ['approval (second, commits funds)', 'approvals', 'approver2', {}],
  ['decision notice', 'decision-notice', 'approver1', { servedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
  // Due two weeks ago: a due date of today moves to the next working day on a weekend or holiday.
  ['payout schedule', 'payout-schedule', 'finance', { instalments: 3, firstDueOn: day(-14), intervalMonths: 1 }],
  ['disbursement', 'payouts/1/disbursement', 'finance', { paymentReference: 'PAY-1' }],
  // Instalments 2 and 3 fall due in the coming months: paid early, on purpose.
  ['disbursement', 'payouts/2/disbursement', 'finance', { paymentReference: 'PAY-2', earlyPayment: true }],
  ['disbursement', 'payouts/3/disbursement', 'finance', { paymentReference: 'PAY-3', earlyPayment: true }],
  ['closure', 'closure', 'finance', { reason: 'Paid in full.' }],
];

export const COMMANDS_PER_LIFECYCLE = 1 + lifecycleSteps().length;
/** The claim-only part of a lifecycle (filing to assessment): no approval, no ledger stream. */
export const CLAIM_ONLY_STEPS = 5;

/** Allocates a budget large enough for any run to the RS fund year of now. */
/** 10^14 minor units in allocations of the largest amount a command takes (10^12): room for a million awards. */
export async function allocateLargeBudget(http: HttpClient, port: number, tk: Tokens): Promise<void> {
  // This year's and the next: a lifecycle's later instalments fall due in the coming months, committed in the year they fall due in.
  for (const year of [fundYearNow(), fundYearNow() + 1]) {
    for (let i = 0; i < 100; i += 1) {
      const r = await http.request(port, 'POST', `/funds/RS/${year}/budget`, tk.admin, { amount: RSD(1_000_000_000_000) });
      if (r.status !== 200) throw new Error(`budget: ${r.status} ${r.text}`);
    }
  }
}

export interface CommandTiming {
  name: string;
  claimId: string;
  /** Revision of the claim after the command. */
  revision: number;
  ms: number;
  /** performance.now() when the answer arrived. */
  at: number;
}

/** Sends one command and checks its status; returns its timing. */
export async function sendCommand(http: HttpClient, port: number, name: string, urlPath: string, token: string, body: unknown, expect: number): Promise<CommandTiming & { text: string }> {
  const t0 = performance.now();
  const r = await http.request(port, 'POST', urlPath, token, body);
  const at = performance.now();
  if (r.status !== expect) throw new Error(`${name} (${urlPath}): ${r.status} ${r.text}`);
  const answer = JSON.parse(r.text) as { claimId: string; revision: number };
  return { name, claimId: answer.claimId, revision: answer.revision, ms: at - t0, at, text: r.text };
}

/** Lifecycles (`steps` steps after filing each), `inFlight` at a time, until `count` are done. */
export async function runLifecycles(options: {
  /** Several ports (instances of the command service): each worker sends its lifecycles to one, in turn. */
  http: HttpClient; port: number | readonly number[]; tk: Tokens; count: number; inFlight: number; steps?: number; firstNumber?: number;
  onCommand?: (timing: CommandTiming) => void;
}): Promise<{ rate: number; timings: CommandTiming[] }> {
  const { http, tk, count } = options;
  const ports = typeof options.port === 'number' ? [options.port] : options.port;
  const steps = lifecycleSteps().slice(0, options.steps ?? lifecycleSteps().length);
  const timings: CommandTiming[] = [];
  const record = (t: CommandTiming) => { timings.push(t); options.onCommand?.(t); };
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(options.inFlight, count) }, async (_, worker) => {
    const port = ports[worker % ports.length]!;
    while (next < count) {
      const n = (options.firstNumber ?? 0) + next++;
      const filed = await sendCommand(http, port, 'file claim', '/claims', tk.lawyer, fileBody(n), 201);
      record(filed);
      for (const [name, p, who, body] of steps) record(await sendCommand(http, port, name, `/claims/${filed.claimId}/${p}`, tk[who], body, 200));
    }
  }));
  return { rate: timings.length / ((performance.now() - start) / 1000), timings };
}

/** Polls `check` every 50 ms until it answers true; fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

/** Waits until the projection service on `port` shows the claim at `revision` (or later). */
export async function projectionCaughtUp(http: HttpClient, port: number, token: string, claimId: string, revision: number, timeoutMs?: number): Promise<void> {
  await waitFor(`the projection on port ${port} reaching ${claimId}@${revision}`, async () => {
    const r = await http.request(port, 'GET', `/claims/${claimId}`, token);
    return r.status === 200 && (JSON.parse(r.text) as { revision: number }).revision >= revision;
  }, timeoutMs);
}
