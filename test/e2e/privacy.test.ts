/**
 * Privacy across the whole system: a claim filed with a distinctive victim name, address and
 * contacts, a payee's name and IBAN, and a document naming the victim in its file name and content, travels through the command service, the event store, the relay, NATS, the
 * projection and the notification service (all at LOG_LEVEL=debug). The allowed role sees the
 * data, others do not; after erasure no API returns it; and none of it is anywhere in plaintext:
 * not in the event store's files, NATS' files, the read models, the key store, nor any log.
 * Neither is a webhook's signing secret, nor the chain signing key outside its own file; and
 * every file and directory under DATA_DIR is private to the services' user (0600/0700).
 * The claim's events, signed by the command service, verify in the projection with the keyring
 * the services share under DATA_DIR.
 */
import { lstat, readFile, readdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { day, fileBody, fundYearNow, lifecycleSteps } from '@cfund/bench-kit';
import { eventually } from '@cfund/test-support';
import { call, startSystem } from './system.ts';

const VICTIM = {
  fullName: 'Qorvandriel Xenthwicke',
  dateOfBirth: '1993-07-21',
  contacts: { email: 'qorvandriel.xenthwicke@example.org', phone: '+381 64 9912 733' },
  address: 'Ulica Zvrkoviceva 77, Kraljevo',
  // The language the victim reads: personal data (it can point to ethnicity); letters come with a copy in it.
  preferredLanguage: 'sq',
};
/** The payee of the claim's money (a guardian): name and account are personal data like the victim's. */
const PAYEE = { kind: 'guardian', payee: { name: 'Ilvarethe Quonsbry', iban: 'RS35 9085 0010 3195 8472 62' } };
/**
 * The language as it would show in plaintext: the field with its value (filed `sq`, set later
 * `mk`), the copy's file name, and words of the Albanian copy. A bare "sq" is no needle: two
 * letters occur by chance in encrypted bytes.
 */
const LANGUAGE = ['"preferredLanguage":"sq"', '"preferredLanguage":"mk"', 'sq.pdf', 'mk.pdf', 'Shqip', 'çështjes', 'Kërkesa'];
const SECRETS = ['Qorvandriel', 'Xenthwicke', 'qorvandriel.xenthwicke', '9912 733', 'Zvrkoviceva', 'Ilvarethe', 'Quonsbry', 'RS35908500103195847262', '9085 0010 3195', ...LANGUAGE];

/** Every file under `dir` (recursively) whose bytes contain one of `needles`, with the needle. */
async function filesContaining(dir: string, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) continue;
    for (const n of needles) if (bytes.includes(Buffer.from(n, 'utf8'))) found.push(`${path}: ${n}`);
  }
  return found;
}

/** Files and directories under `dir` (and `dir`) that its owner's group or others may access. */
async function notPrivate(dir: string): Promise<string[]> {
  const found: string[] = [];
  const paths = [dir, ...(await readdir(dir, { recursive: true })).map((name) => join(dir, name))];
  for (const path of paths) {
    const stats = await lstat(path).catch(() => undefined);
    if (!stats || stats.isSymbolicLink()) continue;
    if ((stats.mode & 0o077) !== 0) found.push(`${path}: ${(stats.mode & 0o777).toString(8)}`);
  }
  return found;
}

t.test('the scan finds a needle when there is one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cfund-scan-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('..Xenthwicke..')]));
  t.same((await filesContaining(dir, SECRETS)).map((f) => f.split(': ')[1]), ['Xenthwicke']);
  t.same(await filesContaining(join(dir, 'missing'), SECRETS), []);
});

t.test('a victim\'s personal data across the whole system', async (t) => {
  const system = await startSystem(t);
  if ('skipped' in system) return t.plan(0, system.skipped);
  const { url } = system;
  const lawyer = await system.token('lawyer-e2e', 'lawyer');
  const assessor = await system.token('assessor-e2e', 'fund-assessor');
  const auditor = await system.token('auditor-e2e', 'auditor', []);
  const dpo = await system.token('dpo-e2e', 'dpo');
  const tokens = { lawyer, assessor, approver1: '', approver2: '', finance: '', admin: '', auditor };

  const filed = await call(url.command, 'POST', '/claims', lawyer, { ...fileBody(1), victim: VICTIM, incidentOn: day(-800) });
  t.equal(filed.status, 201, filed.text);
  const { claimId } = JSON.parse(filed.text) as { claimId: string };
  let revision = 0;
  for (const [name, path, who, body] of lifecycleSteps().slice(0, 4)) {
    const r = await call(url.command, 'POST', `/claims/${claimId}/${path}`, tokens[who], body);
    t.equal(r.status, 200, `${name}: ${r.text}`);
    revision = (JSON.parse(r.text) as { revision: number }).revision;
  }
  const payee = await call(url.command, 'POST', `/claims/${claimId}/payee`, lawyer, PAYEE);
  t.equal(payee.status, 200, payee.text);
  revision = (JSON.parse(payee.text) as { revision: number }).revision;
  // A document whose file name and content name the victim: stored encrypted, the name too.
  const document = Buffer.from(`%PDF-1.7\nStatement of ${VICTIM.fullName}, ${VICTIM.address}\n%%EOF\n`, 'utf8');
  const form = new FormData();
  form.append('kind', 'medical-report');
  form.append('file', new Blob([document], { type: 'application/pdf' }), `${VICTIM.fullName} medical report.pdf`);
  const uploaded = await fetch(`${url.command}/claims/${claimId}/documents`, { method: 'POST', headers: { authorization: `Bearer ${lawyer}` }, body: form });
  const uploadAnswer = await uploaded.text();
  t.equal(uploaded.status, 201, uploadAnswer);
  const { documentId } = JSON.parse(uploadAnswer) as { documentId: string; revision: number };
  revision = (JSON.parse(uploadAnswer) as { revision: number }).revision;
  // A request for information whose question names the victim: its letter holds the question, stored encrypted like the document.
  const asked = await call(url.command, 'POST', `/claims/${claimId}/information-requests`, assessor, { question: `Send the payslips of ${VICTIM.fullName}.`, dueInWorkingDays: 10 });
  t.equal(asked.status, 201, asked.text);
  t.same((JSON.parse(asked.text) as { events: string[] }).events, ['DocumentAttached', 'DocumentAttached', 'InformationRequested'], 'served with its letter and a copy in Albanian');
  const withdrawn = await call(url.command, 'POST', `/claims/${claimId}/information-requests/1/withdrawal`, assessor, {});
  t.equal(withdrawn.status, 200, withdrawn.text);
  revision = (JSON.parse(withdrawn.text) as { revision: number }).revision;

  // The events reach the projection and the notification service through the relay and NATS.
  await eventually('the projection shows the fund application and the payee', async () => {
    const r = await call(url.projection, 'GET', `/claims/${claimId}`, auditor);
    return r.status === 200 && (JSON.parse(r.text) as { revision: number }).revision === revision;
  });
  const detail = await call(url.projection, 'GET', `/claims/${claimId}`, auditor);
  t.match(JSON.parse(detail.text), { payee: { current: { kind: 'guardian', maskedAccount: 'RS35 **** 7262' }, pending: null } }, 'the claim shows the payee masked');
  await eventually('the assessors are told of the application', async () => {
    const r = await call(url.notification, 'GET', '/notifications', assessor);
    return r.status === 200 && r.text.includes(claimId);
  });

  const downloaded = await fetch(`${url.projection}/claims/${claimId}/documents/${documentId}`, { headers: { authorization: `Bearer ${assessor}` } });
  t.equal(downloaded.status, 200, 'an assessor downloads the document');
  t.ok(Buffer.from(await downloaded.arrayBuffer()).equals(document), 'as it was uploaded'); // never print it
  const seen = await call(url.projection, 'GET', `/claims/${claimId}/personal-data`, assessor);
  t.notOk(detail.text.includes('preferredLanguage'), 'the claim\'s view holds no language');
  t.equal(seen.status, 200, 'an assessor may read it'); // never print the answer: it holds the data
  t.match(JSON.parse(seen.text), { personalData: VICTIM }, 'an assessor of the jurisdiction reads the data, decrypted');
  t.equal((await call(url.projection, 'GET', `/claims/${claimId}/personal-data`, auditor)).status, 403, 'an auditor does not');
  const integrity = await call(url.projection, 'GET', `/claims/${claimId}/integrity`, auditor);
  t.match(JSON.parse(integrity.text), { status: 'ok', ok: true, unkeyedCount: 0 }, 'the command service\'s signatures verify in the projection');
  const accessLog = await call(url.projection, 'GET', `/claims/${claimId}/access-log`, auditor);
  t.match(JSON.parse(accessLog.text), { reads: [{ accessedBy: 'assessor-e2e' }] }, 'the read was recorded for auditors');

  // The payee is paid through a run and a bank statement: the bank file names the payee (it is for
  // the bank, produced on download, never stored); the statement names them too and is not kept.
  const [finance, finance2, admin, approver1, approver2] = await Promise.all([
    system.token('finance-e2e', 'fund-finance'), system.token('finance-2-e2e', 'fund-finance'), system.token('admin-e2e', 'fund-admin'),
    system.token('approver-1-e2e', 'fund-approver'), system.token('approver-2-e2e', 'fund-approver'),
  ]);
  const moneyTokens = { ...tokens, finance, admin, approver1, approver2 };
  t.equal((await call(url.command, 'POST', `/funds/RS/${fundYearNow()}/budget`, admin, { amount: { amountMinor: 1_000_000_000, currency: 'RSD' } })).status, 200, 'a budget');
  t.equal((await call(url.command, 'POST', `/funds/RS/${fundYearNow() + 1}/budget`, admin, { amount: { amountMinor: 1_000_000_000, currency: 'RSD' } })).status, 200, 'next year\'s: later instalments are committed there');
  for (const [name, path, who, body] of lifecycleSteps().slice(4, 9)) {
    const r = await call(url.command, 'POST', `/claims/${claimId}/${path}`, moneyTokens[who], body);
    t.equal(r.status, 200, `${name}: ${r.text}`);
  }
  const changed = await call(url.command, 'POST', `/claims/${claimId}/preferred-language`, lawyer, { preferredLanguage: 'mk' });
  t.equal(changed.status, 200, changed.text);
  t.notOk(changed.text.includes('mk'), 'the answer does not repeat it');
  const prepared = await call(url.command, 'POST', '/payment-runs', finance, { jurisdiction: 'RS', executionOn: day(3), payments: [{ claimId, instalment: 1 }] });
  t.equal(prepared.status, 201, prepared.text);
  const { runId } = JSON.parse(prepared.text) as { runId: string };
  const released = await call(url.command, 'POST', `/payment-runs/${runId}/release`, finance2, {});
  t.equal(released.status, 200, released.text);
  let bankFile = '';
  await eventually('the projection serves the run\'s bank file', async () => {
    const r = await call(url.projection, 'GET', `/payment-runs/${runId}/pain.001`, finance);
    bankFile = r.text;
    return r.status === 200;
  });
  t.ok(bankFile.includes('Quonsbry'), 'the bank file names the payee, for the bank'); // never print it
  const endToEndId = /<EndToEndId>([^<]+)<\/EndToEndId>/.exec(bankFile)?.[1] ?? '';
  const amount = /<InstdAmt Ccy="RSD">([^<]+)</.exec(bankFile)?.[1] ?? '';
  const statement = `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>`
    + `<GrpHdr><MsgId>E2E-PRIVACY</MsgId><CreDtTm>${new Date().toISOString().slice(0, 19)}</CreDtTm></GrpHdr><Stmt><Id>E2E-PRIVACY-1</Id>`
    + `<Acct><Id><IBAN>RS35260005601001611379</IBAN></Id><Ccy>RSD</Ccy></Acct><Ntry><Amt Ccy="RSD">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>`
    + `<BookgDt><Dt>${day(0)}</Dt></BookgDt><AcctSvcrRef>BK-E2E-1</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${endToEndId}</EndToEndId></Refs><Amt Ccy="RSD">${amount}</Amt>`
    + `<RltdPties><Cdtr><Pty><Nm>${PAYEE.payee.name}</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>${PAYEE.payee.iban.replace(/ /g, '')}</IBAN></Id></CdtrAcct></RltdPties>`
    + `<AddtlTxInf>Compensation for ${PAYEE.payee.name}</AddtlTxInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`;
  const imported = await fetch(`${url.command}/bank-statements`, { method: 'POST', headers: { authorization: `Bearer ${finance}`, 'content-type': 'application/xml' }, body: statement });
  const importAnswer = await imported.text();
  t.equal(imported.status, 201, importAnswer);
  t.match(JSON.parse(importAnswer), { counts: { paid: 1, unmatched: 0 } }, 'the statement pays the instalment');
  t.same(SECRETS.filter((x) => importAnswer.includes(x)), [], 'the import\'s answer names no one');
  await eventually('the projection shows the instalment paid', async () => {
    const r = await call(url.projection, 'GET', `/claims/${claimId}`, auditor);
    return r.status === 200 && r.text.includes('BK-E2E-1');
  });

  // A monitor (NGO, rapporteur) reads published aggregates and nothing about one claim or person.
  const monitor = await system.token('monitor-e2e', 'monitor', ['RS', 'BA', 'ME', 'AL', 'MK', 'XK']);
  const refusedToMonitor = await Promise.all([
    call(url.projection, 'GET', `/claims/${claimId}`, monitor),
    call(url.projection, 'GET', `/claims/${claimId}/history`, monitor),
    call(url.projection, 'GET', `/claims/${claimId}/personal-data`, monitor),
    call(url.projection, 'GET', `/claims?text=${encodeURIComponent('Xenthwicke')}`, monitor),
    call(url.notification, 'GET', '/notifications', monitor),
    call(url.command, 'POST', '/claims', monitor, fileBody(2)),
  ]);
  t.same(refusedToMonitor.map((a) => [a.status, (JSON.parse(a.text) as { code?: string }).code]), refusedToMonitor.map(() => [403, 'aggregates-only']),
    'a monitor: no claim, history, personal data, notification or command');
  const published = await call(url.projection, 'GET', `/monitoring/tables?year=${new Date().getUTCFullYear()}`, monitor);
  t.equal(published.status, 200, 'a monitor reads the published tables');
  t.same(SECRETS.filter((s) => published.text.includes(s) || published.text.includes(claimId)), [], 'which name no one and no claim');

  const erased = await call(url.command, 'POST', `/victims/vic-${claimId}/erasure`, dpo, { reason: 'Erasure request of the data subject.' });
  t.equal(erased.status, 200, erased.text);
  await eventually('the projection knows of the erasure', async () => {
    const r = await call(url.projection, 'GET', `/claims/${claimId}/personal-data`, assessor);
    return r.status === 200 && (JSON.parse(r.text) as { personalData: unknown }).personalData === '[erased]';
  });
  await eventually('the dpo is told the erasure is complete', async () => {
    const r = await call(url.notification, 'GET', '/notifications', dpo);
    return r.status === 200 && r.text.includes(claimId);
  });

  const gone = await fetch(`${url.projection}/claims/${claimId}/documents/${documentId}`, { headers: { authorization: `Bearer ${assessor}` } });
  t.equal(gone.status, 410, 'after erasure the document is gone');
  const answers = await Promise.all([
    call(url.projection, 'GET', `/claims/${claimId}/personal-data`, assessor),
    call(url.projection, 'GET', `/claims/${claimId}/personal-data`, lawyer),
    call(url.projection, 'GET', `/claims/${claimId}`, auditor),
    call(url.projection, 'GET', `/claims/${claimId}/history`, auditor),
    call(url.projection, 'GET', `/claims/${claimId}/state?revision=0`, auditor),
    call(url.projection, 'GET', `/claims?text=${encodeURIComponent('Xenthwicke')}`, auditor),
    call(url.projection, 'GET', `/claims/${claimId}/access-log`, auditor),
    call(url.notification, 'GET', '/notifications', lawyer),
    call(url.notification, 'GET', '/notifications', assessor),
    call(url.notification, 'GET', '/notifications', dpo),
  ]);
  t.ok(answers.every((a) => a.status === 200), `every query answered: ${answers.map((a) => a.status).join(' ')}`);
  const afterErasure = await call(url.projection, 'GET', `/payment-runs/${runId}/pain.001`, finance);
  t.not(afterErasure.status, 200, 'after erasure the bank file cannot be produced again');
  t.same(SECRETS.filter((x) => afterErasure.text.includes(x)), [], 'and its answer names no one');
  const leaks = answers.flatMap((a, i) => SECRETS.filter((s) => a.text.includes(s)).map((s) => `answer ${i}: ${s}`));
  t.same(leaks, [], 'after erasure no API returns any of the personal data');

  // A webhook's signing secret is shown once, to its owner, and stored only encrypted.
  const registered = await call(url.notification, 'POST', '/webhooks', lawyer, { url: 'https://203.0.113.10/hooks/cfund', target: { kind: 'user' } });
  t.equal(registered.status, 201, 'a webhook registered'); // the answer holds the secret: not printed
  const webhookSecret = (JSON.parse(registered.text) as { secret: string }).secret;

  await system.stopServices();
  const logs = await system.logs();
  t.match(logs, /ready/, 'the logs were captured');
  t.match(logs, /"url":"\/claims\?text=\[redacted\]"/, 'the search was logged, without its text');
  if (system.env.tempDir) {
    t.ok((await readdir(system.env.tempDir, { recursive: true })).length > 2, 'the event store and NATS wrote their files here');
    t.same(await filesContaining(system.env.tempDir, SECRETS), [], 'nothing in the event store\'s or NATS\' files');
  } else {
    t.comment(`external servers (${system.env.description}): their files are not scanned here`);
  }
  t.same(await filesContaining(system.dataDir, SECRETS), [], 'nothing in the read models, key store, documents, notification store or logs');
  t.same(await filesContaining(system.dataDir, [webhookSecret]), [], 'the webhook\'s signing secret is in no file (notification store, its WAL, logs)');
  t.notOk(logs.includes(webhookSecret), 'nor in any log');
  const signingKeyFile = join(system.dataDir, 'secrets', 'chain-signing-key.pem');
  t.equal((await stat(signingKeyFile)).mode & 0o777, 0o600, 'the chain signing key is 0600');
  const signingKey = (await readFile(signingKeyFile, 'utf8')).split('\n')[1]!;
  t.same((await filesContaining(system.dataDir, [signingKey])).map((f) => f.replace(system.dataDir, '')), [`/secrets/chain-signing-key.pem: ${signingKey}`],
    'the chain signing key is in its own file only');
  t.same(await notPrivate(system.dataDir), [], 'every file under DATA_DIR is 0600 and every directory 0700');
});
