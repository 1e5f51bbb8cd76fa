/**
 * Conformance-suite target: the server every conformance test talks to, through the real
 * `@eventstore/db-client`.
 *
 * - `ESDB_CONNECTION_STRING` set: the tests run against that server (a real EventStoreDB/KurrentDB)
 *   and no embedded store is started. Secure (`esdb://admin:changeit@host:2113?tls=true&tlsCAFile=ca.crt`,
 *   the user must be an admin: the suite reads `$all` and `$`-streams) or insecure (`?tls=false`).
 * - `TEST_CONTAINERS=1`: a real EventStoreDB/KurrentDB in a container (through @cfund/test-support);
 *   where no container runtime exists, the reason is printed and the embedded store is used.
 * - otherwise: an embedded store is started in a fresh temporary directory on a free port and
 *   removed again by `close()`: secure as `startEmbeddedEventStore` defaults (TLS with its own CA,
 *   authentication, access control; the suite connects as `admin`), or insecure (KurrentDB's
 *   `--insecure`) when `CONFORMANCE_INSECURE=true`.
 *
 * The tests never assume an empty database: stream names carry a random suffix, and `$all` is
 * read from positions the test wrote itself (or filtered to the test's own streams).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EventStoreDBClient,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Credentials,
  type JSONEventData,
  type ResolvedEvent,
  type StreamSubscription,
} from '@eventstore/db-client';
import * as grpc from '@grpc/grpc-js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import { startEmbeddedEventStore } from '@cfund/embedded-eventstore';
import { startTestEnvironment } from '@cfund/test-support';
import type { Test } from 'tap';

export { sleep };

/** Options that only the embedded store understands; ignored against an external server. */
export interface TargetOptions {
  /** Period of the embedded store's `$statsCollected` events (a real server: 30 s). */
  statsIntervalMs?: number;
  /** Embedded store's maximum append size in bytes (a real server's default: 1 MiB). */
  maxAppendSize?: number;
  /** The server the embedded store answers as (its version and default append limits). */
  serverVersion?: '24.10' | '25.1';
}

export interface Target {
  /** True when the suite runs against `ESDB_CONNECTION_STRING` instead of an embedded store. */
  readonly external: boolean;
  /** True when the target speaks TLS and wants credentials (as a secure KurrentDB node). */
  readonly secure: boolean;
  /** Single-node connection string: `esdb://admin:…@host:port?tls=true&tlsCAFile=…` or `esdb://host:port?tls=false`. */
  readonly connectionString: string;
  readonly host: string;
  readonly port: number;
  /** A client shared by the tests of one file. */
  readonly client: EventStoreDBClient;
  /** A new client for `connectionString` (or another one); disposed by `close()`. */
  newClient(connectionString?: string): EventStoreDBClient;
  /**
   * A connection string to other hosts (`esdb+discover://` when `discover`) with this target's
   * credentials and TLS settings, followed by `params`.
   */
  connectionStringTo(hosts: string, params: string, discover?: boolean): string;
  /**
   * Channel credentials for a raw gRPC client, as the real client builds them: TLS trusting the
   * target's CA with `authorization: Basic …` on every call, or plaintext when insecure.
   */
  grpcCredentials(): grpc.ChannelCredentials;
  close(): Promise<void>;
}

export const EXTERNAL_CONNECTION_STRING = process.env['ESDB_CONNECTION_STRING'] ?? '';
export const isExternal = EXTERNAL_CONNECTION_STRING !== '';

/** `CONFORMANCE_INSECURE=true` runs the embedded store insecure; anything but true/false/1/0/unset is a mistake. */
function insecureSwitch(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new Error(`CONFORMANCE_INSECURE must be true, false, 1 or 0, not ${JSON.stringify(value)}`);
}
export const INSECURE = insecureSwitch(process.env['CONFORMANCE_INSECURE']);

/** What a connection string says about security, read as the client reads it (TLS is on unless `tls=false`). */
export interface Security {
  tls: boolean;
  /** The `tlsCAFile` (relative paths resolve against the working directory, as the client does). */
  caFile: string | undefined;
  /** `tlsVerifyCert=false`: TLS without checking the server's name (as the client). */
  verifyCert: boolean;
  credentials: Credentials | undefined;
}

export function securityOf(connectionString: string): Security {
  const withoutScheme = connectionString.replace(/^[a-z+]+:\/\//i, '');
  const authority = withoutScheme.split(/[/?]/)[0] ?? '';
  const at = authority.lastIndexOf('@');
  let credentials: Credentials | undefined;
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    credentials = colon < 0
      ? { username: decodeURIComponent(userInfo), password: '' }
      : { username: decodeURIComponent(userInfo.slice(0, colon)), password: decodeURIComponent(userInfo.slice(colon + 1)) };
  }
  const query = withoutScheme.includes('?') ? withoutScheme.slice(withoutScheme.indexOf('?') + 1) : '';
  const params = new Map([...new URLSearchParams(query)].map(([k, v]) => [k.toLowerCase(), v]));
  const caFile = params.get('tlscafile');
  return {
    tls: params.get('tls')?.toLowerCase() !== 'false',
    caFile: caFile === undefined ? undefined : resolve(caFile),
    verifyCert: params.get('tlsverifycert')?.toLowerCase() !== 'false',
    credentials,
  };
}

/**
 * Credentials of an admin: the user of `ESDB_CONNECTION_STRING` when it names one, else the
 * default admin of a real server (and of the embedded store; an insecure node ignores them).
 */
export const ADMIN: Credentials = (isExternal ? securityOf(EXTERNAL_CONNECTION_STRING).credentials : undefined)
  ?? { username: 'admin', password: 'changeit' };

/** The part of a connection string after `?` that carries its security: `tls`, `tlsCAFile`, `tlsVerifyCert`. */
function securityParams(security: Security): string {
  if (!security.tls) return 'tls=false';
  return ['tls=true', ...(security.caFile ? [`tlsCAFile=${encodeURIComponent(security.caFile)}`] : []), ...(security.verifyCert ? [] : ['tlsVerifyCert=false'])].join('&');
}

/** Raw gRPC channel credentials equivalent to what the client builds from `security`. */
export function channelCredentials(security: Security): grpc.ChannelCredentials {
  if (!security.tls) return grpc.credentials.createInsecure();
  const tls = grpc.credentials.createSsl(
    security.caFile ? readFileSync(security.caFile) : null,
    null,
    null,
    security.verifyCert ? {} : { checkServerIdentity: () => undefined },
  );
  const user = security.credentials;
  if (!user) return tls;
  const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  return grpc.credentials.combineChannelCredentials(tls, grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.add('authorization', basic);
    callback(null, metadata);
  }));
}

/** First host and port of an `esdb://` or `esdb+discover://` connection string. */
export function parseHostPort(connectionString: string): { host: string; port: number } {
  const withoutScheme = connectionString.replace(/^[a-z+]+:\/\//i, '');
  const authority = withoutScheme.split(/[/?]/)[0] ?? '';
  const hostList = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  const first = hostList.split(',')[0] ?? '';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
  if (bracketed) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 2113) };
  const [host = '', port = '2113'] = first.split(':');
  return { host, port: Number(port) };
}

export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const clients: EventStoreDBClient[] = [];
  const newClientFor = (cs: string): EventStoreDBClient => {
    const c = EventStoreDBClient.connectionString(cs);
    clients.push(c);
    return c;
  };
  const disposeClients = async (): Promise<void> => {
    await Promise.allSettled(clients.map((c) => c.dispose()));
  };

  /** The target at `connectionString`; `stop` runs after the clients close. */
  const targetAt = (external: boolean, connectionString: string, stop: () => Promise<void>): Target => {
    const { host, port } = parseHostPort(connectionString);
    const security = securityOf(connectionString);
    const user = security.credentials
      ? `${encodeURIComponent(security.credentials.username)}:${encodeURIComponent(security.credentials.password)}@`
      : '';
    return {
      external,
      secure: security.tls,
      connectionString,
      host,
      port,
      client: newClientFor(connectionString),
      newClient: (cs = connectionString) => newClientFor(cs),
      connectionStringTo: (hosts, params, discover = false) =>
        `esdb${discover ? '+discover' : ''}://${user}${hosts}?${securityParams(security)}${params ? `&${params}` : ''}`,
      grpcCredentials: () => channelCredentials(security),
      close: async () => { await disposeClients(); await stop(); },
    };
  };
  /** A target on a server this suite did not start itself. */
  const externalTarget = (connectionString: string, stop: () => Promise<void> = async () => undefined): Target =>
    targetAt(true, connectionString, stop);

  if (isExternal) return externalTarget(EXTERNAL_CONNECTION_STRING);

  if (process.env['TEST_CONTAINERS'] === '1') {
    // A real EventStoreDB in a container where a runtime exists; otherwise say why, and run
    // against the embedded store below.
    const env = await startTestEnvironment();
    if (env.skipped === undefined) return externalTarget(env.esdbConnectionString, () => env.close());
    process.stdout.write(`# TEST_CONTAINERS=1 skipped: ${env.skipped}; running against the embedded store\n`);
    await env.close();
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'esdb-conformance-'));
  const store = await startEmbeddedEventStore({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    // Secure by default, as a real node; the rules of authentication and access control
    // themselves have their own tests (test/security.test.ts).
    insecure: INSECURE,
    ...(options.statsIntervalMs !== undefined ? { statsIntervalMs: options.statsIntervalMs } : {}),
    ...(options.maxAppendSize !== undefined ? { maxAppendSize: options.maxAppendSize } : {}),
    ...(options.serverVersion !== undefined ? { serverVersion: options.serverVersion } : {}),
  });
  return targetAt(false, store.connectionString, async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });
}

/** A stream name no other test (or earlier run against the same server) uses. */
export function uniqueStream(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** `n` JSON events `{ index }` of one type, with fresh ids. */
export function testEvents(n: number, type = 'test-event', from = 0): JSONEventData[] {
  return Array.from({ length: n }, (_, i) =>
    jsonEvent({ type, data: { index: from + i }, metadata: { source: 'conformance' } }),
  );
}

/** Reads a whole streaming read into an array (rejects with the read's error). */
export async function collect<E>(read: AsyncIterable<E>): Promise<E[]> {
  const out: E[] = [];
  for await (const e of read) out.push(e);
  return out;
}

type Ctor<E> = abstract new (...args: never[]) => E;

/** Awaits `promise`, which must reject with an instance of `cls`; returns that error. */
export async function rejection<E>(promise: Promise<unknown>, cls: Ctor<E>): Promise<E> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (error instanceof cls) return error;
    const name = (error as Error | undefined)?.constructor?.name ?? typeof error;
    throw new Error(`expected ${cls.name}, got ${name}: ${(error as Error | undefined)?.message ?? String(error)}`, {
      cause: error,
    });
  }
  throw new Error(`expected ${cls.name}, but the call succeeded with ${stringify(result)}`);
}

/**
 * Asserts that `promise` rejects with an instance of `cls` (tap's `t.rejects` matches classes
 * structurally, which the client's error classes do not satisfy); returns the error.
 */
export async function rejects<E>(t: Test, promise: Promise<unknown>, cls: Ctor<E>, message: string): Promise<E | undefined> {
  try {
    const err = await rejection(promise, cls);
    t.pass(message);
    return err;
  } catch (error) {
    t.fail(`${message}: ${(error as Error).message}`);
    return undefined;
  }
}

export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export type LogEntry<E> =
  | { kind: 'confirmation' }
  | { kind: 'caughtUp'; afterEvents: number }
  | { kind: 'event'; event: E };

/**
 * Records everything a catch-up subscription emits, in order: confirmation, events, caughtUp,
 * errors and the end of the stream.
 */
export class SubscriptionRecorder<E extends ResolvedEvent | AllStreamResolvedEvent> {
  readonly log: LogEntry<E>[] = [];
  readonly events: E[] = [];
  readonly errors: Error[] = [];
  ended = false;
  closed = false;

  constructor(readonly subscription: StreamSubscription | AllStreamSubscription) {
    subscription.on('data', (e: unknown) => {
      this.events.push(e as E);
      this.log.push({ kind: 'event', event: e as E });
    });
    subscription.on('confirmation', () => this.log.push({ kind: 'confirmation' }));
    subscription.on('caughtUp', () => this.log.push({ kind: 'caughtUp', afterEvents: this.events.length }));
    subscription.on('error', (err: Error) => this.errors.push(err));
    subscription.on('end', () => {
      this.ended = true;
    });
    subscription.on('close', () => {
      this.closed = true;
    });
  }

  count(kind: LogEntry<E>['kind']): number {
    return this.log.filter((l) => l.kind === kind).length;
  }

  get caughtUp(): boolean {
    return this.count('caughtUp') > 0;
  }

  /** Number of events received when the (first) caughtUp arrived, or -1. */
  get caughtUpAfter(): number {
    const entry = this.log.find((l) => l.kind === 'caughtUp');
    return entry && entry.kind === 'caughtUp' ? entry.afterEvents : -1;
  }

  async waitFor(check: (r: this) => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitFor(
      () => {
        if (this.errors.length > 0) throw this.errors[0];
        return check(this);
      },
      timeoutMs,
      what,
    );
  }

  waitForEvents(n: number, timeoutMs = 10_000): Promise<void> {
    return this.waitFor((r) => r.events.length >= n, timeoutMs, `${n} events (have ${this.events.length})`);
  }

  waitForCaughtUp(timeoutMs = 10_000): Promise<void> {
    return this.waitFor((r) => r.caughtUp, timeoutMs, 'caughtUp');
  }

  async unsubscribe(timeoutMs = 5_000): Promise<void> {
    await this.subscription.unsubscribe();
    await waitFor(() => this.ended || this.closed, timeoutMs, 'the subscription to end after unsubscribe');
  }
}

/** Sorting helper for positions. */
export function comparePositions(a: { commit: bigint; prepare: bigint }, b: { commit: bigint; prepare: bigint }): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export interface ServerFeatures {
  /** `event_store_server_version`, e.g. `24.10.5`. */
  version: string;
  /** `/service/method` as listed (ServerFeatures.cs lower-cases both) -> feature tags. */
  methods: Map<string, string[]>;
}

/** ServerFeatures.GetSupportedMethods of the target, through the client's generated stub. */
export async function serverFeatures(target: Target): Promise<ServerFeatures> {
  const features = new serverFeaturesGrpc.ServerFeaturesClient(`${target.host}:${target.port}`, target.grpcCredentials());
  try {
    return await new Promise((resolve, reject) => {
      features.getSupportedMethods(new sharedPb.Empty(), (err, res) => {
        if (err) return reject(err);
        resolve({
          version: res.getEventStoreServerVersion(),
          methods: new Map(res.getMethodsList().map((m) => [`/${m.getServiceName()}/${m.getMethodName()}`, m.getFeaturesList()])),
        });
      });
    });
  } finally {
    features.close();
  }
}

/** Whether version `a.b.c` is at least `major.minor.patch`. */
export function atLeast(version: string, major: number, minor: number, patch = 0): boolean {
  const [a = 0, b = 0, c = 0] = version.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/**
 * The append limits a server of `version` has by default (ClusterVNodeOptions.cs): EventStoreDB
 * up to 25.0 takes 1 MiB per append and has no per-event limit; KurrentDB 25.1 and later take
 * 256 MiB per append (TFConsts.ChunkSize) and 16 MiB per event (TFConsts.MaxLogRecordSize).
 */
export function appendLimitsOf(version: string): { maxAppendSize: number; maxAppendEventSize: number | undefined } {
  const MIB = 1024 * 1024;
  return atLeast(version, 25, 1)
    ? { maxAppendSize: 256 * MIB, maxAppendEventSize: 16 * MIB }
    : { maxAppendSize: MIB, maxAppendEventSize: undefined };
}
