/**
 * The embedded store as a secure KurrentDB node: TLS, basic credentials, stream ACLs. Every
 * case goes through the real `@eventstore/db-client`; each rule names the KurrentDB source file
 * (under src/ of kurrent-io/KurrentDB) whose behaviour it pins.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import {
  AccessDeniedError, EventStoreDBClient, jsonEvent, START, type ResolvedEvent,
} from '@eventstore/db-client';
import { startEmbeddedEventStore, type EmbeddedEventStore } from '@cfund/embedded-eventstore';

const clients: EventStoreDBClient[] = [];
const connect = (cs: string): EventStoreDBClient => {
  const c = EventStoreDBClient.connectionString(cs);
  clients.push(c);
  return c;
};

let node: EmbeddedEventStore;
let admin: EventStoreDBClient;
let ops: EventStoreDBClient;
let anonymous: EventStoreDBClient;

t.before(async () => {
  node = await startEmbeddedEventStore({ memDb: true, port: 0, statsIntervalMs: 3_600_000 });
  admin = connect(node.connectionString);
  ops = connect(node.connectionStringFor('ops', 'changeit'));
  // TLS, but no credentials in the connection string: the anonymous user.
  anonymous = connect(node.connectionString.replace('admin:changeit@', ''));
});
t.teardown(async () => {
  await Promise.allSettled(clients.map((c) => c.dispose()));
  await node.close();
});

let n = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++n}`;
const event = (type = 'Happened') => jsonEvent({ type, data: { n } });

async function readAllOf(stream: AsyncIterable<ResolvedEvent>): Promise<string[]> {
  const types: string[] = [];
  for await (const e of stream) types.push(e.event!.type);
  return types;
}

/** Asserts that `action` fails as the server's AccessDenied: PermissionDenied, `access-denied`. */
async function denied(t: Test, action: () => Promise<unknown>, what: string): Promise<void> {
  const err = await action().then(() => undefined, (e: unknown) => e);
  t.type(err, AccessDeniedError, `${what}: AccessDeniedError`);
}

/**
 * Asserts a gRPC-level PermissionDenied "Access Denied" (RpcExceptions.AccessDenied): the client
 * makes an AccessDeniedError of a PermissionDenied only through the `access-denied` trailer.
 */
async function permissionDenied(t: Test, action: () => Promise<unknown>, what: string): Promise<void> {
  const err = await action().then(() => undefined, (e: unknown) => e) as AccessDeniedError & { code?: number };
  t.type(err, AccessDeniedError, what);
  t.equal(err?.code, 7, `${what}: PERMISSION_DENIED`);
  t.equal(err?.message, '7 PERMISSION_DENIED: Access Denied', `${what}: "Access Denied"`);
}

t.test('authentication (AuthenticationMiddleware.cs, BasicHttpAuthenticationProvider.cs, LegacyPolicySelectorFactory.cs)', async (t) => {
  const stream = unique('auth');
  await admin.appendToStream(stream, event());

  await t.test('anonymous callers may not touch streams: AllowAnonymousStreamAccess is off by default (ClusterVNodeOptions.cs)', async (t) => {
    await permissionDenied(t, () => readAllOf(anonymous.readStream(stream)), 'anonymous stream read');
    await permissionDenied(t, () => anonymous.deleteStream(stream), 'anonymous delete');
    // BatchAppend answers a per-append Status.AccessDenied (Streams.BatchAppend.cs, Status.cs).
    await denied(t, () => anonymous.appendToStream(stream, event()), 'anonymous append');
    await permissionDenied(t, () => readAllOf(anonymous.readAll({ maxCount: 1 })), 'anonymous $all read');
  });

  await t.test('wrong credentials are Unauthenticated for the whole call (AuthenticationMiddleware.HandleAsGrpcAsync)', async (t) => {
    const wrong = connect(node.connectionStringFor('admin', 'not-the-password'));
    const unknown = connect(node.connectionStringFor('mallory', 'changeit'));
    for (const [client, who] of [[wrong, 'wrong password'], [unknown, 'unknown user']] as const) {
      const err = await readAllOf(client.readStream(stream)).then(() => undefined, (e: unknown) => e) as AccessDeniedError & { code?: number };
      t.type(err, AccessDeniedError, `${who}: the client's AccessDeniedError`);
      t.equal(err?.code, 16, `${who}: UNAUTHENTICATED`);
      t.equal(err?.message, '16 UNAUTHENTICATED: Unauthenticated');
      const append = await client.appendToStream(stream, event()).then(() => undefined, (e: unknown) => e);
      t.type(append, AccessDeniedError, `${who}: append refused`);
    }
    t.same(await readAllOf(admin.readStream(stream)), ['Happened'], 'nothing was written');
  });

  await t.test('gossip and server features answer without credentials (OverrideAnonymousEndpointAccessForGossip, ServerFeatures.cs)', async (t) => {
    const discover = connect(`esdb+discover://${node.host}:${node.port}?tls=true&tlsCAFile=${encodeURIComponent(node.caFile!)}&maxDiscoverAttempts=3`.replace('esdb+discover://', 'esdb+discover://admin:changeit@'));
    t.same(await readAllOf(discover.readStream(stream)), ['Happened'], 'discovery then an authenticated read');
  });

  await t.test('the passwords are configuration (DefaultAdminPassword, DefaultOpsPassword)', async (t) => {
    const other = await startEmbeddedEventStore({ memDb: true, port: 0, statsIntervalMs: 3_600_000, passwords: { admin: 'S3cret-admin', ops: 'S3cret-ops' } });
    t.teardown(() => other.close());
    t.match(other.connectionString, /^esdb:\/\/admin:S3cret-admin@/, 'the connection string carries the configured password');
    const stale = connect(other.connectionStringFor('admin', 'changeit'));
    await denied(t, () => stale.appendToStream(unique('pw'), event()), 'the default password no longer works');
    const good = connect(other.connectionString);
    const opsGood = connect(other.connectionStringFor('ops', 'S3cret-ops'));
    const s = unique('pw');
    await good.appendToStream(s, event());
    t.same(await readAllOf(opsGood.readStream(s)), ['Happened'], 'ops with its configured password');
  });
});

t.test('default access: SystemSettings.Default, IndexReader.GetEffectiveAcl, LegacyStreamPermissionAssertion.cs', async (t) => {
  const user = unique('user');
  const system = unique('$system');
  await t.test('user streams are open to every authenticated user ($userStreamAcl default $all)', async (t) => {
    await ops.appendToStream(user, event());
    t.same(await readAllOf(ops.readStream(user)), ['Happened'], 'ops reads what it wrote');
    await ops.setStreamMetadata(user, { maxCount: 10 });
    t.same((await ops.getStreamMetadata(user)).metadata, { maxCount: 10 }, 'and its metadata');
  });
  await t.test('$-prefixed streams and $all are for $admins only ($systemStreamAcl default $admins)', async (t) => {
    await admin.appendToStream(system, event());
    t.same(await readAllOf(admin.readStream(system)), ['Happened'], 'admin reads a system stream');
    await permissionDenied(t, () => readAllOf(ops.readStream(system)), 'ops reading a $-stream');
    await denied(t, () => ops.appendToStream(system, event()), 'ops writing a $-stream');
    await permissionDenied(t, () => ops.deleteStream(system), 'ops deleting a $-stream');
    await permissionDenied(t, () => ops.getStreamMetadata(system), 'ops reading a $-stream\'s metadata');
    await permissionDenied(t, () => readAllOf(ops.readAll({ maxCount: 1 })), 'ops reading $all');
    const types = await readAllOf(admin.readAll({ maxCount: 1_000 }));
    t.ok(types.includes('Happened'), 'admin reads $all');
  });
  await t.test('a subscription to $all is a read of $all', async (t) => {
    const sub = ops.subscribeToAll({ fromPosition: START });
    const err = await new Promise<unknown>((resolve) => { sub.on('error', resolve); sub.on('data', () => resolve(undefined)); });
    t.type(err, AccessDeniedError, 'ops may not subscribe to $all');
    const ok = admin.subscribeToAll({ fromPosition: START });
    const first = await new Promise<ResolvedEvent | unknown>((resolve) => { ok.on('error', resolve); ok.on('data', resolve); });
    t.ok((first as ResolvedEvent).event, 'admin may');
    await ok.unsubscribe();
  });
  await t.test('nobody writes to or deletes the stream $all, admins included', async (t) => {
    await denied(t, () => admin.appendToStream('$all', event()), 'admin appending to $all');
    await permissionDenied(t, () => admin.deleteStream('$all'), 'admin deleting $all');
  });
});

t.test('stream ACLs from $acl in the stream metadata (StreamMetadata.ReadAcl: $r $w $d $mr $mw)', async (t) => {
  const s = unique('acl');
  await admin.appendToStream(s, event());
  // A role or a list of roles; a user's name counts as a role (InternalAuthenticationProvider.CreatePrincipal).
  await admin.setStreamMetadata(s, { acl: { readRoles: ['ops'], writeRoles: ['$admins'], deleteRoles: ['$admins'], metaReadRoles: ['$ops'], metaWriteRoles: ['$admins'] } });
  t.same(await readAllOf(ops.readStream(s)), ['Happened'], '$r ops: ops reads');
  await denied(t, () => ops.appendToStream(s, event()), '$w $admins: ops may not write');
  await permissionDenied(t, () => ops.deleteStream(s), '$d $admins: ops may not delete');
  t.same((await ops.getStreamMetadata(s)).metadata?.acl?.readRoles, ['ops'], '$mr $ops: ops reads the metadata');
  await denied(t, () => ops.setStreamMetadata(s, {}), '$mw $admins: ops may not change the metadata');
  await admin.appendToStream(s, event('ByAdmin'));

  const partial = unique('acl-partial');
  await admin.appendToStream(partial, event());
  await admin.setStreamMetadata(partial, { acl: { readRoles: ['$admins'] } });
  await permissionDenied(t, () => readAllOf(ops.readStream(partial)), 'only $r set: ops may not read');
  await ops.appendToStream(partial, event('ByOps'));
  t.pass('a right the ACL leaves out falls back to the $userStreamAcl default ($all): ops still writes');

  const open = unique('$open');
  await admin.appendToStream(open, event());
  // The client's types allow only lists; the server also reads a single role as a string.
  await admin.appendToStream(`$$${open}`, jsonEvent({ type: '$metadata', data: { $acl: { $r: '$all' } } }));
  t.same(await readAllOf(ops.readStream(open)), ['Happened'], 'a $-stream with $r "$all" (a single role as a string) is readable by any user');
  await permissionDenied(t, () => readAllOf(anonymous.readStream(open)), 'but never by anonymous callers');
});

t.test('$settings: $userStreamAcl and $systemStreamAcl replace the defaults (SystemSettings.cs, IndexCommitter.cs)', async (t) => {
  const user = unique('settings-user');
  const system = unique('$settings-system');
  const own = unique('settings-own');
  await admin.appendToStream(user, event());
  await admin.appendToStream(system, event());
  await admin.appendToStream(own, event());
  await admin.setStreamMetadata(own, { acl: { readRoles: ['$all'] } });
  await permissionDenied(t, () => ops.getStreamMetadata('$settings'), '$settings itself is a system stream');
  await admin.appendToStream('$settings', jsonEvent({
    type: 'update-default-acl',
    data: { $userStreamAcl: { $r: '$admins', $w: '$admins' }, $systemStreamAcl: { $r: ['$admins', '$ops'] } },
  }));
  t.teardown(() => admin.appendToStream('$settings', jsonEvent({ type: 'update-default-acl', data: {} })));
  await permissionDenied(t, () => readAllOf(ops.readStream(user)), '$userStreamAcl $r $admins: ops may no longer read a user stream');
  await denied(t, () => ops.appendToStream(user, event()), '$userStreamAcl $w $admins: nor write it');
  t.same(await readAllOf(ops.readStream(own)), ['Happened'], 'a stream\'s own $acl wins over $settings');
  t.same(await readAllOf(ops.readStream(system)), ['Happened'], '$systemStreamAcl $r [$admins, $ops]: ops reads $-streams');
  t.same((await readAllOf(ops.readAll({ maxCount: 1_000 }))).length > 0, true, 'and $all');
  await denied(t, () => ops.appendToStream(system, event()), 'rights $systemStreamAcl leaves out keep the default ($admins)');
  await ops.setStreamMetadata(user, { maxCount: 5 });
  t.pass('$mw left out of $userStreamAcl: the default $all applies');
  await admin.appendToStream('$settings', jsonEvent({ type: 'update-default-acl', data: {} }));
  t.same(await readAllOf(ops.readStream(user)), ['Happened'], 'settings without ACLs: the defaults again');
});

t.test('TLS: the store speaks TLS only, with a CA and node certificate generated on first start', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'esdb-tls-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const first = await startEmbeddedEventStore({ dataDir, port: 0, statsIntervalMs: 3_600_000 });
  const ca = first.caFile!;
  t.equal(ca, join(dataDir, 'certs', 'ca.crt'), 'the CA certificate under <dataDir>/certs');
  for (const key of ['ca.key', 'node.key', 'ca.crt', 'node.crt']) {
    t.equal((await stat(join(dataDir, 'certs', key))).mode & 0o777, 0o600, `${key} is readable by its owner only (keys, and like everything under DATA_DIR)`);
  }
  t.equal((await stat(join(dataDir, 'certs'))).mode & 0o077, 0, 'the certs directory is the owner\'s only');
  const client = connect(first.connectionString);
  const s = unique('tls');
  await client.appendToStream(s, event());
  const plain = connect(`esdb://${first.host}:${first.port}?tls=false&maxDiscoverAttempts=1`);
  const err = await readAllOf(plain.readStream(s, { deadline: 2_000 })).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof Error, 'a client without TLS cannot talk to it');
  const before = (await stat(ca)).mtimeMs;
  await client.dispose();
  await first.close();

  const second = await startEmbeddedEventStore({ dataDir, port: 0, statsIntervalMs: 3_600_000 });
  t.teardown(() => second.close());
  t.equal((await stat(ca)).mtimeMs, before, 'a restart keeps the certificates');
  t.same(await readAllOf(connect(second.connectionString).readStream(s)), ['Happened'], 'the same CA file still verifies the node');
});

t.test('insecure mode (like --insecure): no TLS, no credentials, no access control', async (t) => {
  const open = await startEmbeddedEventStore({ memDb: true, port: 0, insecure: true, statsIntervalMs: 3_600_000 });
  t.teardown(() => open.close());
  t.match(open.connectionString, /^esdb:\/\/127\.0\.0\.1:\d+\?tls=false$/, 'a plain connection string without credentials');
  t.equal(open.caFile, undefined, 'no certificates');
  const client = connect(open.connectionString);
  const s = unique('$insecure');
  await client.appendToStream(s, event());
  t.same(await readAllOf(client.readStream(s)), ['Happened'], 'a $-stream without credentials');
  t.ok((await readAllOf(client.readAll({ maxCount: 10 }))).length > 0, '$all without credentials');
});

t.test('the CLI: secure by default, --insecure or KURRENTDB_INSECURE=true for the old behaviour, passwords from the environment', async (t) => {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const run = async (args: string[], env: NodeJS.ProcessEnv): Promise<string> => {
    const proc = spawn(process.execPath, [...process.execArgv.filter((a) => !a.includes('@tapjs/processinfo')), cli, '--mem-db', '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
    });
    t.teardown(() => { proc.kill('SIGTERM'); });
    const line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: proc.stdout! }).once('line', resolve);
      proc.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    return line;
  };
  const secure = await run([], { KURRENTDB_DEFAULT_ADMIN_PASSWORD: 'cli-admin-pw' });
  const m = /^embedded-eventstore ready on (\S+):(\d+) with TLS, CA certificate (\S+)$/.exec(secure);
  t.ok(m, `one ready line naming the CA file: ${secure}`);
  t.notMatch(secure, /cli-admin-pw|changeit/, 'and no password');
  const c = connect(`esdb://admin:cli-admin-pw@${m![1]}:${m![2]}?tls=true&tlsCAFile=${encodeURIComponent(m![3]!)}`);
  await c.appendToStream(unique('cli'), event());
  t.pass('the configured admin password works');
  t.match(await run(['--insecure'], {}), /^embedded-eventstore ready on \S+:\d+$/, '--insecure: the old ready line');
  t.match(await run([], { KURRENTDB_INSECURE: 'true' }), /^embedded-eventstore ready on \S+:\d+$/, 'KURRENTDB_INSECURE=true likewise');
});
