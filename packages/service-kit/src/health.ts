/** GET /health (the process is up) and GET /ready (the event store answers a cheap read). */
import type { FastifyInstance } from 'fastify';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { StreamNotFoundError } from '@eventstore/db-client';
import { leavableRead } from '@cfund/eventstore';

/**
 * The stream /ready reads: a user stream (never written), so that any service user may read it
 * under the `$userStreamAcl` of a secure cluster; a `$`-stream would be for `$admins` only.
 */
export const READINESS_PROBE_STREAM = 'cfund-readiness-probe';

export async function eventStoreReachable(client: EventStoreDBClient, timeoutMs = 2000): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const read = (async () => {
      try {
        // Left at its first event: leavableRead ends the call, so that dispose() at shutdown settles.
        for await (const _ of leavableRead(client.readStream(READINESS_PROBE_STREAM, { maxCount: 1 }))) break;
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
    })();
    await Promise.race([read, timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthOptions {
  client: EventStoreDBClient;
  isClosing: () => boolean;
  /** Further dependencies /ready checks (e.g. NATS), by name: each answers whether it is usable. */
  checks?: Record<string, () => boolean | Promise<boolean>>;
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get('/health', { schema: { summary: 'The process is up', tags: ['operations'], security: [] } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { summary: 'Ready: the event store (and any other dependency) is reachable', tags: ['operations'], security: [] } }, async (_request, reply) => {
    if (options.isClosing()) return reply.code(503).send({ status: 'shutting-down' });
    const probe = await eventStoreReachable(options.client);
    const body: Record<string, string> = { eventStore: probe.ok ? 'reachable' : 'unreachable' };
    let ok = probe.ok;
    for (const [name, check] of Object.entries(options.checks ?? {})) {
      const up = await Promise.resolve().then(check).catch(() => false);
      body[name] = up ? 'reachable' : 'unreachable';
      ok &&= up;
    }
    if (!ok) return reply.code(503).send({ status: 'unavailable', ...body });
    return { status: 'ready', ...body };
  });
}
