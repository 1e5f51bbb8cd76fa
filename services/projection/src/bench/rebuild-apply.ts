/**
 * What a rebuild's worker does per event, in CPU time, on one thread: `$all` is read once into
 * memory (the server's `ReadResp` messages, as the worker receives them), then decoded and
 * applied into a new read model file `rounds` times, as `rebuild-worker.ts` does it. CPU time
 * rather than elapsed time, so that a shared machine's load moves the figures little; builds are
 * measured in turns in the same process, so their ratio is the figure to read.
 *
 * Also the client's decode (`readAll` of @eventstore/db-client doing nothing else, the ceiling of
 * `pnpm bench:projection`) in CPU time per event: a rebuild keeps up with it when its worker
 * spends no more per event than the client's decode does (the reading thread receives meanwhile).
 *
 * Usage: ESDB_CONNECTION_STRING=... node dist/bench/rebuild-apply.js [rounds] [other dist ...]
 * (another build of this service's dist, e.g. main's copied aside, measured in turns with this
 * one; its read model must have the same digest). Run it with --cpu-prof for the profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventStoreDBClient, START } from '@eventstore/db-client';
import { claimIdOfStream, isClaimEventType, parseEvent, type ClaimEvent } from '@cfund/contracts';
import { decodeReadResponse, readAllResponses } from '@cfund/eventstore';
import type { StoredEvent } from '@cfund/messaging';
import { envelopeOfWire, eventTime } from '../envelope.js';
import { applyClaimEvent, claimRecord, initialEntry, type ClaimEntry } from '../read-model/claim-record.js';

interface Build {
  name: string;
  Projector: typeof import('../read-model/projector.js').Projector;
  ReadModelStore: typeof import('../read-model/store.js').ReadModelStore;
  envelopeOfWire: typeof import('../envelope.js').envelopeOfWire;
}

async function load(dist: string): Promise<Build> {
  const at = (file: string) => import(path.join(path.resolve(dist), file));
  const [projector, store, envelope] = await Promise.all([at('read-model/projector.js'), at('read-model/store.js'), at('envelope.js')]);
  return { name: path.relative(process.cwd(), dist) || '.', Projector: projector.Projector, ReadModelStore: store.ReadModelStore, envelopeOfWire: envelope.envelopeOfWire };
}

const cpuMs = (from: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};

/** One rebuild's applying half, as the worker does it (see rebuild-worker.ts); returns the CPU ms, the events and the digest. */
function applyAll(build: Build, responses: Buffer[], file: string): { ms: number; wallMs: number; events: number; digest: string } {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const store = new build.ReadModelStore(file, { build: true });
  const projector = new build.Projector(store);
  store.db.exec('BEGIN');
  projector.beginBatch();
  let events = 0;
  for (const bytes of responses) {
    const response = decodeReadResponse(bytes, 0, bytes.length);
    const e = response.kind === 'event' ? build.envelopeOfWire(response.event) : undefined;
    if (!e) continue;
    events += 1;
    projector.apply(e);
  }
  projector.endBatch();
  store.completeBuild();
  const ms = cpuMs(cpu);
  const wallMs = performance.now() - t0;
  const done = new build.ReadModelStore(file);
  const digest = done.digest();
  done.close();
  rmSync(file, { force: true });
  return { ms, wallMs, events, digest };
}

/**
 * The worker's work in stages, CPU µs per event, each stage including the ones before it:
 * decoding, validating (`parseEvent`), folding each claim's entry, and each claim's rows computed
 * once at the end (claimRecord and the fold's JSON): what is left to the full figure is SQLite's.
 */
function stages(responses: Buffer[]): [string, number][] {
  const decoded: StoredEvent[] = [];
  const time = (fn: () => void): number => {
    const cpu = process.cpuUsage();
    fn();
    return cpuMs(cpu);
  };
  const decode = time(() => {
    for (const bytes of responses) {
      const r = decodeReadResponse(bytes, 0, bytes.length);
      const e = r.kind === 'event' ? envelopeOfWire(r.event) : undefined;
      if (e) decoded.push(e);
    }
  });
  const validate = time(() => {
    for (const e of decoded) if (isClaimEventType(e.type)) parseEvent(e.type, e.data);
  });
  const entries = new Map<string, ClaimEntry>();
  const fold = time(() => {
    for (const e of decoded) {
      const claimId = claimIdOfStream(e.streamId);
      if (claimId === undefined || !isClaimEventType(e.type)) continue;
      entries.set(claimId, applyClaimEvent(entries.get(claimId) ?? initialEntry(claimId), parseEvent(e.type, e.data) as ClaimEvent, e.revision, eventTime(e)));
    }
  });
  const rows = time(() => {
    for (const entry of entries.values()) {
      claimRecord(entry);
      JSON.stringify(entry.state);
    }
  });
  const us = (ms: number) => (ms * 1000) / decoded.length;
  return [['decode', us(decode)], ['validate (parseEvent)', us(validate)], ['fold (validate again, evolve, facts)', us(fold - validate)],
    ['claim rows computed (claimRecord, fold JSON)', us(rows)]];
}

async function main(): Promise<void> {
  const connection = process.env.ESDB_CONNECTION_STRING;
  if (!connection) throw new Error('ESDB_CONNECTION_STRING is required');
  const rounds = Number(process.argv[2] ?? '3');
  const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const builds = [await load(here), ...await Promise.all(process.argv.slice(3).map(load))];
  const client = EventStoreDBClient.connectionString(connection);

  const responses: Buffer[] = [];
  for await (const r of readAllResponses(client)) responses.push(r);
  let clientMs = Number.POSITIVE_INFINITY;
  let clientEvents = 0;
  for (let round = 0; round < 2; round += 1) {
    const cpu = process.cpuUsage();
    clientEvents = 0;
    for await (const r of client.readAll({ fromPosition: START, maxCount: Number.MAX_SAFE_INTEGER })) if (r.event) clientEvents += 1;
    clientMs = Math.min(clientMs, cpuMs(cpu));
  }
  await client.dispose();
  const clientUs = (clientMs * 1000) / clientEvents;
  process.stdout.write(`client decode: ${clientUs.toFixed(1)} µs CPU per event (${clientEvents} events, best of 2)\n`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'rebuild-apply-'));
  const best = new Map<string, number>();
  const digests = new Set<string>();
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const build of builds) {
        const r = applyAll(build, responses, path.join(dir, 'read-model.sqlite'));
        digests.add(r.digest);
        const us = (r.ms * 1000) / r.events;
        best.set(build.name, Math.min(best.get(build.name) ?? Number.POSITIVE_INFINITY, us));
        process.stdout.write(`round ${round + 1} ${build.name}: ${us.toFixed(1)} µs CPU per event (${r.events} events, ${(r.wallMs / 1000).toFixed(1)} s), `
          + `client / this ${(clientUs / us).toFixed(2)}, digest ${r.digest.slice(0, 12)}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [stage, us] of stages(responses)) process.stdout.write(`stage ${stage}: ${us.toFixed(1)} µs CPU per event\n`);
  for (const [name, us] of best) process.stdout.write(`best ${name}: ${us.toFixed(1)} µs per event, client / this ${(clientUs / us).toFixed(2)}\n`);
  if (digests.size !== 1) throw new Error(`the builds' read models differ: ${[...digests].join(', ')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild-apply failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
