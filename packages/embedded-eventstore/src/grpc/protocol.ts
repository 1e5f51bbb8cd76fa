import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import jspb from 'google-protobuf';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import {
  AccessDenied, DeadlineExceeded, InvalidRequest, MaximumAppendEventSizeExceeded, NotAuthenticated, MaximumAppendSizeExceeded, StoreUnavailable, StreamDeleted, StreamNotFound,
  UserConflict, UserNotFound, WrongExpectedVersion, type Expected,
} from '../errors.js';
import { isValidUuid } from '../log/record.js';

/** Generated message classes of the client package (CommonJS, loaded once here). */
export const shared = sharedPb;
export const rpcStatus = statusPb;

export function streamNameOf(id: sharedPb.StreamIdentifier | undefined): string {
  if (!id) throw new InvalidRequest('stream identifier is required');
  const name = Buffer.from(id.getStreamName_asU8()).toString('utf8');
  if (name.length === 0) throw new InvalidRequest('stream name must not be empty');
  return name;
}

export function streamIdentifier(name: string): sharedPb.StreamIdentifier {
  return new shared.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}

/** An event id as the canonical UUID string; the all-zero id is refused, as `Event`'s constructor does. */
export function uuidOf(id: sharedPb.UUID | undefined): string {
  if (!id) throw new InvalidRequest('event id is required');
  let hex: string;
  if (id.hasString()) {
    const s = id.getString();
    if (!isValidUuid(s)) throw new InvalidRequest(`invalid event id ${JSON.stringify(s)}`);
    hex = s.replace(/-/g, '').toLowerCase();
  } else {
    const structured = id.getStructured();
    if (!structured) throw new InvalidRequest('event id is required');
    const half = (v: string): string => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
    hex = half(structured.getMostSignificantBits()) + half(structured.getLeastSignificantBits());
  }
  if (/^0+$/.test(hex)) throw new InvalidRequest('Empty eventId provided.');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function parseRevision(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidRequest(`revision ${value} is out of range`);
  return n;
}

/** The numbers EventStoreDB puts in `expected-version` trailers for the symbolic expectations. */
function expectedNumber(e: Expected): string {
  switch (e.kind) {
    case 'any': return '-2';
    case 'no_stream': return '-1';
    case 'stream_exists': return '-4';
    case 'revision': return String(e.revision);
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

function trailers(entries: Record<string, string>): Metadata {
  const m = new Metadata();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
}

/** A gRPC error carrying the `exception` trailers the client turns into its typed errors. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof StreamDeleted) {
    return { code: status.FAILED_PRECONDITION, details: err.message, metadata: trailers({ exception: 'stream-deleted', 'stream-name': err.streamName }) };
  }
  if (err instanceof StreamNotFound) {
    return { code: status.NOT_FOUND, details: err.message, metadata: trailers({ exception: 'stream-not-found', 'stream-name': err.streamName }) };
  }
  if (err instanceof WrongExpectedVersion) {
    return {
      code: status.FAILED_PRECONDITION,
      details: err.message,
      metadata: trailers({
        exception: 'wrong-expected-version',
        'stream-name': err.streamName,
        'expected-version': expectedNumber(err.expected),
        'actual-version': err.current === 'no_stream' ? '' : String(err.current),
      }),
    };
  }
  if (err instanceof MaximumAppendSizeExceeded) {
    return { code: status.INVALID_ARGUMENT, details: err.message, metadata: trailers({ exception: 'maximum-append-size-exceeded', 'maximum-append-size': String(err.maxAppendSize) }) };
  }
  if (err instanceof MaximumAppendEventSizeExceeded) {
    return {
      code: status.INVALID_ARGUMENT,
      details: err.message,
      metadata: trailers({
        exception: 'maximum-append-event-size-exceeded', 'maximum-append-event-size': String(err.maxAppendEventSize),
        'event-id': err.eventId, 'proposed-append-event-size': String(err.proposedSize),
      }),
    };
  }
  // RpcExceptions.LoginNotFound / LoginConflict: the client's LoginNotFoundError / LoginConflictError.
  if (err instanceof UserNotFound) return { code: status.NOT_FOUND, details: err.message, metadata: trailers({ exception: 'user-not-found', 'login-name': err.loginName }) };
  if (err instanceof UserConflict) return { code: status.FAILED_PRECONDITION, details: err.message, metadata: trailers({ exception: 'user-conflict', 'login-name': err.loginName }) };
  // The call's own deadline: grpc's DEADLINE_EXCEEDED, which the client turns into DeadlineExceededError.
  if (err instanceof DeadlineExceeded) return { code: status.DEADLINE_EXCEEDED, details: err.message };
  // RpcExceptions.AccessDenied and AuthenticationMiddleware.cs of KurrentDB.
  if (err instanceof AccessDenied) return { code: status.PERMISSION_DENIED, details: err.message, metadata: trailers({ exception: 'access-denied' }) };
  if (err instanceof NotAuthenticated) return { code: status.UNAUTHENTICATED, details: err.message };
  if (err instanceof InvalidRequest) return { code: status.INVALID_ARGUMENT, details: err.message };
  if (err instanceof StoreUnavailable) return { code: status.UNAVAILABLE, details: err.message };
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

function packed(typeName: string, message: { serializeBinary(): Uint8Array }): anyPb.Any {
  const any = new anyPb.Any();
  any.pack(message.serializeBinary(), typeName);
  return any;
}

// google.rpc.Code and grpc status numbers are the same values under different enum types.
const rpcCode = (code: status): Parameters<statusPb.Status['setCode']>[0] => code as unknown as Parameters<statusPb.Status['setCode']>[0];

/** A `google.rpc.Status` whose details the BatchAppend client unpacks by type name. */
export function toRpcStatus(err: unknown, streamName: string): statusPb.Status {
  const s = new rpcStatus.Status().setMessage(err instanceof Error ? err.message : String(err));
  if (err instanceof WrongExpectedVersion) {
    const d = new shared.WrongExpectedVersion();
    if (err.current === 'no_stream') d.setCurrentNoStream(new shared.Empty()); else d.setCurrentStreamRevision(String(err.current));
    switch (err.expected.kind) {
      case 'any': d.setExpectedAny(new shared.Empty()); break;
      case 'no_stream': d.setExpectedNoStream(new shared.Empty()); break;
      case 'stream_exists': d.setExpectedStreamExists(new shared.Empty()); break;
      case 'revision': d.setExpectedStreamPosition(String(err.expected.revision)); break;
    }
    return s.setCode(rpcCode(status.FAILED_PRECONDITION)).setDetails(packed('event_store.client.WrongExpectedVersion', d));
  }
  if (err instanceof StreamDeleted) {
    const d = new shared.StreamDeleted().setStreamIdentifier(streamIdentifier(streamName));
    return s.setCode(rpcCode(status.FAILED_PRECONDITION)).setDetails(packed('event_store.client.StreamDeleted', d));
  }
  if (err instanceof MaximumAppendSizeExceeded) {
    const d = new shared.MaximumAppendSizeExceeded().setMaxappendsize(err.maxAppendSize);
    return s.setCode(rpcCode(status.INVALID_ARGUMENT)).setDetails(packed('event_store.client.MaximumAppendSizeExceeded', d));
  }
  if (err instanceof MaximumAppendEventSizeExceeded) {
    // Status.MaximumAppendEventSizeExceeded; client 6.2.1 has no class for it (an UnknownError there).
    const w = new jspb.BinaryWriter();
    w.writeString(1, err.eventId);
    w.writeUint32(2, err.proposedSize);
    w.writeUint32(3, err.maxAppendEventSize);
    const any = new anyPb.Any();
    any.pack(w.getResultBuffer(), 'event_store.client.MaximumAppendEventSizeExceeded');
    return s.setMessage('MaximumAppendEventSizeExceeded').setCode(rpcCode(status.INVALID_ARGUMENT)).setDetails(any);
  }
  if (err instanceof DeadlineExceeded) {
    // Status.Timeout: the client's DeadlineExceededError.
    return s.setMessage('Timeout').setCode(rpcCode(status.DEADLINE_EXCEEDED)).setDetails(packed('event_store.client.Timeout', new shared.Timeout()));
  }
  if (err instanceof InvalidRequest) {
    // Status.BadRequest (an exception while reading the request, e.g. an all-zero event id).
    const w = new jspb.BinaryWriter();
    w.writeString(1, err.message);
    const any = new anyPb.Any();
    any.pack(w.getResultBuffer(), 'event_store.client.BadRequest');
    return s.setMessage('BadRequest').setCode(rpcCode(status.INVALID_ARGUMENT)).setDetails(any);
  }
  if (err instanceof AccessDenied) {
    // Status.AccessDenied of KurrentDB's Status.cs.
    return s.setMessage('AccessDenied').setCode(rpcCode(status.PERMISSION_DENIED)).setDetails(packed('event_store.client.AccessDenied', new shared.AccessDenied()));
  }
  const code = err instanceof StoreUnavailable ? status.UNAVAILABLE : status.INVALID_ARGUMENT;
  return s.setCode(rpcCode(code)).setDetails(packed('event_store.client.Unknown', new shared.Unknown()));
}
