/**
 * Reads a bank-to-customer statement, ISO 20022 camt.053 (versions 001.02 to 001.13: banks of the
 * region send .02 and .08), into the entries a payment run's payments are matched against. Only
 * what matching needs is read: references, amounts, direction, status, booking date and the
 * return reason code. Names, accounts of the other party and free texts are never read, so they
 * cannot leak into events or logs.
 *
 * One transaction of an entry (`NtryDtls/TxDtls`; a batch booking has many) is one statement
 * entry here; an entry without transaction details is one entry without an end-to-end id.
 *
 * A document type declaration is refused: a statement has none, and refusing it shuts out entity
 * expansion attacks before the parser sees the text.
 */
import { XMLParser } from 'fast-xml-parser';

export interface StatementAmount { amountMinor: number; currency: string }

export interface StatementEntryLine {
  /** Place in the file, from 1. */
  entry: number;
  endToEndId?: string;
  amount: StatementAmount;
  direction: 'debit' | 'credit';
  /** Booked (`BOOK`); a pending or informational entry moved no money yet. */
  booked: boolean;
  /** A return or reversal of an earlier payment (return information, a reversal indicator, or money coming back). */
  returned: boolean;
  bankReference?: string;
  bookedOn?: string;
  returnReason?: string;
}

export interface Camt053 {
  messageId: string;
  /** The statements of the message (usually one) with the account each is of. */
  statements: { id: string; iban?: string; currency?: string }[];
  entries: StatementEntryLine[];
}

export class StatementFormatError extends Error {
  override name = 'StatementFormatError';
}

const ARRAYS = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls']);
const parser = new XMLParser({
  ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, parseTagValue: false, parseAttributeValue: false,
  trimValues: true, processEntities: true, htmlEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;
const node = (v: unknown): Node | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Node : undefined);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(node).filter((x): x is Node => x !== undefined) : node(v) ? [node(v)!] : []);
const str = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim() || undefined;
  const n = node(v);
  return n && typeof n['#text'] === 'string' ? (n['#text']).trim() || undefined : undefined;
};
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((x, k) => node(x)?.[k], v);

/** The number of minor digits ISO 4217 gives a currency (through Intl, so any code the bank uses). */
function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    throw new StatementFormatError(`Unknown currency ${currency}.`);
  }
}

function amountOf(v: unknown, where: string): StatementAmount {
  const text = str(v);
  const currency = str(at(v, '@_Ccy'));
  if (!text || !currency || !/^[A-Z]{3}$/.test(currency)) throw new StatementFormatError(`${where}: an amount needs a value and a currency (Ccy).`);
  const m = /^(\d{1,18})(?:\.(\d{1,5}))?$/.exec(text);
  if (!m) throw new StatementFormatError(`${where}: ${text} is not an amount.`);
  const digits = minorDigits(currency);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) throw new StatementFormatError(`${where}: ${text} ${currency} has more decimals than ${currency} has.`);
  const minor = BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new StatementFormatError(`${where}: ${text} is too large.`);
  return { amountMinor: Number(minor), currency };
}

const direction = (v: unknown, where: string): 'debit' | 'credit' => {
  const d = str(v);
  if (d === 'DBIT') return 'debit';
  if (d === 'CRDT') return 'credit';
  throw new StatementFormatError(`${where}: CdtDbtInd must be CRDT or DBIT.`);
};

function bookedOn(entry: Node): string | undefined {
  const d = str(at(entry, 'BookgDt', 'Dt')) ?? str(at(entry, 'BookgDt', 'DtTm'))?.slice(0, 10);
  return d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : undefined;
}

export function parseCamt053(xml: string): Camt053 {
  if (/<!DOCTYPE/i.test(xml)) throw new StatementFormatError('A statement has no document type declaration.');
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (error) {
    throw new StatementFormatError(`Not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const document = node(at(doc, 'Document'));
  // The parser drops namespace declarations with their prefixes: read the Document's from the text.
  const ns = /<(?:[A-Za-z_][\w.-]*:)?Document\b[^>]*\sxmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*["']([^"']+)["']/.exec(xml)?.[1] ?? '';
  if (!document || !/^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(0[2-9]|1[0-3])$/.test(ns)) {
    throw new StatementFormatError('Not an ISO 20022 camt.053 statement (Document in a urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 to .13 namespace).');
  }
  const message = node(document['BkToCstmrStmt']);
  const messageId = str(at(message, 'GrpHdr', 'MsgId'));
  if (!message || !messageId) throw new StatementFormatError('BkToCstmrStmt/GrpHdr/MsgId is missing.');
  const statements = list(message['Stmt']);
  if (statements.length === 0) throw new StatementFormatError('The message has no statement (Stmt).');
  const entries: StatementEntryLine[] = [];
  const out: Camt053['statements'] = [];
  for (const [si, stmt] of statements.entries()) {
    const id = str(stmt['Id']);
    if (!id) throw new StatementFormatError(`Statement ${si + 1} has no Id.`);
    const iban = str(at(stmt, 'Acct', 'Id', 'IBAN'));
    const currency = str(at(stmt, 'Acct', 'Ccy'));
    out.push({ id: id.slice(0, 35), ...(iban ? { iban } : {}), ...(currency ? { currency } : {}) });
    for (const [ni, ntry] of list(stmt['Ntry']).entries()) {
      const where = `Statement ${id}, entry ${ni + 1}`;
      const entryAmount = amountOf(ntry['Amt'], where);
      const entryDirection = direction(ntry['CdtDbtInd'], where);
      const status = str(ntry['Sts']) ?? str(at(ntry, 'Sts', 'Cd')) ?? str(at(ntry, 'Sts', 'Prtry'));
      const reversal = str(ntry['RvslInd']) === 'true';
      const entryRef = str(ntry['AcctSvcrRef']);
      const txs = list(ntry['NtryDtls']).flatMap((d) => list(d['TxDtls']));
      const lines = txs.length === 0 ? [undefined] : txs;
      for (const tx of lines) {
        const txAmount = tx && (tx['Amt'] !== undefined ? tx['Amt'] : at(tx, 'AmtDtls', 'TxAmt', 'Amt'));
        const amount = txAmount !== undefined && txAmount !== null ? amountOf(txAmount, where)
          : lines.length === 1 ? entryAmount
            : (() => { throw new StatementFormatError(`${where}: a transaction of a batch booking has no amount.`); })();
        const dir = tx && tx['CdtDbtInd'] !== undefined ? direction(tx['CdtDbtInd'], where) : entryDirection;
        const endToEndId = str(at(tx, 'Refs', 'EndToEndId'));
        const returnReason = str(at(tx, 'RtrInf', 'Rsn', 'Cd')) ?? str(at(tx, 'RtrInf', 'Rsn', 'Prtry'));
        const hasReturnInfo = node(at(tx, 'RtrInf')) !== undefined;
        const bankReference = str(at(tx, 'Refs', 'AcctSvcrRef')) ?? entryRef;
        const day = bookedOn(ntry);
        entries.push({
          entry: entries.length + 1,
          ...(endToEndId && endToEndId !== 'NOTPROVIDED' ? { endToEndId: endToEndId.slice(0, 35) } : {}),
          amount, direction: dir, booked: status === 'BOOK', returned: hasReturnInfo || reversal || dir === 'credit',
          ...(bankReference ? { bankReference: bankReference.slice(0, 35) } : {}),
          ...(day ? { bookedOn: day } : {}),
          ...(returnReason && /^[A-Za-z0-9]{1,35}$/.test(returnReason) ? { returnReason } : {}),
        });
      }
    }
  }
  return { messageId: messageId.slice(0, 35), statements: out, entries };
}
