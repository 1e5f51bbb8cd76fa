/** The two outward channels: a signed HTTP POST, and email over SMTP (nodemailer). */
import nodemailer, { type Transporter } from 'nodemailer';
import { signPayload } from './signature.js';
import { webhookTargetRefusal, type Lookup } from './targets.js';

export interface SendResult {
  ok: boolean;
  /** HTTP status, or SMTP reply code when known. */
  status?: number;
  error?: string;
}

export interface WebhookRequest {
  url: string;
  secret: string;
  body: string;
  notificationId: string;
  topic: string;
  attempt: number;
  nowSeconds: number;
}

export type WebhookSender = (request: WebhookRequest) => Promise<SendResult>;

/**
 * POSTs the body with its signature; any 2xx answer is a delivery, anything else a failure. The
 * target is checked first (see targets.ts): a host that now resolves to a private address fails.
 */
export function httpWebhookSender(timeoutMs: number, target: { allowPrivate: boolean; lookup?: Lookup } = { allowPrivate: false }): WebhookSender {
  return async (r) => {
    const refusal = await webhookTargetRefusal(r.url, target);
    if (refusal) return { ok: false, error: 'target-not-allowed' };
    try {
      const response = await fetch(r.url, {
        method: 'POST',
        body: r.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'cfund-notification/1',
          'cfund-signature': signPayload(r.secret, r.nowSeconds, r.body),
          'cfund-notification-id': r.notificationId,
          'cfund-topic': r.topic,
          'cfund-delivery-attempt': String(r.attempt),
        },
      });
      await response.arrayBuffer().catch(() => undefined); // drain: the connection is reused
      return response.ok ? { ok: true, status: response.status } : { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      return { ok: false, error: (e.cause?.code ?? e.name ?? 'error').slice(0, 200) };
    }
  };
}

export interface EmailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  notificationId: string;
}

export type EmailSender = (message: EmailMessage) => Promise<SendResult>;

/** Sends over SMTP_URL (e.g. `smtp://user:pass@mail.example:587`, `smtps://...`). */
export function smtpEmailSender(smtpUrl: string, from: string): { send: EmailSender; close: () => void } {
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    send: async (m) => {
      try {
        const info = await transport.sendMail({
          from, to: m.to, subject: m.subject, text: m.text, html: m.html,
          // A stable Message-ID: a mail resent after a crash can be recognised as the same message.
          messageId: `<${m.notificationId}@notification.cfund>`,
          headers: { 'X-Cfund-Notification-Id': m.notificationId },
        });
        return { ok: info.rejected.length === 0, ...(info.rejected.length ? { error: 'some recipients were rejected' } : {}) };
      } catch (error) {
        const e = error as Error & { responseCode?: number; code?: string };
        return { ok: false, ...(e.responseCode ? { status: e.responseCode } : {}), error: (e.code ?? e.message).slice(0, 200) };
      }
    },
    close: () => transport.close(),
  };
}
