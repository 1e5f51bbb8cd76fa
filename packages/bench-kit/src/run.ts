/**
 * Runs a bench's `main` as the process: exit 0 when it is done (stray handles of the clients it
 * used do not keep the process waiting), or print the failure with its stack and exit 1.
 */
export function runBench(main: () => Promise<void>, name = 'benchmark'): void {
  main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
