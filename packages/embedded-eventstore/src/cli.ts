import { parseArgs } from 'node:util';
import { startEmbeddedEventStore } from './server.js';

const usage = `usage: embedded-eventstore (--data <dir> | --mem-db) [--port <n>] [--host <address>] [--certs <dir>] [--insecure]
       [--server-version 24.10|25.1] [--max-append-size <bytes>] [--max-append-event-size <bytes>]
       [--authorization-policy-type acl|streampolicy]
  --data <dir>   directory of the durable log (created if missing)
  --mem-db       keep everything in memory; nothing survives the process
  --port <n>     gRPC port (default 2113; 0 picks a free port)
  --host <addr>  address to listen on (default 127.0.0.1)
  --certs <dir>  CA and node certificate, generated there on first start (default <data>/certs)
  --insecure     no TLS, no authentication, no access control (also KURRENTDB_INSECURE=true)
  --server-version      answer as EventStoreDB 24.10 (default) or KurrentDB 25.1: the version
                        reported and the default append limits (1 MiB; 256 MiB and 16 MiB per event)
  --max-append-size     largest append in bytes (also KURRENTDB_MAX_APPEND_SIZE)
  --max-append-event-size  largest single event in bytes (also KURRENTDB_MAX_APPEND_EVENT_SIZE)
  --authorization-policy-type  stream access by legacy ACLs (acl, default) or by stream prefix
                        rules in $policies (streampolicy), until $authorization-policy-settings
                        says otherwise (also KURRENTDB_AUTHORIZATION__POLICY_TYPE)
environment: KURRENTDB_DEFAULT_ADMIN_PASSWORD, KURRENTDB_DEFAULT_OPS_PASSWORD (default changeit; used when admin and ops are first created)`;

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
      'server-version': { type: 'string', default: '24.10' },
      'max-append-size': { type: 'string' },
      'max-append-event-size': { type: 'string' },
      'authorization-policy-type': { type: 'string' },
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
const serverVersion = values['server-version'];
if (serverVersion !== '24.10' && serverVersion !== '25.1') fail(`--server-version must be 24.10 or 25.1, got ${serverVersion}`);
/** A positive byte count from a flag or, failing that, its environment variable; the message names whichever was wrong. */
const bytes = (flagName: string, value: string | undefined, envName: string): number | undefined => {
  const [source, raw] = value !== undefined ? [`--${flagName}`, value] : [envName, process.env[envName]];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) fail(`${source} must be a positive whole number of bytes, got ${raw}`);
  return n;
};
const maxAppendSize = bytes('max-append-size', values['max-append-size'], 'KURRENTDB_MAX_APPEND_SIZE');
const maxAppendEventSize = bytes('max-append-event-size', values['max-append-event-size'], 'KURRENTDB_MAX_APPEND_EVENT_SIZE');
const [policySource, policyType] = values['authorization-policy-type'] !== undefined
  ? ['--authorization-policy-type', values['authorization-policy-type']]
  : ['KURRENTDB_AUTHORIZATION__POLICY_TYPE', process.env.KURRENTDB_AUTHORIZATION__POLICY_TYPE?.trim() || 'acl'];
if (policyType !== 'acl' && policyType !== 'streampolicy') fail(`${policySource} must be acl or streampolicy, got ${policyType}`);
const admin = password('KURRENTDB_DEFAULT_ADMIN_PASSWORD');
const ops = password('KURRENTDB_DEFAULT_OPS_PASSWORD');

try {
  const store = await startEmbeddedEventStore({
    ...(values['mem-db'] ? { memDb: true } : { dataDir: values.data! }),
    port,
    host: values.host,
    insecure,
    serverVersion,
    authorizationPolicyType: policyType,
    ...(maxAppendSize !== undefined ? { maxAppendSize } : {}),
    ...(maxAppendEventSize !== undefined ? { maxAppendEventSize } : {}),
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
