/**
 * The end-to-end id of a run's payment, as the bank carries it from the pain.001 file to its
 * statement: the run's id in base 36 (25 characters: all 128 bits of the UUID) and the payment's
 * place in the run, `0K3XQ...7Z-12`. A statement entry names its run and payment by this id
 * alone, so matching needs no index. At most 35 characters of the ISO 20022 basic set.
 *
 * (Runs prepared before this form used `R<20 hex digits of the run>-<n>`: their payments cannot
 * be told from a statement and are listed as unmatched for a person.)
 */
const RUN_DIGITS = 25;
const FORM = /^([0-9A-Z]{25})-([1-9][0-9]{0,8})$/;

export function runPaymentEndToEndId(runId: string, index: number): string {
  const hex = runId.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${runId}`);
  if (!Number.isInteger(index) || index < 0 || index >= 999_999_999) throw new Error(`no place ${index} in a run`);
  return `${BigInt(`0x${hex}`).toString(36).toUpperCase().padStart(RUN_DIGITS, '0')}-${index + 1}`;
}

/** The run and the payment's place in it (from 0) that an end-to-end id names, or undefined when it is not one of ours. */
export function runPaymentOf(endToEndId: string): { runId: string; index: number } | undefined {
  const m = FORM.exec(endToEndId.trim().toUpperCase());
  if (!m) return undefined;
  let n = 0n;
  for (const ch of m[1]!) n = n * 36n + BigInt(parseInt(ch, 36));
  if (n >= 1n << 128n) return undefined;
  const hex = n.toString(16).padStart(32, '0');
  return { runId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, index: Number(m[2]) - 1 };
}
