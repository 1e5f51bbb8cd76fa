/**
 * Users on a secure node, as KurrentDB keeps and serves them, through the real
 * `@eventstore/db-client` connection (its Users stubs, via EventStoreUsers of this package,
 * since client 6.2.1 has no methods for them). Each case names the KurrentDB source file (under
 * src/ of kurrent-io/KurrentDB) it follows: Protos/Grpc/users.proto, KurrentDB.Core/Services/
 * Transport/Grpc/Users.*.cs, KurrentDB.Core/Authentication/InternalAuthentication/
 * UserManagementService.cs, AllUsersReader.cs, InternalAuthenticationProvider.cs,
 * KurrentDB.Core/Data/UserData.cs, KurrentDB.Core/Authorization/AuthorizationPolicies/
 * LegacyPolicySelectorFactory.cs, Transport/Http/Authentication/Rfc2898PasswordHashAlgorithm.cs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  AccessDeniedError, EventStoreDBClient, jsonEvent, LoginConflictError, LoginNotFoundError, type ResolvedEvent,
} from '@eventstore/db-client';
import * as grpc from '@grpc/grpc-js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import { EventStoreUsers, startEmbeddedEventStore, type EmbeddedEventStore } from '@cfund/embedded-eventstore';

const clients: EventStoreDBClient[] = [];
const connect = (cs: string): EventStoreDBClient => {
  const c = EventStoreDBClient.connectionString(cs);
  clients.push(c);
  return c;
};
t.teardown(() => Promise.allSettled(clients.map((c) => c.dispose())));

let n = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++n}`;
const event = () => jsonEvent({ type: 'Happened', data: { n } });
const failure = (action: () => Promise<unknown>): Promise<unknown> => action().then(() => undefined, (e: unknown) => e);
async function types(stream: AsyncIterable<ResolvedEvent>): Promise<string[]> {
  const found: string[] = [];
  for await (const e of stream) found.push(e.event!.type);
  return found;
}
/** A user's calls fail as UNAUTHENTICATED (wrong password, disabled, deleted): the client's AccessDeniedError, code 16. */
async function unauthenticated(t: Test, client: EventStoreDBClient, what: string): Promise<void> {
  const err = await failure(() => types(client.readStream('anything', { maxCount: 1 }))) as AccessDeniedError & { code?: number };
  t.type(err, AccessDeniedError, what);
  t.equal(err?.code, 16, `${what}: UNAUTHENTICATED`);
}

let node: EmbeddedEventStore;
let admin: EventStoreDBClient;
let users: EventStoreUsers;
t.before(async () => {
  node = await startEmbeddedEventStore({ memDb: true, port: 0, statsIntervalMs: 3_600_000 });
  admin = connect(node.connectionString);
  users = new EventStoreUsers(admin);
});
t.teardown(() => node?.close());

t.test('admin and ops exist from the first start (UserManagementService.Handle(BecomeLeader), CreateAdminUser, CreateOperationsUser)', async (t) => {
  const all = await users.listAllUsers();
  t.same(all.filter((u) => ['admin', 'ops'].includes(u.loginName)).map(({ loginName, fullName, groups, disabled }) => ({ loginName, fullName, groups, disabled })), [
    { loginName: 'admin', fullName: 'KurrentDB Administrator', groups: ['$admins'], disabled: false },
    { loginName: 'ops', fullName: 'KurrentDB Operations', groups: ['$ops'], disabled: false },
  ], 'with their groups, sorted by login (Handle(GetAll))');
  const details = await users.getUserDetails('admin');
  t.ok(details.lastUpdated && Math.abs(details.lastUpdated.getTime() - Date.now()) < 60_000, 'lastUpdated in ticks since the epoch (Users.Details.cs)');
});

t.test('ServerFeatures lists the Users methods on a secure node (ServerFeatures.cs; an insecure node serves no Users)', async (t) => {
  const stub = new serverFeaturesGrpc.ServerFeaturesClient(`${node.host}:${node.port}`, grpc.credentials.createSsl(await readFile(node.caFile!)));
  t.teardown(() => stub.close());
  const listed = await new Promise<string[]>((resolve, reject) => {
    stub.getSupportedMethods(new sharedPb.Empty(), (err, res) => (err ? reject(err) : resolve(res.getMethodsList().map((m) => `${m.getServiceName()}/${m.getMethodName()}`))));
  });
  const methods = ['create', 'update', 'delete', 'disable', 'enable', 'details', 'changepassword', 'resetpassword'];
  t.same(listed.filter((m) => m.startsWith('event_store.client.users.users/')).sort(), methods.map((m) => `event_store.client.users.users/${m}`).sort());
});

t.test('create: a user with groups, who authenticates and whose groups are roles (InternalAuthenticationProvider.CreatePrincipal)', async (t) => {
  const login = unique('clerk');
  await users.createUser(login, 'A Clerk', ['clerks', 'readers'], 'clerk-password');
  const details = await users.getUserDetails(login);
  t.same([details.loginName, details.fullName, details.groups, details.disabled], [login, 'A Clerk', ['clerks', 'readers'], false]);
  const clerk = connect(node.connectionStringFor(login, 'clerk-password'));
  const s = unique('for-readers');
  await admin.appendToStream(s, event());
  await admin.setStreamMetadata(s, { acl: { readRoles: ['readers'], writeRoles: ['$admins'] } });
  t.same(await types(clerk.readStream(s)), ['Happened'], 'a group named in $r lets its members read');
  t.type(await failure(() => clerk.appendToStream(s, event())), AccessDeniedError, 'and no more than that');
  await unauthenticated(t, connect(node.connectionStringFor(login, 'wrong')), 'a wrong password');

  await users.createUser(login, 'A Clerk', ['clerks', 'readers'], 'clerk-password');
  t.pass('creating it again with the same password is a success (a retry: Handle(Create) replies Updated)');
  const conflict = await failure(() => users.createUser(login, 'A Clerk', [], 'another-password')) as LoginConflictError;
  t.type(conflict, LoginConflictError, 'with another password: Conflict (RpcExceptions.LoginConflict)');
  t.equal(conflict?.LoginName, login, 'naming the login');
});

t.test('only $admins manage users; details and a password change need only authentication (LegacyPolicySelectorFactory.cs)', async (t) => {
  const login = unique('plain');
  await users.createUser(login, 'Plain', [], 'plain-password');
  const plain = new EventStoreUsers(connect(node.connectionStringFor(login, 'plain-password')));
  const ops = new EventStoreUsers(connect(node.connectionStringFor('ops', 'changeit')));
  const anonymous = new EventStoreUsers(connect(node.connectionString.replace('admin:changeit@', '')));
  for (const [who, api] of [['a user', plain], ['ops', ops], ['anonymous', anonymous]] as const) {
    for (const [op, call] of [
      ['create', () => api.createUser(unique('x'), 'X', ['$admins'], 'pw')],
      ['update', () => api.updateUser(login, 'Renamed', ['$admins'])],
      ['disable', () => api.disableUser(login)],
      ['enable', () => api.enableUser(login)],
      ['reset password', () => api.resetPassword(login, 'taken-over')],
      ['delete', () => api.deleteUser(login)],
    ] as const) {
      t.type(await failure(call), AccessDeniedError, `${who} may not ${op}`);
    }
  }
  t.type(await failure(() => anonymous.listAllUsers()), AccessDeniedError, 'anonymous callers may not read users');
  t.equal((await plain.getUserDetails(login)).fullName, 'Plain', 'any authenticated user reads details (Operations.Users.Read)');
  t.same((await users.getUserDetails(login)).groups, [], 'nothing changed');
});

t.test('unknown users are NotFound (RpcExceptions.LoginNotFound)', async (t) => {
  for (const [op, call] of [
    ['details', () => users.getUserDetails('nobody-here')],
    ['update', () => users.updateUser('nobody-here', 'N', [])],
    ['disable', () => users.disableUser('nobody-here')],
    ['reset password', () => users.resetPassword('nobody-here', 'x')],
    ['delete', () => users.deleteUser('nobody-here')],
  ] as const) {
    const err = await failure(call) as LoginNotFoundError;
    t.type(err, LoginNotFoundError, `${op}: LoginNotFoundError`);
    t.equal(err?.LoginName, 'nobody-here');
  }
});

t.test('a disabled user is refused until enabled (InternalAuthenticationProvider: "The account is disabled.")', async (t) => {
  const login = unique('disabled');
  await users.createUser(login, 'D', [], 'd-password');
  const client = connect(node.connectionStringFor(login, 'd-password'));
  await client.appendToStream(unique('d'), event());
  await users.disableUser(login);
  t.equal((await users.getUserDetails(login)).disabled, true, 'details say disabled');
  await unauthenticated(t, client, 'the right password of a disabled user');
  await users.enableUser(login);
  await client.appendToStream(unique('d'), event());
  t.pass('enabled again, it works');
});

t.test('update changes the name and groups, never the password (UserData.SetFullName/SetGroups)', async (t) => {
  const login = unique('promoted');
  await users.createUser(login, 'Before', [], 'p-password');
  const client = connect(node.connectionStringFor(login, 'p-password'));
  t.type(await failure(() => types(client.readStream('$settings'))), AccessDeniedError, 'not an admin yet');
  await users.updateUser(login, 'After', ['$admins']);
  t.same((await users.getUserDetails(login)).fullName, 'After');
  t.type(await failure(() => types(client.readStream('$settings'))), Error, 'now an admin: $settings is readable (or not found)');
  t.not((await failure(() => types(client.readStream('$settings')))) instanceof AccessDeniedError, true, 'not denied');
});

t.test('passwords: reset by an admin, changed by whoever knows the current one (Handle(ResetPassword), Handle(ChangePassword))', async (t) => {
  const login = unique('pw');
  await users.createUser(login, 'P', [], 'first');
  await users.resetPassword(login, 'second');
  await unauthenticated(t, connect(node.connectionStringFor(login, 'first')), 'the old password after a reset');
  const self = new EventStoreUsers(connect(node.connectionStringFor(login, 'second')));
  t.type(await failure(() => self.changePassword(login, 'not-current', 'third')), AccessDeniedError, 'a wrong current password is AccessDenied (Unauthorized)');
  await self.changePassword(login, 'second', 'third');
  await unauthenticated(t, connect(node.connectionStringFor(login, 'second')), 'the password before the change');
  await connect(node.connectionStringFor(login, 'third')).appendToStream(unique('pw'), event());
  t.pass('the new one works');
});

t.test('delete: soft-deletes $user-<login>; the login may be created again (Handle(Delete), AllUsersReader.cs)', async (t) => {
  const login = unique('gone');
  await users.createUser(login, 'G', [], 'g-password');
  await users.deleteUser(login);
  await unauthenticated(t, connect(node.connectionStringFor(login, 'g-password')), 'a deleted user');
  t.type(await failure(() => users.getUserDetails(login)), LoginNotFoundError, 'details: not found');
  t.notOk((await users.listAllUsers()).some((u) => u.loginName === login), 'not listed');
  await users.createUser(login, 'G again', ['g'], 'new-password');
  await connect(node.connectionStringFor(login, 'new-password')).appendToStream(unique('g'), event());
  t.same((await users.getUserDetails(login)).groups, ['g'], 'created again, with the new details');
  await unauthenticated(t, connect(node.connectionStringFor(login, 'g-password')), 'the old password is gone with the old user');
});

t.test('storage as the server\'s: $user-<login>, $users, the stream ACL, PBKDF2 hashes only (UserData.cs, Rfc2898PasswordHashAlgorithm.cs)', async (t) => {
  const login = unique('stored');
  await users.createUser(login, 'S', ['g1'], 'stored-secret-password');
  await users.disableUser(login);
  const events: { type: string; data: unknown }[] = [];
  for await (const e of admin.readStream(`$user-${login}`)) events.push({ type: e.event!.type, data: e.event!.data });
  t.same(events.map((e) => e.type), ['$UserCreated', '$UserUpdated'], 'one $UserCreated, then a $UserUpdated per change');
  const data = events[1]!.data as Record<string, unknown>;
  t.same(Object.keys(data).sort(), ['disabled', 'fullName', 'groups', 'hash', 'loginName', 'salt'], 'UserData\'s fields, camel-case');
  t.equal(Buffer.from(data.hash as string, 'base64').length, 20, 'a 20-byte hash');
  t.equal(Buffer.from(data.salt as string, 'base64').length, 16, 'a 16-byte salt');
  const raw: string[] = [];
  for await (const e of admin.readAll({ maxCount: 100_000 })) raw.push(Buffer.from(JSON.stringify(e.event?.data ?? '')).toString());
  t.notOk(raw.some((r) => r.includes('stored-secret-password')), 'the password itself is nowhere in $all');
  const logins: string[] = [];
  for await (const e of admin.readStream('$users')) logins.push(Buffer.from(e.event!.data as Uint8Array).toString('utf8'));
  t.ok(logins.includes(login) && logins.includes('admin') && logins.includes('ops'), '$users lists the logins ($User events, the login as data)');
  t.same((await admin.getStreamMetadata(`$user-${login}`)).metadata?.acl, { writeRoles: '$admins', deleteRoles: '$admins', metaWriteRoles: '$admins' }, 'the ACL WriteStreamAcl sets (one role written as a string, as StreamMetadata.WriteAcl does)');
  const ops = connect(node.connectionStringFor('ops', 'changeit'));
  t.type(await failure(() => types(ops.readStream(`$user-${login}`))), AccessDeniedError, 'a $-stream: not readable by others');
});

t.test('users survive a restart; the configured default passwords apply only when admin and ops are created', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'esdb-users-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const first = await startEmbeddedEventStore({ dataDir, port: 0, statsIntervalMs: 3_600_000, passwords: { admin: 'first-admin' } });
  const firstAdmin = new EventStoreUsers(connect(first.connectionString));
  await firstAdmin.createUser('kept', 'Kept', ['g'], 'kept-password');
  await firstAdmin.createUser('off', 'Off', [], 'off-password');
  await firstAdmin.disableUser('off');
  await firstAdmin.changePassword('ops', 'changeit', 'ops-changed');
  await first.close();

  const second = await startEmbeddedEventStore({ dataDir, port: 0, statsIntervalMs: 3_600_000, passwords: { admin: 'other-admin', ops: 'changeit' } });
  t.teardown(() => second.close());
  await unauthenticated(t, connect(second.connectionStringFor('admin', 'other-admin')), 'a new configured admin password does not replace the stored one');
  const api = new EventStoreUsers(connect(second.connectionStringFor('admin', 'first-admin')));
  t.same((await api.getUserDetails('kept')).groups, ['g'], 'a created user is still there');
  await connect(second.connectionStringFor('kept', 'kept-password')).appendToStream(unique('kept'), event());
  t.pass('and logs in');
  await unauthenticated(t, connect(second.connectionStringFor('off', 'off-password')), 'a disabled user stays disabled');
  await unauthenticated(t, connect(second.connectionStringFor('ops', 'changeit')), 'a changed password stays changed');
});
