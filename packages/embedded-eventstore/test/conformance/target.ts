/**
 * Conformance-suite target: the server every conformance test talks to, through the real
 * `@eventstore/db-client`.
 *
 * - `ESDB_CONNECTION_STRING` set (e.g. `esdb://127.0.0.1:2113?tls=false`): the tests run against
 *   that server (a real EventStoreDB/KurrentDB, insecure) and no embedded store is started.
 * - `TEST_CONTAINERS=1`: a real EventStoreDB/KurrentDB in a container (through @cfund/test-support);
 *   where no container runtime exists, the reason is printed and the embedded store is used.
 * - otherwise: an embedded store is started in a fresh temporary directory on a free port and
 *   removed again by `close()`.
 *
 * The tests never assume an empty database: stream names carry a random suffix, and `$all` is
 * read from positions the test wrote itself (or filtered to the test's own streams).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** Single-node connection string, `esdb://host:port?tls=false`. */
  readonly connectionString: string;
  readonly host: string;
  readonly port: number;
  /** A client shared by the tests of one file. */
  readonly client: EventStoreDBClient;
  /** A new client for `connectionString` (or another one); disposed by `close()`. */
  newClient(connectionString?: string): EventStoreDBClient;
  close(): Promise<void>;
}

/** Credentials of the default admin user of a real server (accepted by an insecure node). */
export const ADMIN: Credentials = { username: 'admin', password: 'changeit' };

export const EXTERNAL_CONNECTION_STRING = process.env['ESDB_CONNECTION_STRING'] ?? '';
export const isExternal = EXTERNAL_CONNECTION_STRING !== '';

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

  /** A target on a server this suite did not start itself; `stop` runs after the clients close. */
  const externalTarget = (connectionString: string, stop: () => Promise<void> = async () => undefined): Target => {
    const { host, port } = parseHostPort(connectionString);
    return {
      external: true,
      connectionString,
      host,
      port,
      client: newClientFor(connectionString),
      newClient: (cs = connectionString) => newClientFor(cs),
      close: async () => { await disposeClients(); await stop(); },
    };
  };

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
    // The suite is the one that runs against an insecure real node (`--insecure`); the secure
    // node's authentication, access control and TLS have their own tests (test/security.test.ts).
    insecure: true,
    ...(options.statsIntervalMs !== undefined ? { statsIntervalMs: options.statsIntervalMs } : {}),
    ...(options.maxAppendSize !== undefined ? { maxAppendSize: options.maxAppendSize } : {}),
    ...(options.serverVersion !== undefined ? { serverVersion: options.serverVersion } : {}),
  });
  const connectionString = store.connectionString;
  const { host, port } = parseHostPort(connectionString);
  return {
    external: false,
    connectionString,
    host,
    port,
    client: newClientFor(connectionString),
    newClient: (cs = connectionString) => newClientFor(cs),
    close: async () => {
      await disposeClients();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
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
  const features = new serverFeaturesGrpc.ServerFeaturesClient(`${target.host}:${target.port}`, grpc.credentials.createInsecure());
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
