/**
 * The security headers every answer carries, computed once at start-up with `helmet`: no MIME
 * sniffing, no framing, no referrer, and a CSP that the Swagger UI at /docs works under (it
 * loads only its own scripts). They are the same for every request, so building helmet's
 * middleware per request (as @fastify/helmet does) only costs CPU.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

const OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'base-uri': ["'self'"],
      'connect-src': ["'self'"],
      'font-src': ["'self'", 'data:'],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      // Swagger UI sets style attributes from its scripts.
      'style-src': ["'self'", "'unsafe-inline'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  // The embedded default serves plain HTTP on 127.0.0.1; TLS is terminated in front in production.
  strictTransportSecurity: false,
};

/** Runs helmet's middleware once against a response that only records the headers it sets. */
function recordHelmetHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) { headers[name.toLowerCase()] = String(value); },
    removeHeader(name: string) { delete headers[name.toLowerCase()]; },
  };
  let failed: unknown;
  helmet(OPTIONS)({ headers: {} } as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => { failed = error; });
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  return Object.freeze(headers);
}

export const SECURITY_HEADERS = recordHelmetHeaders();
