import { DomainError } from '../src/index.ts';

/** The code of the DomainError `fn` throws, undefined when it throws none; other errors propagate. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  return undefined;
}
