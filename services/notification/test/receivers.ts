/** Real receivers for tests: an HTTP webhook endpoint (node:http, port 0) and an SMTP server (smtp-server); what was issued and what arrived, per notification. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { START, StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import { SMTPServer } from 'smtp-server';
import { verifySignature } from '../src/index.ts';

export interface Hit {
  notificationId: string;
  attempt: number;
  topic: string;
  signature: string;
  body: string;
  /** Secrets (by label) whose HMAC matches this request. */
  validFor: string[];
  answered: number;
}

/**
 * Answers each request with `answer(hit, nth)` (nth: the how-many-th request for that
 * notification id, from 1), and verifies its signature against every registered secret.
 */
export async function startWebhookReceiver(answer: (hit: Hit, nth: number) => number | Promise<number> = () => 200) {
  const hits: Hit[] = [];
  const secrets = new Map<string, string>();
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const signature = String(req.headers['cfund-signature'] ?? '');
      const hit: Hit = {
        notificationId: String(req.headers['cfund-notification-id']), attempt: Number(req.headers['cfund-delivery-attempt']),
        topic: String(req.headers['cfund-topic']), signature, body,
        validFor: [...secrets].filter(([, s]) => verifySignature(s, signature, body, { toleranceSeconds: 10 * 365 * 86400 })).map(([k]) => k),
        answered: 0,
      };
      const nth = hits.filter((h) => h.notificationId === hit.notificationId).length + 1;
      hits.push(hit);
      hit.answered = await answer(hit, nth);
      res.writeHead(hit.answered, { 'content-type': 'text/plain' }).end('ok');
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    addSecret: (label: string, secret: string) => { secrets.set(label, secret); },
    byNotification: () => {
      const m = new Map<string, Hit[]>();
      for (const h of hits) m.set(h.notificationId, [...(m.get(h.notificationId) ?? []), h]);
      return m;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Headers unfolded, lower-case names. */
  headers: Map<string, string>;
}

export async function startSmtpServer() {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
        const headers = new Map(head.split(/\r?\n/).map((l) => {
          const i = l.indexOf(':');
          return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()] as [string, string];
        }));
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address), raw, headers,
        });
        callback();
      });
    },
  });
  // A sender stopped or killed mid-connection resets it: not a failure of the receiver.
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The email notifications the event store says were issued: id and topic. */
export const issuedEmails = (client: EventStoreDBClient): Promise<Map<string, string>> => issuedOn(client, 'email');

/** The notifications on one channel the event store says were issued (to one webhook, if given): id and topic. */
export async function issuedOn(client: EventStoreDBClient, channel: 'email' | 'webhook', webhookId?: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const r of client.readAll({ fromPosition: START, maxCount: Number.MAX_SAFE_INTEGER })) {
    const e = r.event;
    if (e?.type !== 'NotificationIssued' || !e.isJson) continue;
    const data = e.data as { notificationId: string; channel: string; topic: string; webhookId?: string };
    if (data.channel === channel && (webhookId === undefined || data.webhookId === webhookId)) out.set(data.notificationId, data.topic);
  }
  return out;
}

/** The events of one stream, type and data; none when it does not exist. */
export async function readStream(client: EventStoreDBClient, stream: string): Promise<{ type: string; data: unknown }[]> {
  const out: { type: string; data: unknown }[] = [];
  try {
    for await (const r of client.readStream(stream)) if (r.event) out.push({ type: r.event.type, data: r.event.data });
  } catch (error) {
    if (error instanceof StreamNotFoundError) return out;
    throw error;
  }
  return out;
}

/** How many mails arrived per notification id (the stable Message-ID `<id@notification.cfund>`). */
export function mailsPerNotification(mails: ReceivedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of mails) {
    const id = /<([^@>]+)@notification\.cfund>/.exec(m.headers.get('message-id') ?? '')?.[1] ?? 'no message-id';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
