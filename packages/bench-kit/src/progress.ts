/** A long phase of a benchmark, with its progress printed meanwhile (service-kit's one mechanism). */
import { Progress, reportProgress } from '@cfund/service-kit';

/**
 * Runs `work`, which calls `progress.advance(n)` as units get done, printing progress on stderr
 * (a bar on a terminal, a line every few seconds otherwise) until it settles.
 */
export async function withProgress<T>(label: string, options: { total?: number; unit?: string }, work: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = new Progress(options.total === undefined ? {} : { total: options.total });
  const reporter = reportProgress(label, () => progress.snapshot(), options.unit === undefined ? {} : { unit: options.unit });
  try {
    return await work(progress);
  } finally {
    reporter.stop();
  }
}
