/**
 * The references of `pnpm bench:commands`, run as a child process and driven by the same HTTP
 * client as the command service (no plugins, no logging, no validation). Prints its port.
 *   GET /        a Fastify hello-world;
 *   POST /append the least a command can do: take a JSON body and append it as one event through
 *                @eventstore/db-client (one stream per client connection), then answer. With
 *                ESDB_CONNECTION_STRING only. What it reaches bounds any command path on this stack.
 */
import Fastify from 'fastify';
import { EventStoreDBClient, jsonEvent, type JSONType } from '@eventstore/db-client';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const connection = process.env.ESDB_CONNECTION_STRING;
const client = connection ? EventStoreDBClient.connectionString(connection) : undefined;
if (client) {
  const run = crypto.randomUUID();
  app.post('/append', async (request) => {
    const stream = `bench-minimal-${run}-${request.socket.remotePort ?? 0}`;
    const r = await client.appendToStream(stream, jsonEvent({ type: 'BenchEvent', data: request.body as JSONType, metadata: { actor: 'bench' } }));
    return { revision: Number(r.nextExpectedRevision) };
  });
}
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`hello ready on ${address}\n`);
process.once('SIGTERM', () => { void app.close().then(() => client?.dispose()).then(() => process.exit(0)); });
