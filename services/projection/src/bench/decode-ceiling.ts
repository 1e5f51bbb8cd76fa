/**
 * The client's decode ceiling, in a process of its own: `$all` read through
 * @eventstore/db-client doing nothing else, `rounds` times; prints the best as JSON
 * `{ "rate": events/s, "events": n }`. A process of its own because a client sharing the heap
 * of the process that filled the store decodes a fifth to a quarter slower (its old generation
 * is full of what the fill left), which would flatter any rate compared against it.
 *
 * Usage: node decode-ceiling.js <connection string> [rounds]
 */
import { EventStoreDBClient, START } from '@eventstore/db-client';

async function main(): Promise<void> {
  const [connection, roundsArg] = process.argv.slice(2);
  if (!connection) throw new Error('usage: decode-ceiling <connection string> [rounds]');
  const client = EventStoreDBClient.connectionString(connection);
  let best = { rate: 0, events: 0 };
  for (let round = 0; round < Number(roundsArg ?? '2'); round += 1) {
    const t0 = performance.now();
    let events = 0;
    for await (const r of client.readAll({ fromPosition: START, maxCount: Number.MAX_SAFE_INTEGER })) if (r.event) events += 1;
    const rate = events / ((performance.now() - t0) / 1000);
    if (rate > best.rate) best = { rate, events };
  }
  await client.dispose();
  process.stdout.write(`${JSON.stringify(best)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`decode-ceiling failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
