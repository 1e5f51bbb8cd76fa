// Undo steps collected while an environment starts: run in reverse on close, or on a failed start.
export class Teardown {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];
  private running: Promise<void> | undefined;

  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  /** Runs every step even if some fail, then throws the first failure. Idempotent. */
  run(): Promise<void> {
    this.running ??= (async () => {
      let failure: unknown;
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure) throw failure;
    })();
    return this.running;
  }
}
