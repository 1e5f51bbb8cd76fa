/**
 * Security headers computed once at start-up with `helmet`: they are the same for every request,
 * so building helmet's middleware per request (as @fastify/helmet does) only costs CPU. The
 * services' own set (`SECURITY_HEADERS`): no MIME sniffing, no framing, no referrer, and a CSP
 * that the Swagger UI at /docs works under (it loads only its own scripts); the console computes
 * its stricter set with `securityHeaders`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/** Only the origin's own files: no inline script or style, no other origin, no framing, no plugins (the console's web app). */
export const OWN_FILES_ONLY_CSP: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
};

const OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      ...OWN_FILES_ONLY_CSP,
      'base-uri': ["'self'"],
      'font-src': ["'self'", 'data:'],
      // Swagger UI sets style attributes from its scripts.
      'style-src': ["'self'", "'unsafe-inline'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  // The embedded default serves plain HTTP on 127.0.0.1; TLS is terminated in front in production.
  strictTransportSecurity: false,
};

/** The headers helmet sets with `options`: its middleware run once against a response that only records them. */
export function securityHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) { headers[name.toLowerCase()] = String(value); },
    removeHeader(name: string) { delete headers[name.toLowerCase()]; },
  };
  let failed: unknown;
  helmet(options)({ headers: {} } as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => { failed = error; });
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  return Object.freeze(headers);
}

export const SECURITY_HEADERS = securityHeaders(OPTIONS);
