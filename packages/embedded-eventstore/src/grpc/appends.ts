import type {
  sendUnaryData, ServerDuplexStream, ServerReadableStream, ServerUnaryCall,
} from '@grpc/grpc-js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import jspb from 'google-protobuf';
import {
  DeadlineExceeded, InvalidRequest, MaximumAppendEventSizeExceeded, MaximumAppendSizeExceeded, WrongExpectedVersion,
  type Expected,
} from '../errors.js';
import type { NewEvent } from '../log/record.js';
import type { Guard } from '../security/guard.js';
import { eventSize, type AppendSuccess, type EventStore } from '../store.js';
import {
  parseRevision, shared, streamIdentifier, streamNameOf, toRpcStatus, toServiceError, uuidOf,
} from './protocol.js';

type Proposed = streamsPb.AppendReq.ProposedMessage | streamsPb.BatchAppendReq.ProposedMessage;

function toNewEvent(m: Proposed): NewEvent {
  const meta = m.getMetadataMap();
  const type = meta.get('type');
  if (!type) throw new InvalidRequest('event type is required');
  const contentType = meta.get('content-type') ?? 'application/octet-stream';
  return {
    id: uuidOf(m.getId()),
    type,
    isJson: contentType === 'application/json',
    data: m.getData_asU8(),
    metadata: m.getCustomMetadata_asU8(),
  };
}

interface ExpectationOptions {
  hasRevision?(): boolean;
  getRevision?(): string;
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
}

function expectedOf(o: ExpectationOptions): Expected {
  if (o.hasRevision?.()) return { kind: 'revision', revision: parseRevision(o.getRevision!()) };
  if (o.hasNoStream()) return { kind: 'no_stream' };
  if (o.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

/** Adds an event's size (`eventSize`) to a running total, refusing what exceeds either limit. */
function addSize(store: EventStore, total: number, e: NewEvent): number {
  const n = eventSize(e);
  if (n > store.maxAppendEventSize) throw new MaximumAppendEventSizeExceeded(e.id, n, store.maxAppendEventSize);
  if (total + n > store.maxAppendSize) throw new MaximumAppendSizeExceeded(store.maxAppendSize);
  return total + n;
}

/** The call's gRPC deadline in epoch ms, or undefined for none. */
export function callDeadline(call: { getDeadline(): Date | number }): number | undefined {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * BatchAppend requests carry their deadline in the options: client 6.2.1 sends a Timestamp
 * (`deadline_21100`, field 6); clients that see the `deadline_duration` feature send a Duration
 * (field 7), which the generated classes of 6.2.1 do not know, so it is read from the raw bytes
 * (`durationOf`) and handed over here.
 */
export const batchDurations = new WeakMap<streamsPb.BatchAppendReq, number>();

/** Field 7 (`google.protobuf.Duration deadline`) of `BatchAppendReq.options`, in ms, if present. */
export function durationOf(bytes: Uint8Array): number | undefined {
  const outer = new jspb.BinaryReader(bytes);
  while (outer.nextField()) {
    if (outer.isEndGroup()) break;
    if (outer.getFieldNumber() !== 3 || outer.getWireType() !== 2) { outer.skipField(); continue; }
    let found: number | undefined;
    outer.readMessage(undefined, (_: unknown, options: jspb.BinaryReader) => {
      while (options.nextField()) {
        if (options.getFieldNumber() !== 7 || options.getWireType() !== 2) { options.skipField(); continue; }
        let seconds = 0;
        let nanos = 0;
        options.readMessage(undefined, (__: unknown, d: jspb.BinaryReader) => {
          while (d.nextField()) {
            if (d.getFieldNumber() === 1) seconds = d.readInt64();
            else if (d.getFieldNumber() === 2) nanos = d.readInt32();
            else d.skipField();
          }
        });
        found = seconds * 1000 + nanos / 1e6;
      }
    });
    return found;
  }
  return undefined;
}

function position(commit: number): streamsPb.AppendResp.Position {
  return new streamsPb.AppendResp.Position().setCommitPosition(String(commit)).setPreparePosition(String(commit));
}

/** Streams.Append: options, then one message per event; a wrong expected version is a normal reply. */
export function handleAppend(store: EventStore, guard: Guard) {
  return (call: ServerReadableStream<streamsPb.AppendReq, streamsPb.AppendResp>, callback: sendUnaryData<streamsPb.AppendResp>): void => {
    let streamName = '';
    let expected: Expected = { kind: 'any' };
    const events: NewEvent[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      callback(toServiceError(err));
    };
    call.on('data', (req: streamsPb.AppendReq) => {
      if (failed) return;
      try {
        if (req.hasOptions()) {
          const o = req.getOptions()!;
          streamName = streamNameOf(o.getStreamIdentifier());
          guard.check(call.metadata, 'write', streamName);
          expected = expectedOf(o);
        } else if (req.hasProposedMessage()) {
          const e = toNewEvent(req.getProposedMessage()!);
          size = addSize(store, size, e);
          events.push(e);
        }
      } catch (err) {
        fail(err);
      }
    });
    call.on('error', fail);
    call.on('end', () => {
      if (failed) return;
      if (!streamName) return fail(new InvalidRequest('append options are required'));
      store.append(streamName, expected, events, callDeadline(call)).then(
        (r) => callback(null, appendSuccess(r)),
        (err: unknown) => {
          if (err instanceof WrongExpectedVersion) callback(null, wrongExpectedVersion(err));
          else fail(err);
        },
      );
    });
  };
}

function appendSuccess(r: AppendSuccess): streamsPb.AppendResp {
  const s = new streamsPb.AppendResp.Success();
  if (r.revision < 0) s.setNoStream(new shared.Empty()); else s.setCurrentRevision(String(r.revision));
  if (r.position === undefined) s.setNoPosition(new shared.Empty()); else s.setPosition(position(r.position));
  return new streamsPb.AppendResp().setSuccess(s);
}

function wrongExpectedVersion(err: WrongExpectedVersion): streamsPb.AppendResp {
  const w = new streamsPb.AppendResp.WrongExpectedVersion();
  if (err.current === 'no_stream') w.setCurrentNoStream(new shared.Empty()); else w.setCurrentRevision(String(err.current));
  switch (err.expected.kind) {
    case 'any': w.setExpectedAny(new shared.Empty()); break;
    case 'no_stream': w.setExpectedNoStream(new shared.Empty()); break;
    case 'stream_exists': w.setExpectedStreamExists(new shared.Empty()); break;
    case 'revision': w.setExpectedRevision(String(err.expected.revision)); break;
  }
  return new streamsPb.AppendResp().setWrongExpectedVersion(w);
}

interface PendingBatch {
  streamName: string;
  expected: Expected;
  options: streamsPb.BatchAppendReq.Options;
  events: NewEvent[];
  size: number;
  deadline: number | undefined;
  error?: unknown;
}

/**
 * Streams.BatchAppend: one long-lived call per client carrying many appends, each identified by
 * a correlation id and possibly split over several requests until `is_final`.
 */
export function handleBatchAppend(store: EventStore, guard: Guard) {
  return (call: ServerDuplexStream<streamsPb.BatchAppendReq, streamsPb.BatchAppendResp>): void => {
    const pending = new Map<string, PendingBatch>();
    // The call is authenticated once; each append's stream is then checked (Streams.BatchAppend.cs).
    let principal: ReturnType<Guard['principal']>;
    try {
      principal = guard.principal(call.metadata);
    } catch (err) {
      call.emit('error', toServiceError(err));
      return;
    }
    call.on('data', (req: streamsPb.BatchAppendReq) => {
      const correlation = req.getCorrelationId();
      const key = correlation ? JSON.stringify(correlation.toObject()) : '';
      let batch = pending.get(key);
      if (!batch) {
        const options = req.getOptions() ?? new streamsPb.BatchAppendReq.Options();
        batch = { streamName: '', expected: { kind: 'any' }, options, events: [], size: 0, deadline: undefined };
        try {
          batch.streamName = streamNameOf(options.getStreamIdentifier());
          guard.demand(principal, 'write', batch.streamName);
          // A deadline already passed is a Timeout before anything else (Streams.BatchAppend.cs).
          const duration = batchDurations.get(req);
          if (duration !== undefined) batch.deadline = Date.now() + duration;
          else if (options.hasDeadline()) batch.deadline = options.getDeadline()!.toDate().getTime();
          if (batch.deadline !== undefined && batch.deadline <= Date.now()) throw new DeadlineExceeded();
          batch.expected = options.hasStreamPosition()
            ? { kind: 'revision', revision: parseRevision(options.getStreamPosition()) }
            : expectedOf(options);
        } catch (err) {
          batch.error = err;
        }
        pending.set(key, batch);
      }
      if (batch.error === undefined) {
        try {
          for (const m of req.getProposedMessagesList()) {
            const e = toNewEvent(m);
            batch.size = addSize(store, batch.size, e);
            batch.events.push(e);
          }
        } catch (err) {
          batch.error = err;
          batch.events = [];
        }
      }
      if (!req.getIsFinal()) return;
      pending.delete(key);
      const done = batch;
      const reply = (fill: (r: streamsPb.BatchAppendResp) => void): void => {
        const resp = new streamsPb.BatchAppendResp();
        if (correlation) resp.setCorrelationId(correlation);
        resp.setStreamIdentifier(streamIdentifier(done.streamName || '?'));
        echoExpected(resp, done.expected);
        fill(resp);
        if (!call.writableEnded && !call.destroyed) call.write(resp);
      };
      const result = done.error !== undefined
        ? Promise.reject(done.error)
        : store.append(done.streamName, done.expected, done.events, done.deadline);
      result.then(
        (r) => reply((resp) => resp.setSuccess(batchSuccess(r))),
        (err: unknown) => reply((resp) => resp.setError(toRpcStatus(err, done.streamName))),
      );
    });
    call.on('end', () => call.end());
    call.on('error', () => pending.clear());
  };
}

function echoExpected(resp: streamsPb.BatchAppendResp, e: Expected): void {
  switch (e.kind) {
    case 'any': resp.setAny(new shared.Empty()); break;
    case 'no_stream': resp.setNoStream(new shared.Empty()); break;
    case 'stream_exists': resp.setStreamExists(new shared.Empty()); break;
    case 'revision': resp.setStreamPosition(String(e.revision)); break;
  }
}

function batchSuccess(r: AppendSuccess): streamsPb.BatchAppendResp.Success {
  const s = new streamsPb.BatchAppendResp.Success();
  if (r.revision < 0) s.setNoStream(new shared.Empty()); else s.setCurrentRevision(String(r.revision));
  if (r.position === undefined) s.setNoPosition(new shared.Empty());
  else s.setPosition(new shared.AllStreamPosition().setCommitPosition(String(r.position)).setPreparePosition(String(r.position)));
  return s;
}

type DeleteLike = streamsPb.DeleteReq | streamsPb.TombstoneReq;

/** Streams.Delete (soft) and Streams.Tombstone (hard): unary calls answering with a position. */
export function handleDelete(store: EventStore, guard: Guard, hard: boolean) {
  return (call: ServerUnaryCall<DeleteLike, streamsPb.DeleteResp | streamsPb.TombstoneResp>, callback: sendUnaryData<streamsPb.DeleteResp | streamsPb.TombstoneResp>): void => {
    let streamName: string;
    let expected: Expected;
    try {
      const o = call.request.getOptions();
      if (!o) throw new InvalidRequest('delete options are required');
      streamName = streamNameOf(o.getStreamIdentifier());
      guard.check(call.metadata, 'delete', streamName);
      expected = expectedOf(o);
    } catch (err) {
      callback(toServiceError(err));
      return;
    }
    const deadline = callDeadline(call);
    const op = hard ? store.tombstone(streamName, expected, deadline) : store.delete(streamName, expected, deadline);
    op.then(
      (r) => {
        const resp = hard ? new streamsPb.TombstoneResp() : new streamsPb.DeleteResp();
        const p = hard ? new streamsPb.TombstoneResp.Position() : new streamsPb.DeleteResp.Position();
        if (r.position === undefined) resp.setNoPosition(new shared.Empty());
        else resp.setPosition(p.setCommitPosition(String(r.position)).setPreparePosition(String(r.position)));
        callback(null, resp);
      },
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}
