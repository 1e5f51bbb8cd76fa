/**
 * The bank file of a released payment run: an ISO 20022 customer credit transfer initiation,
 * pain.001.001.09 (the version of the 2019 ISO 20022 maintenance that SEPA (EPC guidelines from
 * 2023) and the SWIFT CBPR+ migration ask banks to take; banks of the region that still take
 * .001.001.03 take .09 through the same channels). One payment information block per run (one
 * debtor account, one execution date), one credit transfer per instalment or advance.
 *
 * Pure and deterministic: the same run, release and payee details give the same text, so the
 * file is produced again on each download (its plaintext names and accounts are never stored) and
 * checked against the SHA-256 recorded when the run was released.
 *
 * Remittance information names the claim's public reference and the payment, never the victim.
 */
import type { DebtorAccount, Money, PayeeDetails, PaymentRunItem } from '@cfund/contracts';
import { MINOR_UNIT_DIGITS } from '../money.js';

export interface Pain001Input {
  messageId: string;
  /** The release's instant: the file's creation time. */
  createdAt: string;
  runId: string;
  executionOn: string;
  debtor: DebtorAccount;
  items: readonly PaymentRunItem[];
  /** The decrypted payee of each item, in the items' order. */
  payees: readonly PayeeDetails[];
}

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** An amount as ISO 20022 writes it: a decimal point, the currency's minor digits. */
export function decimalAmount(m: Pick<Money, 'amountMinor' | 'currency'>): string {
  const digits = MINOR_UNIT_DIGITS[m.currency];
  const s = String(m.amountMinor).padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
}

/** The creation time without milliseconds, as the schema's ISODateTime is usually validated. */
const isoDateTime = (instant: string): string => `${instant.slice(0, 19)}Z`;

/** ISO 20022 names are at most 140 characters; remittance text at most 140. */
const max140 = (s: string): string => s.slice(0, 140);

const el = (name: string, content: string, attrs = ''): string => `<${name}${attrs}>${content}</${name}>`;
const text = (name: string, value: string): string => el(name, escapeXml(value));

/**
 * A domestic account as `Othr/Id` carries it (Max34Text): as typed, or, for the longer accounts
 * stored before input was limited to 34 characters, its digits alone (banks read the digits; the
 * spaces and hyphens only group them). Never cut: a shortened account would pay someone else.
 */
export function domesticAccountId(account: string): string {
  if (account.length <= 34) return account;
  const digits = account.replace(/[ -]/g, '');
  if (digits.length > 34) throw new Error(`a domestic account of ${digits.length} digits does not fit a bank file (at most 34)`);
  return digits;
}

function creditTransfer(item: PaymentRunItem, payee: PayeeDetails): string {
  const account = payee.iban ? el('Id', text('IBAN', payee.iban)) : el('Id', el('Othr', text('Id', domesticAccountId(payee.domesticAccount ?? ''))));
  const agent = payee.bic ? el('CdtrAgt', el('FinInstnId', text('BICFI', payee.bic)))
    : payee.bankName ? el('CdtrAgt', el('FinInstnId', text('Nm', max140(payee.bankName)))) : '';
  const remittance = `${item.publicReference} ${item.payment.kind} ${item.payment.number}`;
  return el('CdtTrfTxInf', [
    el('PmtId', text('EndToEndId', item.endToEndId)),
    el('Amt', el('InstdAmt', decimalAmount(item.amount), ` Ccy="${item.amount.currency}"`)),
    agent,
    el('Cdtr', text('Nm', max140(payee.name))),
    el('CdtrAcct', account),
    el('RmtInf', text('Ustrd', max140(remittance))),
  ].join(''));
}

/** The file's text (to be written as UTF-8). */
export function pain001(input: Pain001Input): string {
  if (input.items.length !== input.payees.length) throw new Error('one payee per item');
  const total = { amountMinor: input.items.reduce((s, i) => s + i.amount.amountMinor, 0), currency: input.items[0]!.amount.currency };
  const count = String(input.items.length);
  const currency = input.items[0]!.amount.currency;
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + el('Document', el('CstmrCdtTrfInitn', [
      el('GrpHdr', [
        text('MsgId', input.messageId), text('CreDtTm', isoDateTime(input.createdAt)), text('NbOfTxs', count),
        text('CtrlSum', decimalAmount(total)), el('InitgPty', text('Nm', max140(input.debtor.name))),
      ].join('')),
      el('PmtInf', [
        text('PmtInfId', input.runId.replace(/-/g, '').slice(0, 35)), text('PmtMtd', 'TRF'), text('BtchBookg', 'false'),
        text('NbOfTxs', count), text('CtrlSum', decimalAmount(total)),
        el('ReqdExctnDt', text('Dt', input.executionOn)),
        el('Dbtr', text('Nm', max140(input.debtor.name))),
        el('DbtrAcct', el('Id', text('IBAN', input.debtor.iban))),
        el('DbtrAgt', el('FinInstnId', text('BICFI', input.debtor.bic))),
        // SEPA credit transfers (EUR) share charges at the service level; other currencies leave it to the bank's default.
        ...(currency === 'EUR' ? [text('ChrgBr', 'SLEV')] : []),
        ...input.items.map((item, i) => creditTransfer(item, input.payees[i]!)),
      ].join('')),
    ].join('')), ' xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"')
    + '\n';
}
