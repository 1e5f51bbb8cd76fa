/** Figures as the benchmark scripts print them. */
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const report = (name: string, value: string): void => { process.stdout.write(`${name.padEnd(60)} ${value}\n`); };
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The q-quantile of ascending `sorted` (nearest rank). */
export const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
export const sortedCopy = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
