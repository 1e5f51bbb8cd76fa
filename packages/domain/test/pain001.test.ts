/**
 * The bank file (pain.001.001.09) checked element by element against what the message's schema
 * allows: the order of each sequence, the text limits (Max35Text, Max34Text, Max140Text), the
 * patterns of IBAN, BIC, currency, amounts and dates. The XSD itself is not in the repository
 * (see services/command/README.md, "The bank file"): this is the structural check of every element
 * the writer produces, transcribed from the schema's types.
 */
import t from 'tap';
import type { PayeeDetails, PaymentRunItem } from '@cfund/contracts';
import { DomesticAccountSchema } from '@cfund/contracts';
import { domesticAccountId, pain001 } from '@cfund/domain';

interface Node { name: string; attrs: string; children: Node[]; text: string }

/** A small reader for the writer's own output: elements, attributes, text; no comments or CDATA. */
function parse(xml: string): Node {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '').trim();
  const stack: Node[] = [{ name: '#root', attrs: '', children: [], text: '' }];
  for (const m of body.matchAll(/<(\/?)([A-Za-z0-9]+)([^>]*)>|([^<]+)/g)) {
    const top = stack.at(-1)!;
    if (m[4] !== undefined) { top.text += m[4]; continue; }
    if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else {
      const node = { name: m[2]!, attrs: m[3] ?? '', children: [], text: '' };
      top.children.push(node);
      stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error('unclosed elements');
  return stack[0]!.children[0]!;
}

const unescape = (s: string) => s.replace(/&lt;|&gt;|&amp;|&apos;|&quot;/g, (e) => ({ '&lt;': '<', '&gt;': '>', '&amp;': '&', '&apos;': "'", '&quot;': '"' })[e]!);

/** The sequences of the schema's complex types this file uses (children in order; ? optional, + repeated). */
const SEQUENCES: Record<string, string[]> = {
  Document: ['CstmrCdtTrfInitn'],
  CstmrCdtTrfInitn: ['GrpHdr', 'PmtInf+'],
  GrpHdr: ['MsgId', 'CreDtTm', 'NbOfTxs', 'CtrlSum?', 'InitgPty'],
  InitgPty: ['Nm?'],
  PmtInf: ['PmtInfId', 'PmtMtd', 'BtchBookg?', 'NbOfTxs?', 'CtrlSum?', 'ReqdExctnDt', 'Dbtr', 'DbtrAcct', 'DbtrAgt', 'ChrgBr?', 'CdtTrfTxInf+'],
  ReqdExctnDt: ['Dt'],
  Dbtr: ['Nm?'],
  DbtrAcct: ['Id'],
  DbtrAgt: ['FinInstnId'],
  CdtTrfTxInf: ['PmtId', 'Amt', 'CdtrAgt?', 'Cdtr?', 'CdtrAcct?', 'RmtInf?'],
  PmtId: ['EndToEndId'],
  Amt: ['InstdAmt'],
  CdtrAgt: ['FinInstnId'],
  FinInstnId: ['BICFI?', 'Nm?'],
  Cdtr: ['Nm?'],
  CdtrAcct: ['Id'],
  Id: ['IBAN?', 'Othr?'],
  Othr: ['Id'],
  RmtInf: ['Ustrd?'],
};

/** The simple types of the leaves, by the element's path ending. */
const LEAVES: [RegExp, RegExp, string][] = [
  [/(MsgId|PmtInfId|EndToEndId)$/, /^.{1,35}$/u, 'Max35Text'],
  [/Othr\/Id$/, /^.{1,34}$/u, 'Max34Text'],
  [/(Nm|Ustrd)$/, /^.{1,140}$/su, 'Max140Text'],
  [/CreDtTm$/, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/, 'ISODateTime'],
  [/ReqdExctnDt\/Dt$/, /^\d{4}-\d{2}-\d{2}$/, 'ISODate'],
  [/NbOfTxs$/, /^[0-9]{1,15}$/, 'Max15NumericText'],
  [/(CtrlSum|InstdAmt)$/, /^(?=[0-9.]{1,19}$)[0-9]+(\.[0-9]{1,5})?$/, 'DecimalNumber (18 digits, 5 fraction digits)'],
  [/IBAN$/, /^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$/, 'IBAN2007Identifier'],
  [/BICFI$/, /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'BICFIDec2014Identifier'],
  [/PmtMtd$/, /^(CHK|TRF|TRA)$/, 'PaymentMethod3Code'],
  [/BtchBookg$/, /^(true|false)$/, 'BatchBookingIndicator'],
  [/ChrgBr$/, /^(DEBT|CRED|SHAR|SLEV)$/, 'ChargeBearerType1Code'],
];

function check(node: Node, path: string, problems: string[]): void {
  const here = `${path}/${node.name}`;
  // An element without child elements is a leaf (Othr/Id is one, the account's Id is not).
  if (node.children.length === 0) {
    const value = unescape(node.text);
    const leaf = LEAVES.find(([ends]) => ends.test(here.replace(/^\//, '')));
    if (!leaf) problems.push(`${here}: no simple type known for this element`);
    else if (!leaf[1].test(value)) problems.push(`${here}: "${value}" is not a ${leaf[2]}`);
    if (node.name === 'InstdAmt' && !/^ Ccy="[A-Z]{3}"$/.test(node.attrs)) problems.push(`${here}: Ccy must be ActiveOrHistoricCurrencyCode`);
    return;
  }
  const sequence = SEQUENCES[node.name];
  if (!sequence) { problems.push(`${here}: not an element this schema sequence has`); return; }
  // Walk the sequence: each child must match the next allowed name, in order.
  let i = 0;
  for (const child of node.children) {
    let matched = false;
    while (i < sequence.length) {
      const [name, mark] = [sequence[i]!.replace(/[?+]$/, ''), sequence[i]!.at(-1)];
      if (child.name === name) { matched = true; if (mark !== '+') i++; break; }
      if (mark === '?' || mark === '+') { i++; continue; }
      problems.push(`${here}: <${child.name}> where <${name}> is required`);
      return;
    }
    if (!matched) { problems.push(`${here}: <${child.name}> out of order or not allowed`); return; }
    check(child, here, problems);
  }
  const required = sequence.slice(i).filter((s) => !s.endsWith('?') && !(s.endsWith('+') && node.children.some((c) => `${c.name}+` === s)));
  if (required.length > 0) problems.push(`${here}: missing ${required.join(', ')}`);
}

const sealed = { alg: 'AES-256-GCM' as const, keyId: 'k', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'Yw==', tag: 'dGFndGFndGFndGFnZGFk' };
const item = (n: number, amountMinor: number, currency: 'RSD' | 'EUR' = 'RSD'): PaymentRunItem => ({
  claimId: `3f1c2a9e-8b7d-4c6e-9a5b-1d2e3f4a5b6${n}`, publicReference: `RS-2026-000${n}`, victimRef: `vic-${n}`,
  payment: { kind: 'instalment', number: n }, amount: { amountMinor, currency }, endToEndId: `E2E${'7'.repeat(30)}${n}`.slice(0, 35),
  payeeKind: 'victim', maskedAccount: '**** 1234', payeeDetails: sealed, deciders: ['approver-1'],
} as PaymentRunItem);

function file(payees: PayeeDetails[], currency: 'RSD' | 'EUR' = 'RSD'): string {
  return pain001({
    messageId: 'a'.repeat(35), createdAt: '2026-12-07T04:00:00.000Z', runId: '0b6f3a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b', executionOn: '2026-12-10',
    debtor: { name: 'Fond za naknadu žrtvama & <test>', iban: 'RS35260005601001611379', bic: 'AIKBRS22' },
    items: payees.map((_, i) => item(i + 1, 123_456_789 + i, currency)), payees,
  });
}

const PAYEES: PayeeDetails[] = [
  { name: 'Ана Петровић', iban: 'RS35260005601001611379', bic: 'AIKBRS22' },
  { name: 'N'.repeat(200), iban: 'ME25505000012345678951' },
  { name: 'Sigurna kuća', domesticAccount: '160-5100000012345-67', bankName: 'Banca Intesa' },
  { name: 'Legacy', domesticAccount: '1-2-3-4-5-6-7-8-9-0-1-2-3-4-5-6-7-8-9-00', bankName: 'B'.repeat(160) },
];

t.test('every element the writer produces is where the schema allows it, with a value of its type', async (t) => {
  for (const currency of ['RSD', 'EUR'] as const) {
    const problems: string[] = [];
    const doc = parse(file(PAYEES, currency));
    t.equal(doc.attrs, ' xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"');
    check(doc, '', problems);
    t.same(problems, [], `${currency}: no element out of place or out of type`);
  }
});

t.test('the check can fail: out of order, too long, a missing element, a wrong pattern', async (t) => {
  const good = file(PAYEES.slice(0, 1));
  const problemsOf = (xml: string) => { const p: string[] = []; check(parse(xml), '', p); return p; };
  t.match(problemsOf(good.replace(/<Cdtr>(.*?)<\/Cdtr>(<CdtrAcct>.*?<\/CdtrAcct>)/, '$2<Cdtr>$1</Cdtr>')), [/Cdtr/], 'Cdtr after CdtrAcct');
  t.match(problemsOf(good.replace(/<MsgId>a+<\/MsgId>/, `<MsgId>${'a'.repeat(36)}</MsgId>`)), [/MsgId.*Max35Text/]);
  t.match(problemsOf(good.replace(/<ReqdExctnDt>.*?<\/ReqdExctnDt>/, '')), [/PmtInf: <Dbtr> where <ReqdExctnDt> is required/]);
  t.match(problemsOf(good.replace('AIKBRS22', 'aikbrs')), [/BICFI/]);
  t.match(problemsOf(good.replace(/<InstdAmt Ccy="RSD">/, '<InstdAmt Ccy="rsd">')), [/Ccy/]);
});

t.test('a domestic account fits Othr/Id (Max34Text): at most 34 characters as input, the digits of a longer stored one', async (t) => {
  t.ok(DomesticAccountSchema.safeParse('1'.repeat(34)).success, '34 characters accepted');
  const long = DomesticAccountSchema.safeParse(`${'1'.repeat(17)}-${'2'.repeat(17)}`);
  t.notOk(long.success, '35 refused');
  t.match(long.error?.issues[0]?.message, /5 to 34 characters/);
  t.equal(domesticAccountId('160-5100000012345-67'), '160-5100000012345-67', 'as typed when it fits');
  t.equal(domesticAccountId('1-2-3-4-5-6-7-8-9-0-1-2-3-4-5-6-7-8-9-00'), '123456789012345678900', 'a longer stored one: its digits, never cut');
  t.throws(() => domesticAccountId('9'.repeat(35)), /35 digits does not fit/);
  const othr = /<Othr><Id>([^<]*)<\/Id><\/Othr>/g;
  t.same([...file(PAYEES).matchAll(othr)].map((m) => m[1]!.length <= 34), [true, true]);
});
