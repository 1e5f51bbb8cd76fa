/**
 * What every command endpoint does around its command: If-Match and Idempotency-Key. The JSON
 * routes and the document upload both run their commands through here, so there is one
 * implementation of both headers.
 */
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { canonicalJson, type IdempotencyStore, type JsonValue } from '@cfund/eventstore';
import { HttpProblem } from '@cfund/service-kit';
import type { CommandContext } from '../command-service.js';
import type { Metrics } from '../metrics.js';

/** The headers every command endpoint takes (described in the OpenAPI document). */
export const CommandHeaders = z.object({
  'if-match': z.string().optional().describe('"<revision>": act only if the claim is still at this revision (else 412)'),
  'idempotency-key': z.string().optional().describe('Any unique string (e.g. a UUID) that makes a retry of this request safe'),
});

export interface CommandExecutionOptions {
  idempotency: IdempotencyStore;
  metrics: Metrics;
  /** Key of the HMAC that fingerprints requests for Idempotency-Key (bodies may hold personal data). */
  fingerprintKey: Buffer;
  /** During a rotation of the master key: the previous keys, whose fingerprints a retry still matches. */
  previousFingerprintKeys?: readonly Buffer[];
}

export function parseIfMatch(value: string | undefined): bigint | undefined {
  if (value === undefined || value.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,18})"?\s*$/.exec(value);
  if (!m) {
    throw new HttpProblem(400, 'Bad Request', 'If-Match must be a revision in quotes, e.g. "3".', {
      code: 'invalid-if-match', errors: [{ path: 'headers.if-match', message: 'expected "<revision>"' }],
    });
  }
  return BigInt(m[1]!);
}

export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new HttpProblem(400, 'Bad Request', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', {
      code: 'invalid-idempotency-key', errors: [{ path: 'headers.idempotency-key', message: 'expected 1-255 visible ASCII characters' }],
    });
  }
  return value;
}

export class CommandExecution {
  constructor(private readonly options: CommandExecutionOptions) {}

  /** The command's context: the caller, If-Match, and the Idempotency-Key scoped by the caller (400 when a header is malformed). */
  context(request: FastifyRequest): CommandContext {
    if (!request.principal) throw new HttpProblem(401, 'Unauthorized', 'Not authenticated.');
    const principal = request.principal;
    const headers = request.headers as Record<string, string | undefined>;
    const expectedRevision = parseIfMatch(headers['if-match']);
    const key = parseIdempotencyKey(headers['idempotency-key']);
    return {
      principal,
      correlationId: request.id,
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
      ...(key === undefined ? {} : { idempotencyKey: `${principal.sub}\n${key}` }),
    };
  }

  /** Whether the context's Idempotency-Key already has its answer (then only a replay or a 422 can follow). */
  async answered(ctx: CommandContext): Promise<boolean> {
    return ctx.idempotencyKey !== undefined && this.options.idempotency.answered(ctx.idempotencyKey);
  }

  /**
   * Runs the command under the context's Idempotency-Key, if any: `request` (method, path and
   * `fingerprinted`, what identifies the request: the JSON body, or an upload's fields and
   * content hash) is fingerprinted; a repeat gets the first answer (`Idempotency-Replayed: true`).
   */
  async run<R extends object>(
    request: FastifyRequest, reply: FastifyReply, ctx: CommandContext, fingerprinted: unknown, run: (ctx: CommandContext) => Promise<R>,
  ): Promise<R> {
    if (ctx.idempotencyKey === undefined) return run(ctx);
    const identity = canonicalJson({ method: request.method, url: request.url.split('?')[0], body: fingerprinted ?? null });
    const fingerprintOf = (key: Buffer) => createHmac('sha256', key).update(identity).digest('hex');
    const fingerprint: [string, ...string[]] = [fingerprintOf(this.options.fingerprintKey), ...(this.options.previousFingerprintKeys ?? []).map(fingerprintOf)];
    // The key is reserved only when the command is about to write: a refusal writes nothing.
    // Answers are JSON objects (ids, revisions, event types, hashes): stored as they are.
    const executed = await this.options.idempotency.execute(ctx.idempotencyKey, fingerprint, async (reserve, stored, check) => ({ ...(await run({ ...ctx, beforeWrite: reserve, foundStored: stored, checkKey: check })) }) as JsonValue);
    if (executed.replayed) {
      this.options.metrics.idempotentReplays.inc();
      reply.header('idempotency-replayed', 'true');
    }
    return executed.response as R;
  }
}
