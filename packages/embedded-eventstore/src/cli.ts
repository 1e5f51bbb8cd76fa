import { parseArgs } from 'node:util';
import { startEmbeddedEventStore } from './server.js';

const usage = `usage: embedded-eventstore (--data <dir> | --mem-db) [--port <n>] [--host <address>] [--certs <dir>] [--insecure]
  --data <dir>   directory of the durable log (created if missing)
  --mem-db       keep everything in memory; nothing survives the process
  --port <n>     gRPC port (default 2113; 0 picks a free port)
  --host <addr>  address to listen on (default 127.0.0.1)
  --certs <dir>  CA and node certificate, generated there on first start (default <data>/certs)
  --insecure     no TLS, no authentication, no access control (also KURRENTDB_INSECURE=true)
environment: KURRENTDB_DEFAULT_ADMIN_PASSWORD, KURRENTDB_DEFAULT_OPS_PASSWORD (default changeit)`;

function fail(message: string): never {
  process.stderr.write(`embedded-eventstore: ${message}\n${usage}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      data: { type: 'string' },
      'mem-db': { type: 'boolean', default: false },
      port: { type: 'string', default: '2113' },
      host: { type: 'string', default: '127.0.0.1' },
      certs: { type: 'string' },
      insecure: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a whole number from 0 to 65535, got ${values.port}`);
if (!values.data && !values['mem-db']) fail('--data <dir> is required unless --mem-db is given');
if (values.data && values['mem-db']) fail('--data and --mem-db exclude each other');

const flag = process.env.KURRENTDB_INSECURE?.trim().toLowerCase();
if (flag !== undefined && flag !== '' && flag !== 'true' && flag !== 'false') fail(`KURRENTDB_INSECURE must be true or false, got ${flag}`);
const insecure = values.insecure || flag === 'true';
const password = (name: string): string | undefined => {
  const value = process.env[name];
  if (value !== undefined && value.length === 0) fail(`${name} must not be empty`);
  return value;
};
const admin = password('KURRENTDB_DEFAULT_ADMIN_PASSWORD');
const ops = password('KURRENTDB_DEFAULT_OPS_PASSWORD');

try {
  const store = await startEmbeddedEventStore({
    ...(values['mem-db'] ? { memDb: true } : { dataDir: values.data! }),
    port,
    host: values.host,
    insecure,
    passwords: { ...(admin ? { admin } : {}), ...(ops ? { ops } : {}) },
    ...(values.certs ? { certsDir: values.certs } : {}),
  });
  // One line; never the passwords, only where the CA certificate is (the clients' tlsCAFile).
  const tls = store.caFile ? ` with TLS, CA certificate ${store.caFile}` : '';
  process.stdout.write(`embedded-eventstore ready on ${store.host}:${store.port}${tls}\n`);
  const stop = (): void => {
    store.close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`embedded-eventstore: error while closing: ${(err as Error).message}\n`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
