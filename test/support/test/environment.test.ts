// The test environment in each mode: the event store and JetStream really work, and close() leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { FORWARDS, START, jsonEvent } from '@eventstore/db-client';
import { canConnect } from '@cfund/infra';
import { AckPolicy, StringCodec, connect } from 'nats';
import t, { type Test } from 'tap';
import { type TestEnvironment, type TestEnvironmentOptions, startTestEnvironment } from '../src/index.js';

// The embedded and external cases must not follow the developer's own ESDB_CONNECTION_STRING etc.
const cleanEnv = { ...process.env, ESDB_CONNECTION_STRING: undefined, NATS_URL: undefined, NATS_USER: undefined, NATS_PASSWORD: undefined, NATS_TLS_CA_FILE: undefined, TEST_CONTAINERS: undefined };

/** Starts an environment for one test, or skips the test with the reason it cannot run here. */
async function environment(t: Test, options: TestEnvironmentOptions): Promise<TestEnvironment | undefined> {
  const env = await startTestEnvironment(options);
  t.teardown(() => env.close());
  if (env.skipped !== undefined) {
    t.plan(0, env.skipped); // marks the whole test as skipped, with the reason
    return undefined;
  }
  t.comment(env.description);
  return env;
}

async function appendAndRead(t: Test, env: TestEnvironment): Promise<void> {
  const stream = `environment-check-${randomUUID()}`;
  const id = randomUUID();
  const result = await env.eventStore.appendToStream(stream, jsonEvent({ id, type: 'EnvironmentChecked', data: { ok: true } }));
  t.equal(result.success, true, 'append through the real client');
  const read = [];
  for await (const resolved of env.eventStore.readStream(stream, { direction: FORWARDS, fromRevision: START })) {
    read.push([resolved.event?.id, resolved.event?.type, resolved.event?.data]);
  }
  t.same(read, [[id, 'EnvironmentChecked', { ok: true }]], 'read it back');
}

async function publishAndConsume(t: Test, env: TestEnvironment): Promise<void> {
  const codec = StringCodec();
  const nc = await env.connectNats();
  const jsm = await nc.jetstreamManager();
  const name = `ENVCHECK_${randomUUID().replaceAll('-', '')}`;
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
  const js = nc.jetstream();
  const first = await js.publish(`${name}.claims`, codec.encode('hello'), { msgID: 'event-1' });
  const again = await js.publish(`${name}.claims`, codec.encode('hello'), { msgID: 'event-1' });
  t.same([first.duplicate, again.duplicate], [false, true], 'JetStream deduplicates by Nats-Msg-Id');
  await jsm.consumers.add(name, { durable_name: 'checker', ack_policy: AckPolicy.Explicit });
  const consumer = await js.consumers.get(name, 'checker');
  const message = await consumer.next({ expires: 5_000 });
  t.equal(message && codec.decode(message.data), 'hello', 'a durable consumer receives it');
  await message?.ackAck();
  await jsm.streams.delete(name);
}

const portOf = (url: string) => Number(new URL(url).port);

t.test('embedded: a store on disk and a nats-server in a temp dir, torn down by close()', async (t) => {
  const env = await environment(t, { env: cleanEnv });
  if (!env) return;
  t.equal(env.mode, 'embedded');
  t.ok(env.tempDir && existsSync(env.tempDir), 'temp dir exists while running');
  await appendAndRead(t, env);
  await publishAndConsume(t, env);
  await t.rejects(connect({ servers: env.natsUrl }), /Authorization Violation/i, 'NATS refuses an anonymous client');
  for (const user of ['command', 'projection', 'notification']) {
    t.equal(env.natsEnv(user).NATS_USER, user, `a NATS user for the ${user} service`);
    await (await env.connectNats(env.natsOptions(user))).close();
  }

  await env.close();
  t.notOk(await canConnect('127.0.0.1', portOf(env.esdbConnectionString)), 'event store port closed');
  t.notOk(await canConnect('127.0.0.1', portOf(env.natsUrl)), 'NATS port closed');
  t.notOk(existsSync(env.tempDir as string), 'temp dir removed');
  await env.close(); // idempotent
});

t.test('embedded with natsTls: nats-server speaks TLS only, and clients and services get its CA', async (t) => {
  const env = await environment(t, { env: cleanEnv, memDb: true, natsTls: true });
  if (!env) return;
  t.match(env.natsUrl, /^tls:\/\/127\.0\.0\.1:\d+$/);
  t.ok(env.natsCaFile && existsSync(env.natsCaFile), 'the CA file exists');
  await publishAndConsume(t, env);
  const projection = env.natsEnv('projection');
  t.same(Object.keys(projection).sort(), ['NATS_PASSWORD', 'NATS_TLS_CA_FILE', 'NATS_URL', 'NATS_USER'], 'a service process gets the CA');
  const { user, pass } = env.natsOptions('projection');
  await t.rejects(connect({ servers: env.natsUrl, user, pass, reconnect: false, timeout: 3_000 }), /certificate|self.signed|verify/i, 'without the CA the server is not trusted');
  await t.rejects(connect({ servers: env.natsUrl.replace('tls://', 'nats://'), user, pass, reconnect: false, timeout: 3_000 }), /certificate|self.signed|verify|TLS/i, 'nor over a nats:// URL without it');
  await (await env.connectNats(env.natsOptions('projection'))).close();
  // An external server given with its CA, as a service is configured.
  const external = await environment(t, { env: { ...cleanEnv, ESDB_CONNECTION_STRING: env.esdbConnectionString, ...env.natsEnv('test') } });
  if (!external) return;
  t.equal(external.natsCaFile, env.natsCaFile, 'NATS_TLS_CA_FILE is taken from the environment');
  await publishAndConsume(t, external);
});

t.test('embedded with memDb', async (t) => {
  const env = await environment(t, { env: cleanEnv, memDb: true });
  if (!env) return;
  t.equal(env.mode, 'embedded');
  t.notOk(existsSync(`${env.tempDir}/eventstore`), 'nothing written for the event store');
  await appendAndRead(t, env);
});

t.test('external: ESDB_CONNECTION_STRING and NATS_URL are used as given and left running', async (t) => {
  const servers = await environment(t, { env: cleanEnv, memDb: true });
  if (!servers) return;
  const env = await environment(t, {
    env: { ...cleanEnv, ESDB_CONNECTION_STRING: servers.esdbConnectionString, ...servers.natsEnv('test') },
  });
  if (!env) return;
  t.equal(env.mode, 'external');
  t.equal(env.tempDir, undefined, 'nothing started locally');
  t.equal(env.esdbConnectionString, servers.esdbConnectionString);
  await appendAndRead(t, env);
  await publishAndConsume(t, env);
  await env.close();
  t.ok(await canConnect('127.0.0.1', portOf(servers.esdbConnectionString)), 'the external event store still runs');
  t.ok(await canConnect('127.0.0.1', portOf(servers.natsUrl)), 'the external NATS still runs');
});

t.test('containers (TEST_CONTAINERS=1): real EventStoreDB and NATS, or skipped with the reason', async (t) => {
  const env = await startTestEnvironment({ env: { ...process.env, TEST_CONTAINERS: '1' } });
  t.teardown(() => env.close());
  t.equal(env.mode, 'containers');
  if (env.skipped !== undefined) {
    t.match(env.skipped, /^TEST_CONTAINERS=1 but no container runtime is available: /, 'the reason says why');
    t.pass('real EventStoreDB and NATS in containers', { skip: env.skipped });
    return;
  }
  await appendAndRead(t, env);
  await publishAndConsume(t, env);
});
