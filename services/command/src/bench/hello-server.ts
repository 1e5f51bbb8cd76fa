/**
 * The reference of `pnpm bench:commands`: a Fastify hello-world (no plugins, no logging), run as a
 * child process and driven by the same HTTP client as the command service. Prints its port.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`hello ready on ${address}\n`);
process.once('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
