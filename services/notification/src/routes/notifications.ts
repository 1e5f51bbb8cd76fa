/** The caller's inbox: GET /notifications, POST /notifications/{id}/read. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemSchema } from '@cfund/contracts';
import { candidatesFor, LOCALES, LOCALE_LABELS } from '@cfund/i18n';
import { HttpProblem } from '@cfund/service-kit';
import type { AuditTrail } from '../audit.js';
import type { Notifier } from '../notifier.js';
import { keysOf } from '../routing/recipients.js';
import type { NotificationStore } from '../store/store.js';

export interface NotificationRoutesOptions {
  store: NotificationStore;
  audit: AuditTrail;
  notifier: Notifier;
  now: () => Date;
}

const ex = <S extends z.ZodType>(schema: S, example: unknown): S => schema.meta({ examples: [example] }) as S;

const NotificationSchema = z.object({
  id: z.uuid(),
  topic: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  claimId: z.string().nullable(),
  publicReference: z.string().nullable(),
  /** `user:<sub>` or `role:<role>:<jurisdiction>`: why the caller sees it. */
  recipient: z.string(),
  createdAt: z.string(),
  read: z.boolean(),
  readAt: z.string().nullable(),
});

const EXAMPLE_NOTIFICATION = {
  id: '6b1f0c1e-53c3-8a4e-9d3e-2f9a4b7c1d20', topic: 'decision-notified',
  subject: 'Decision served for claim RS-2026-000042: appeal by Monday, April 6, 2026',
  text: 'The fund\'s decision on claim RS-2026-000042 (an award) was served on March 20, 2026 at 11:00 AM GMT+1. The last day to appeal is Monday, April 6, 2026. ...',
  claimId: '0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e', publicReference: 'RS-2026-000042', recipient: 'user:lawyer-1',
  createdAt: '2026-03-20T10:00:00.123Z', read: false, readAt: null,
};

const InboxSchema = ex(z.object({
  items: z.array(NotificationSchema), total: z.number().int(), unread: z.number().int(), limit: z.number().int(), offset: z.number().int(),
}), { items: [EXAMPLE_NOTIFICATION], total: 1, unread: 1, limit: 20, offset: 0 });

const problems = { 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema };

export async function notificationRoutes(app: FastifyInstance, options: NotificationRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { store, audit, notifier, now } = options;

  // A token's `locale` claim chooses the language of the caller's later notifications (below an
  // explicit setting); they are rendered when events arrive, so the claim is remembered here.
  app.addHook('preHandler', async (request) => {
    const principal = request.principal;
    if (principal?.locale && candidatesFor(principal.locale).length > 0) {
      store.rememberTokenLocale(principal.sub, principal.locale, now().toISOString());
    }
  });

  r.get('/notifications', {
    onRequest: app.authenticate,
    schema: {
      summary: 'The caller\'s notifications, newest first, with the unread count', tags: ['inbox'],
      description: 'Notifications addressed to the caller (`sub`) and to each role the caller holds in each of their jurisdictions. '
        + 'Read state is per user. Paginate with `limit` and `offset`; `unread=true` lists only unread ones. '
        + 'A notification to a role is shown in the caller\'s language (see `/notification-settings`); one to the caller in the language it was written in.',
      querystring: z.object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        unread: z.enum(['true', 'false']).optional(),
        html: z.enum(['true', 'false']).optional().describe('include the HTML body'),
      }).strict(),
      response: { 200: InboxSchema, ...problems },
    },
  }, async (request) => {
    const p = request.principal!;
    const q = request.query;
    const page = store.inbox(keysOf(p), p.sub, { limit: q.limit, offset: q.offset, unreadOnly: q.unread === 'true' });
    return {
      items: page.items.map((e) => {
        const shown = notifier.shownTo(e, p.sub); // a role's notification in the caller's language: only this page is rendered
        return {
          id: e.id, topic: e.topic, subject: shown.subject, text: shown.text, ...(q.html === 'true' ? { html: shown.html } : {}),
          claimId: e.claimId, publicReference: e.publicReference, recipient: e.recipient, createdAt: e.createdAt,
          read: e.readAt !== null, readAt: e.readAt,
        };
      }),
      total: page.total, unread: page.unread, limit: q.limit, offset: q.offset,
    };
  });

  const SettingsSchema = ex(z.object({
    locale: z.enum(LOCALES).nullable().describe(`the language of the caller's notifications: ${LOCALES.map((l) => `${l} (${LOCALE_LABELS[l]})`).join(', ')}; null: the scheme's language of the proceedings`),
  }).strict(), { locale: 'sr-Latn' });

  r.get('/notification-settings', {
    onRequest: app.authenticate,
    schema: {
      summary: 'The caller\'s notification settings', tags: ['inbox'],
      description: 'The language the caller chose for their notifications (null: none chosen, so their token\'s `locale` claim, else the directory\'s, else the scheme\'s language of the proceedings, else English).',
      response: { 200: SettingsSchema, ...problems },
    },
  }, async (request) => ({ locale: (store.preferredLocale(request.principal!.sub) ?? null) as (typeof LOCALES)[number] | null }));

  r.put('/notification-settings', {
    onRequest: app.authenticate,
    schema: {
      summary: 'Choose the language of the caller\'s notifications', tags: ['inbox'],
      description: 'Applies at once to the notifications to the caller\'s roles in their inbox (each shown in its reader\'s language), and to the caller\'s own notifications rendered from now on '
        + '(inbox, webhooks and email; earlier ones keep their language). A role\'s email and webhooks are in the scheme\'s language. `null` forgets the choice.',
      body: SettingsSchema,
      response: { 200: SettingsSchema, ...problems },
    },
  }, async (request) => {
    const sub = request.principal!.sub;
    const at = now().toISOString();
    // Recorded first: every instance folds it (SharedState), the one that sends included.
    await audit.localeChosen({ userId: sub, locale: request.body.locale, chosenAt: at });
    store.durable(() => store.setPreferredLocale(sub, request.body.locale, at));
    return { locale: request.body.locale };
  });

  r.post('/notifications/:id/read', {
    onRequest: app.authenticate,
    schema: {
      summary: 'Mark a notification read (for the caller)', tags: ['inbox'],
      description: 'Idempotent: marking it again answers the first time it was read. Recorded in the notification\'s stream (NotificationRead).',
      params: z.object({ id: z.uuid() }),
      response: { 200: ex(z.object({ id: z.uuid(), readAt: z.string() }), { id: EXAMPLE_NOTIFICATION.id, readAt: '2026-03-21T08:15:00.000Z' }), ...problems },
    },
  }, async (request) => {
    const p = request.principal!;
    const entry = store.inboxEntry(request.params.id);
    if (!entry || !keysOf(p).includes(entry.recipient)) throw new HttpProblem(404, 'Not Found', 'No such notification in your inbox.');
    const earlier = store.readAt(entry.id, p.sub);
    if (earlier) return { id: entry.id, readAt: earlier };
    const readAt = now().toISOString();
    await notifier.recordIssued({ ids: [entry.id] }); // the read follows the issue in the notification's stream
    await audit.notification('NotificationRead', { notificationId: entry.id, readBy: p.sub, readAt }, p.sub);
    store.durable(() => store.markRead(entry.id, p.sub, readAt));
    return { id: entry.id, readAt: store.readAt(entry.id, p.sub) ?? readAt };
  });
}
