/** Runs `run` on every item, `inFlight` at a time (each worker takes the next item when it is done). */
export async function pool<T>(items: readonly T[], inFlight: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}
