/** Failures the store reports, each mapped by the gRPC layer to what the client expects. */
export type Expected =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: number };

export class StreamNotFound extends Error {
  constructor(readonly streamName: string) { super(`stream ${streamName} not found`); }
}

export class StreamDeleted extends Error {
  constructor(readonly streamName: string) { super(`stream ${streamName} is deleted`); }
}

export class WrongExpectedVersion extends Error {
  constructor(readonly streamName: string, readonly expected: Expected, readonly current: number | 'no_stream') {
    super(`wrong expected version for ${streamName}: expected ${describe(expected)}, current ${current}`);
  }
}

export class MaximumAppendSizeExceeded extends Error {
  constructor(readonly maxAppendSize: number) { super(`append exceeds the maximum append size of ${maxAppendSize} bytes`); }
}

/** One event larger than the per-event limit (KurrentDB 25.1+ has one; EventStoreDB 24.10 does not). */
export class MaximumAppendEventSizeExceeded extends Error {
  constructor(readonly eventId: string, readonly proposedSize: number, readonly maxAppendEventSize: number) {
    super(`Event with Id: ${eventId}, Size: ${proposedSize}, exceeds Maximum Append Event Size of ${maxAppendEventSize}.`);
  }
}

export class InvalidRequest extends Error {}

/** The call's deadline passed before its append was committed: nothing was written. */
export class DeadlineExceeded extends Error {
  constructor() { super('the deadline passed before the append was written'); }
}

/** The log could not be written: the outcome of in-flight appends is unknown, so stop serving writes. */
export class StoreUnavailable extends Error {}

function describe(e: Expected): string {
  return e.kind === 'revision' ? String(e.revision) : e.kind;
}

/** The caller may not do this to the stream (or is anonymous): PermissionDenied, `access-denied`. */
export class AccessDenied extends Error {
  constructor() { super('Access Denied'); }
}

/** Credentials were given but are wrong or unreadable: the call is Unauthenticated. */
export class NotAuthenticated extends Error {
  constructor() { super('Unauthenticated'); }
}

/** UserManagementMessage.Error.NotFound (RpcExceptions.LoginNotFound): no such user, or deleted. */
export class UserNotFound extends Error {
  constructor(readonly loginName: string) { super(`User '${loginName}' is not found.`); }
}

/** UserManagementMessage.Error.Conflict (RpcExceptions.LoginConflict): e.g. created again with another password. */
export class UserConflict extends Error {
  constructor(readonly loginName: string) { super('Conflict.'); }
}
