/**
 * Webhooks: GET|POST /webhooks, GET|DELETE /webhooks/{id}, GET /webhooks/{id}/deliveries,
 * POST /webhooks/{id}/deliveries/{notificationId}/retry. A webhook belongs to the user who
 * registered it (only they see or change it); it receives what is addressed to them, or to a role
 * they hold in one of their jurisdictions.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JurisdictionSchema, ProblemSchema, RoleSchema, commandLine } from '@cfund/contracts';
import { HttpProblem } from '@cfund/service-kit';
import type { AuditTrail } from '../audit.js';
import { RetryRefused, type DeliveryWorker } from '../delivery/worker.js';
import { parseRecipientKey, recipientKey, roleRecipient, userRecipient } from '../routing/recipients.js';
import type { Delivery, NotificationStore, Webhook } from '../store/store.js';
import { webhookTargetRefusal, type Lookup } from '../delivery/targets.js';

export interface WebhookRoutesOptions {
  store: NotificationStore;
  audit: AuditTrail;
  worker: DeliveryWorker;
  now: () => Date;
  /** Most webhooks one user may have. */
  maxPerOwner?: number;
  /** Wakes the delivery loop. */
  kick?: () => void;
  /** Webhooks may point at private or local networks (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateTargets?: boolean;
  /** Name resolution for the target check (tests). */
  lookup?: Lookup;
}

const ex = <S extends z.ZodType>(schema: S, example: unknown): S => schema.meta({ examples: [example] }) as S;

const TargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user') }).strict().describe('what is addressed to the caller'),
  z.object({ kind: z.literal('role'), role: RoleSchema, jurisdiction: JurisdictionSchema }).strict()
    .describe('what is addressed to a role the caller holds, in one of their jurisdictions'),
]);
type TargetOut = { kind: 'user'; userId: string } | { kind: 'role'; role: z.infer<typeof RoleSchema>; jurisdiction: z.infer<typeof JurisdictionSchema> };

const UrlSchema = z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }).max(2000)
  // zod runs a refinement after a failed check too: a string that is no URL is z.url()'s issue alone.
  .refine((u) => { if (!URL.canParse(u)) return true; const p = new URL(u); return p.username === '' && p.password === ''; }, 'credentials in the URL are not allowed; the signature authenticates the sender');

const WebhookSchema = z.object({
  id: z.uuid(), url: z.string(), target: z.union([
    z.object({ kind: z.literal('user'), userId: z.string() }), z.object({ kind: z.literal('role'), role: RoleSchema, jurisdiction: JurisdictionSchema }),
  ]),
  description: z.string().nullable(), status: z.enum(['enabled', 'disabled']), consecutiveFailures: z.number().int(),
  createdAt: z.string(), disabledAt: z.string().nullable(),
});
const EXAMPLE_WEBHOOK = {
  id: '3f0c9a34-1d2b-4c5e-8f7a-9b0c1d2e3f40', url: 'https://case-system.example.org/hooks/cfund', target: { kind: 'role', role: 'fund-assessor', jurisdiction: 'RS' },
  description: 'Assessors\' queue', status: 'enabled', consecutiveFailures: 0, createdAt: '2026-03-01T09:00:00.000Z', disabledAt: null,
};
const DeliverySchema = z.object({
  notificationId: z.uuid(), topic: z.string(), status: z.enum(['pending', 'sending', 'delivered', 'failed']), attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(), lastStatus: z.number().int().nullable(), lastError: z.string().nullable(),
  createdAt: z.string(), updatedAt: z.string(),
});
const EXAMPLE_DELIVERY = {
  notificationId: '6b1f0c1e-53c3-8a4e-9d3e-2f9a4b7c1d20', topic: 'application-submitted', status: 'failed', attempts: 10,
  nextAttemptAt: null, lastStatus: 503, lastError: 'HTTP 503', createdAt: '2026-03-01T09:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z',
};

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };

function view(w: Webhook) {
  return {
    id: w.id, url: w.url, target: parseRecipientKey(w.target) as TargetOut, description: w.description,
    status: w.status as 'enabled' | 'disabled', consecutiveFailures: w.consecutiveFailures, createdAt: w.createdAt, disabledAt: w.disabledAt,
  };
}

function deliveryView(d: Delivery) {
  return {
    // `unrecorded` (its NotificationIssued not yet in the event store) is pending to the owner.
    notificationId: d.notificationId, topic: d.topic, status: d.status === 'unrecorded' ? 'pending' as const : d.status, attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' || d.status === 'unrecorded' ? new Date(d.nextAttemptAt).toISOString() : null, lastStatus: d.lastStatus, lastError: d.lastError,
    createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

export async function webhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { store, audit, worker, now } = options;
  const maxPerOwner = options.maxPerOwner ?? 20;
  const IdParams = z.object({ id: z.uuid() });

  const owned = (id: string, sub: string): Webhook => {
    const w = store.webhook(id);
    if (!w || w.owner !== sub || w.status === 'deleted') throw new HttpProblem(404, 'Not Found', 'No such webhook of yours.');
    return w;
  };

  r.get('/webhooks', {
    onRequest: app.authenticate,
    schema: { summary: 'The caller\'s webhooks', tags: ['webhooks'], response: { 200: ex(z.object({ items: z.array(WebhookSchema) }), { items: [EXAMPLE_WEBHOOK] }), ...problems } },
  }, async (request) => ({ items: store.webhooksOf(request.principal!.sub).map(view) }));

  r.post('/webhooks', {
    onRequest: app.authenticate,
    schema: {
      summary: 'Register a webhook', tags: ['webhooks'],
      description: 'Registers an https (or http) URL that receives, as signed JSON POSTs, what is addressed to the caller (`{"kind":"user"}`) '
        + 'or to a role the caller holds in one of their jurisdictions. The answer holds the signing `secret`, shown only once. '
        + 'Each delivery carries `Cfund-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, '
        + '`Cfund-Notification-Id` (the same on every retry), `Cfund-Topic` and `Cfund-Delivery-Attempt`. Any 2xx answer is a delivery.',
      body: ex(z.object({ url: UrlSchema, target: TargetSchema, description: commandLine(200).optional() }).strict(),
        { url: 'https://case-system.example.org/hooks/cfund', target: { kind: 'role', role: 'fund-assessor', jurisdiction: 'RS' }, description: 'Assessors\' queue' }),
      response: {
        201: ex(WebhookSchema.extend({ secret: z.string() }), { ...EXAMPLE_WEBHOOK, secret: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }),
        ...problems,
      },
    },
  }, async (request, reply) => {
    const p = request.principal!;
    const { url, target, description } = request.body;
    let recipient;
    if (target.kind === 'user') {
      recipient = userRecipient(p.sub);
    } else {
      if (!p.roles.includes(target.role)) throw new HttpProblem(403, 'Forbidden', `You do not hold the role ${target.role}.`, { code: 'forbidden-role' });
      if (!p.jurisdictions.includes(target.jurisdiction)) throw new HttpProblem(403, 'Forbidden', `You do not act in ${target.jurisdiction}.`, { code: 'wrong-jurisdiction' });
      recipient = roleRecipient(target.role, target.jurisdiction);
    }
    const refusal = await webhookTargetRefusal(url, { allowPrivate: options.allowPrivateTargets ?? false, ...(options.lookup ? { lookup: options.lookup } : {}) });
    if (refusal) throw new HttpProblem(422, 'Unprocessable Content', `This URL cannot receive webhooks: ${refusal}.`, { code: 'webhook-target-not-allowed' });
    if (store.webhooksOf(p.sub).length >= maxPerOwner) {
      throw new HttpProblem(409, 'Conflict', `You already have ${maxPerOwner} webhooks; delete one first.`, { code: 'too-many-webhooks' });
    }
    const at = now().toISOString();
    const webhook: Webhook = {
      id: randomUUID(), owner: p.sub, target: recipientKey(recipient), url, secret: randomBytes(32).toString('hex'),
      description: description ?? null, status: 'enabled', consecutiveFailures: 0, createdAt: at, disabledAt: null,
    };
    await audit.webhook('WebhookRegistered', {
      webhookId: webhook.id, owner: p.sub, target: recipient.kind === 'user' ? { kind: 'user', userId: p.sub } : { kind: 'role', role: recipient.role, jurisdiction: recipient.jurisdiction },
      url, secretSha256: createHash('sha256').update(webhook.secret).digest('hex'),
      // Sealed, never plaintext: every instance folds the registration and signs with it (SharedState).
      sealedSecret: store.sealWebhookSecret(webhook.id, webhook.secret), ...(description ? { description } : {}), registeredAt: at,
    }, p.sub);
    store.durable(() => store.addWebhook(webhook));
    return reply.code(201).send({ ...view(webhook), secret: webhook.secret });
  });

  r.get('/webhooks/:id', {
    onRequest: app.authenticate,
    schema: { summary: 'One of the caller\'s webhooks', tags: ['webhooks'], params: IdParams, response: { 200: ex(WebhookSchema, EXAMPLE_WEBHOOK), ...problems } },
  }, async (request) => view(owned(request.params.id, request.principal!.sub)));

  r.delete('/webhooks/:id', {
    onRequest: app.authenticate,
    schema: { summary: 'Delete a webhook (its open deliveries fail)', tags: ['webhooks'], params: IdParams, response: { 204: z.null(), ...problems } },
  }, async (request, reply) => {
    const p = request.principal!;
    const w = owned(request.params.id, p.sub);
    const at = now().toISOString();
    await audit.webhook('WebhookDeleted', { webhookId: w.id, deletedBy: p.sub, deletedAt: at }, p.sub);
    store.durable(() => store.setWebhookStatus(w.id, 'deleted', at));
    await worker.webhookDeleted(w.id);
    return reply.code(204).send(null);
  });

  r.get('/webhooks/:id/deliveries', {
    onRequest: app.authenticate,
    schema: {
      summary: 'Deliveries of a webhook, newest first (filter `status=failed` for the failed ones)', tags: ['webhooks'], params: IdParams,
      querystring: z.object({
        status: z.enum(['pending', 'sending', 'delivered', 'failed']).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20), offset: z.coerce.number().int().min(0).default(0),
      }).strict(),
      response: { 200: ex(z.object({ items: z.array(DeliverySchema), total: z.number().int() }), { items: [EXAMPLE_DELIVERY], total: 1 }), ...problems },
    },
  }, async (request) => {
    const w = owned(request.params.id, request.principal!.sub);
    const page = store.deliveriesOf(w.id, { limit: request.query.limit, offset: request.query.offset, ...(request.query.status ? { status: request.query.status } : {}) });
    return { items: page.items.map(deliveryView), total: page.total };
  });

  r.post('/webhooks/:id/deliveries/:notificationId/retry', {
    onRequest: app.authenticate,
    schema: {
      summary: 'Retry a failed delivery now', tags: ['webhooks'],
      description: 'Only a failed delivery can be retried (409 otherwise). A disabled webhook is enabled again. The retry is recorded (NotificationDeliveryRetried).',
      params: z.object({ id: z.uuid(), notificationId: z.uuid() }),
      response: { 202: ex(DeliverySchema, { ...EXAMPLE_DELIVERY, status: 'pending', nextAttemptAt: '2026-03-01T12:05:00.000Z' }), ...problems },
    },
  }, async (request, reply) => {
    const p = request.principal!;
    const w = owned(request.params.id, p.sub);
    const d = store.delivery(request.params.notificationId);
    if (!d || d.webhookId !== w.id) throw new HttpProblem(404, 'Not Found', 'No such delivery of this webhook.');
    try {
      const retried = await worker.retry(d.notificationId, p.sub);
      options.kick?.();
      return reply.code(202).send(deliveryView(retried));
    } catch (error) {
      if (error instanceof RetryRefused) throw new HttpProblem(409, 'Conflict', error.message, { code: 'not-retryable' });
      throw error;
    }
  });
}
