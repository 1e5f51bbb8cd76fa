import { ConfigError } from './config.js';

/**
 * Runs an operator's one-shot command (a key rotation, a copy of the key store): exits with the
 * code `main` answers, or says why it failed on stderr, with exit code 2 for a configuration
 * error and 1 for anything else.
 */
export function runOneShot(name: string, main: () => Promise<number>): void {
  main().then((code) => process.exit(code), (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name} failed: ${message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}
