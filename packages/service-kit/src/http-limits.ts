/**
 * Limits of every service's HTTP server: how long a client may take to send its headers and its
 * request, how long an idle keep-alive connection stays open, how many requests one connection
 * and how many connections the server serves, and how many requests an address or a principal
 * may send in a window. Read from environment variables (see `httpEnv`); 0 turns a limit off.
 */
import { z } from 'zod';

export interface HttpLimits {
  /** The request line and headers must arrive within this (slow-header clients are disconnected). */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection is closed after this many requests (0: no limit). */
  maxRequestsPerSocket: number;
  /** Connections beyond this are refused at once (0: no limit). */
  maxConnections: number;
  /** Window of the rate limits. */
  rateLimitWindowMs: number;
  /** Requests one client address may send per window (0: no limit). */
  rateLimitPerAddress: number;
  /** Requests one authenticated principal (token `sub`) may send per window (0: no limit). */
  rateLimitPerPrincipal: number;
  /** Each plugin of the app must have started within this (Fastify's pluginTimeout), else the service fails to start. */
  startupTimeoutMs: number;
}

/**
 * Defaults for a service on its own (no proxy in front): generous per address, so that one
 * busy client (a case-management system, a benchmark) is not throttled, tighter per person.
 */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1_000,
  maxConnections: 1_024,
  rateLimitWindowMs: 60_000,
  rateLimitPerAddress: 60_000,
  rateLimitPerPrincipal: 6_000,
  // Fastify's own default: a hung plugin fails the start-up; a process under valgrind needs more.
  startupTimeoutMs: 10_000,
});

const count = (fallback: number) => z.coerce.number().int().min(0).max(100_000_000).default(fallback);
const ms = (fallback: number, min = 100) => z.coerce.number().int().min(min).max(3_600_000).default(fallback);

/** The variables of the HTTP limits (part of every service's `commonEnv`). */
export const httpEnv = {
  HTTP_HEADERS_TIMEOUT_MS: ms(DEFAULT_HTTP_LIMITS.headersTimeoutMs),
  HTTP_REQUEST_TIMEOUT_MS: ms(DEFAULT_HTTP_LIMITS.requestTimeoutMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: ms(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
  HTTP_MAX_REQUESTS_PER_SOCKET: count(DEFAULT_HTTP_LIMITS.maxRequestsPerSocket),
  HTTP_MAX_CONNECTIONS: count(DEFAULT_HTTP_LIMITS.maxConnections),
  RATE_LIMIT_WINDOW_MS: ms(DEFAULT_HTTP_LIMITS.rateLimitWindowMs, 1_000),
  RATE_LIMIT_PER_ADDRESS: count(DEFAULT_HTTP_LIMITS.rateLimitPerAddress),
  RATE_LIMIT_PER_PRINCIPAL: count(DEFAULT_HTTP_LIMITS.rateLimitPerPrincipal),
  HTTP_STARTUP_TIMEOUT_MS: ms(DEFAULT_HTTP_LIMITS.startupTimeoutMs),
};

type HttpEnv = z.infer<z.ZodObject<typeof httpEnv>>;

/** The limits named by a parsed configuration. */
export function httpLimitsOf(config: HttpEnv): HttpLimits {
  return {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxRequestsPerSocket: config.HTTP_MAX_REQUESTS_PER_SOCKET,
    maxConnections: config.HTTP_MAX_CONNECTIONS,
    rateLimitWindowMs: config.RATE_LIMIT_WINDOW_MS,
    rateLimitPerAddress: config.RATE_LIMIT_PER_ADDRESS,
    rateLimitPerPrincipal: config.RATE_LIMIT_PER_PRINCIPAL,
    startupTimeoutMs: config.HTTP_STARTUP_TIMEOUT_MS,
  };
}

/** Node refuses a headers timeout longer than the request timeout: say so by the variables' names. */
export function httpLimitsProblem(config: HttpEnv): string | undefined {
  return config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS
    ? 'HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS'
    : undefined;
}
