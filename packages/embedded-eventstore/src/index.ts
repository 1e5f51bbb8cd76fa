export { startEmbeddedEventStore } from './server.js';
export type { EmbeddedEventStore, EmbeddedEventStoreOptions } from './server.js';
export type { RecoveryReport } from './log/file-storage.js';
export { EventStore } from './store.js';
export { DeadlineExceeded } from './errors.js';
export { ensureNodeTls, ensureServerCertificate, type NodeTls, type ServerCertificateFiles } from './security/tls.js';
export { EventStoreUsers, type UserDetails } from './client/users.js';
