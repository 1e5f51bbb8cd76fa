/**
 * Who may do what on the embedded NATS: one user per service, with only the subjects it needs.
 * Only the relay (hosted by the command service) may publish events; the consumers may read
 * them, acknowledge them and write dead letters. The subject names mirror @cfund/messaging's
 * settings (stream CFUND_EVENTS on `cfund.events.>`, CFUND_DEAD_LETTERS on `cfund.dead-letter.>`,
 * the relay lease bucket CFUND_RELAY_LEASE, the notification service's CFUND_NOTIFICATION_LEASE, the documents and victims' key buckets); change them together.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

export interface NatsUser {
  user: string;
  password: string;
  permissions: NatsPermissions;
}

const EVENTS = 'CFUND_EVENTS';
const DEAD_LETTERS = 'CFUND_DEAD_LETTERS';
const LEASE = 'CFUND_RELAY_LEASE';
/** The notification service's sending lease (NOTIFICATION_LEASE of @cfund/notification-service). */
const NOTIFICATION_LEASE = 'CFUND_NOTIFICATION_LEASE';

/** Create, check and align a stream (what ensureEventsStream and a KV bucket's open do). */
const manageStream = (stream: string) => ['CREATE', 'UPDATE', 'INFO'].map((op) => `$JS.API.STREAM.${op}.${stream}`);

/** Hold a lease (messaging's Lease: a key in a KV bucket): create and align the bucket, read, write and delete the key. */
const holdLease = (bucket: string): string[] => [
  ...manageStream(`KV_${bucket}`),
  `$JS.API.STREAM.MSG.GET.KV_${bucket}`,
  `$JS.API.DIRECT.GET.KV_${bucket}.>`,
  `$KV.${bucket}.>`,
];

/** The relay: reads its checkpoint, holds the lease (a KV key), publishes events. */
export const RELAY_PERMISSIONS: NatsPermissions = {
  publish: [
    'cfund.events.>',
    '$JS.API.INFO',
    ...manageStream(EVENTS),
    `$JS.API.STREAM.MSG.GET.${EVENTS}`,
    ...holdLease(LEASE),
  ],
  subscribe: ['_INBOX.>'],
};

/**
 * A durable consumer of the events: its consumer, pulls and acks, and dead letters. No
 * CONSUMER.DELETE: a subject cannot limit it to one's own consumers (a name is one token), and
 * it would let any service delete the others' durables; followEvents' ephemeral consumers are
 * deleted by the server after their inactive threshold instead.
 */
export const CONSUMER_PERMISSIONS: NatsPermissions = {
  publish: [
    '$JS.API.INFO',
    ...manageStream(EVENTS),
    ...manageStream(DEAD_LETTERS),
    `$JS.API.CONSUMER.INFO.${EVENTS}.*`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${EVENTS}.*`,
    `$JS.API.CONSUMER.CREATE.${EVENTS}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${EVENTS}.*`,
    `$JS.ACK.${EVENTS}.>`,
    'cfund.dead-letter.>',
  ],
  subscribe: ['_INBOX.>'],
};

/** The notification service: a consumer of the events that sends only while it holds its lease. */
export const NOTIFICATION_PERMISSIONS: NatsPermissions = {
  publish: [...CONSUMER_PERMISSIONS.publish, ...holdLease(NOTIFICATION_LEASE)],
  subscribe: CONSUMER_PERMISSIONS.subscribe,
};

/** The documents bucket (@cfund/documents' ObjectDocumentStore, DOCUMENT_BUCKET's default). */
const DOCUMENTS = 'cfund-documents';
const DOCUMENTS_STREAM = `OBJ_${DOCUMENTS}`;

/** Read a document of the Object Store: its metadata, where its chunks are (direct get, or from the leader), and its chunks through a pull consumer. */
const DOCUMENT_READ: string[] = [
  '$JS.API.INFO',
  ...manageStream(DOCUMENTS_STREAM),
  '$JS.API.STREAM.NAMES',
  `$JS.API.STREAM.MSG.GET.${DOCUMENTS_STREAM}`,
  `$JS.API.DIRECT.GET.${DOCUMENTS_STREAM}.>`,
  `$JS.API.DIRECT.GET.${DOCUMENTS_STREAM}`, // a chunk by sequence and subject (ObjectChunks.read)
  `$JS.API.CONSUMER.CREATE.${DOCUMENTS_STREAM}`,
  `$JS.API.CONSUMER.MSG.NEXT.${DOCUMENTS_STREAM}.*`, // the pulls of ObjectChunks.read's consumer
  `$JS.API.CONSUMER.CREATE.${DOCUMENTS_STREAM}.>`,
  `$JS.API.CONSUMER.DELETE.${DOCUMENTS_STREAM}.>`,
  `$JS.API.CONSUMER.INFO.${DOCUMENTS_STREAM}.>`,
  `$JS.FC.${DOCUMENTS_STREAM}.>`,
];

/** Store and delete documents too (the command service). */
export const DOCUMENT_WRITE_PERMISSIONS: NatsPermissions = {
  publish: [...DOCUMENT_READ, `$JS.API.STREAM.PURGE.${DOCUMENTS_STREAM}`, `$O.${DOCUMENTS}.>`],
  subscribe: ['_INBOX.>'],
};
export const DOCUMENT_READ_PERMISSIONS: NatsPermissions = { publish: DOCUMENT_READ, subscribe: ['_INBOX.>'] };

/** The victims' key bucket (@cfund/eventstore's NatsKeyStore, KEY_STORE_BUCKET's default). */
const KEYS = 'cfund-keys';
const KEYS_STREAM = `KV_${KEYS}`;

/** Read a victim's wrapped key (a service that only decrypts binds to the bucket, never creates it). */
const KEY_READ: string[] = [
  '$JS.API.INFO',
  `$JS.API.STREAM.INFO.${KEYS_STREAM}`,
  `$JS.API.STREAM.MSG.GET.${KEYS_STREAM}`,
  `$JS.API.DIRECT.GET.${KEYS_STREAM}.>`,
];

/**
 * Create keys and erase them too (the command service): the bucket's keys, the secure erasure
 * of a message, and the watch of erasures (an ordered consumer) that evicts cached keys.
 */
export const KEY_WRITE_PERMISSIONS: NatsPermissions = {
  publish: [
    ...KEY_READ,
    ...manageStream(KEYS_STREAM),
    `$JS.API.STREAM.MSG.DELETE.${KEYS_STREAM}`,
    `$KV.${KEYS}.>`,
    `$JS.API.CONSUMER.CREATE.${KEYS_STREAM}`,
    `$JS.API.CONSUMER.CREATE.${KEYS_STREAM}.>`,
    `$JS.API.CONSUMER.DELETE.${KEYS_STREAM}.>`,
    `$JS.API.CONSUMER.INFO.${KEYS_STREAM}.>`,
    `$JS.FC.${KEYS_STREAM}.>`,
  ],
  subscribe: ['_INBOX.>'],
};
export const KEY_READ_PERMISSIONS: NatsPermissions = { publish: KEY_READ, subscribe: ['_INBOX.>'] };

const merged = (...all: NatsPermissions[]): NatsPermissions => ({
  publish: [...new Set(all.flatMap((p) => p.publish))],
  subscribe: [...new Set(all.flatMap((p) => p.subscribe))],
});

/** The users of the embedded default, by service name (the runner passes each its own). */
export const SERVICE_NATS_PERMISSIONS: Record<string, NatsPermissions> = {
  command: merged(RELAY_PERMISSIONS, DOCUMENT_WRITE_PERMISSIONS, KEY_WRITE_PERMISSIONS),
  projection: merged(CONSUMER_PERMISSIONS, DOCUMENT_READ_PERMISSIONS, KEY_READ_PERMISSIONS),
  notification: NOTIFICATION_PERMISSIONS,
};

/** Where the generated passwords live (mode 0600, in a 0700 directory). */
export const credentialsPath = (dir: string): string => join(dir, 'credentials.json');

/**
 * The password of each name in `users`, generated once and kept in `dir`/credentials.json;
 * a name not there yet gets a new password, the others keep theirs across restarts.
 */
export function loadOrCreateNatsPasswords(dir: string, users: string[]): Record<string, string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = credentialsPath(dir);
  let stored: Record<string, string> = {};
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the NATS credentials ${path}: ${(error as Error).message}`);
  }
  const missing = users.filter((user) => typeof stored[user] !== 'string' || stored[user].length < 16);
  if (missing.length > 0) {
    for (const user of missing) stored[user] = randomBytes(24).toString('base64url');
    // Written aside and renamed into place, so a crash never leaves a half-written file.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  }
  chmodSync(path, 0o600);
  return Object.fromEntries(users.map((user) => [user, stored[user] as string]));
}

const quote = (value: string) => JSON.stringify(value);
const list = (values: string[]) => `[${values.map(quote).join(', ')}]`;

/** `password` is already in the file's syntax: a quoted string, or a `$VARIABLE` reference. */
const authorizationBlock = (users: { user: string; password: string; permissions: NatsPermissions }[]): string => {
  const entries = users.map((u) =>
    `    { user: ${quote(u.user)}, password: ${u.password}, permissions: { publish: { allow: ${list(u.permissions.publish)} }, subscribe: { allow: ${list(u.permissions.subscribe)} } } }`,
  );
  return `authorization {\n  users = [\n${entries.join('\n')}\n  ]\n}\n`;
};

/** The `authorization` block of a nats-server configuration file. */
export function authorizationConfig(users: NatsUser[]): string {
  return authorizationBlock(users.map((u) => ({ ...u, password: quote(u.password) })));
}

/** A cluster's operator (stream backups and restores, reports): every subject. */
export const OPERATOR_PERMISSIONS: NatsPermissions = { publish: ['>'], subscribe: ['>'] };

/** The environment variable that holds a user's password on a cluster's servers: `NATS_COMMAND_PASSWORD`. */
export const natsPasswordVariable = (user: string): string => `NATS_${user.toUpperCase()}_PASSWORD`;

/**
 * The `authorization` block of a cluster's servers (infra/compose/nats/authorization.conf): the
 * services' users with the same permissions as the embedded default, plus `operator`; each
 * password is read from the server's environment (`natsPasswordVariable`), never written here.
 */
export function clusterAuthorizationConfig(): string {
  const users = { ...SERVICE_NATS_PERMISSIONS, operator: OPERATOR_PERMISSIONS };
  return authorizationBlock(Object.entries(users).map(([user, permissions]) => ({ user, password: `$${natsPasswordVariable(user)}`, permissions })));
}
