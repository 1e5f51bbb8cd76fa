/**
 * Whether an error means the event store cannot be reached right now (down, restarting, no
 * leader, too slow), which a client should retry later, as opposed to a fault of the request
 * or of this service. The client throws its own classes from reads, but a plain Error with the
 * gRPC status code from some appends, and wrappers may keep it as `cause`.
 */
import { CancelledError, DeadlineExceededError, NotLeaderError, TimeoutError, UnavailableError } from '@eventstore/db-client';

/** gRPC status codes: CANCELLED (the channel closed under the call), DEADLINE_EXCEEDED, UNAVAILABLE. */
const RETRYABLE_GRPC_CODES = new Set([1, 4, 14]);

export function isEventStoreUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if (error instanceof UnavailableError || error instanceof DeadlineExceededError || error instanceof NotLeaderError
    || error instanceof TimeoutError || error instanceof CancelledError) return true;
  const { code, details } = error as { code?: unknown; details?: unknown };
  // A grpc-js status error has a numeric code and a `details` string; Node system errors have string codes.
  if (typeof code === 'number' && typeof details === 'string' && RETRYABLE_GRPC_CODES.has(code)) return true;
  return isEventStoreUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

/** Seconds a client should wait before retrying a request the event store could not serve. */
export const STORE_RETRY_AFTER_S = 5;
