/**
 * The Secrets the deployment reads. They are named here and nowhere else; the operator creates
 * them (README), and no value is ever generated or committed.
 */

/** A service's variables that are secret, each under a key named like the variable. */
export const serviceSecret = (service: string): string => `cfund-${service}`;

/** The KurrentDB node certificate and key (type kubernetes.io/tls: tls.crt, tls.key, ca.crt). */
export const KURRENTDB_TLS_SECRET = 'cfund-kurrentdb-tls';
/** The CA alone, for the clients (the services mount it; never the node's key). */
export const KURRENTDB_CA_SECRET = 'cfund-kurrentdb-ca';
/** KURRENTDB_DEFAULT_ADMIN_PASSWORD and KURRENTDB_DEFAULT_OPS_PASSWORD. */
export const KURRENTDB_SECRET = 'cfund-kurrentdb';
/**
 * The NATS servers' certificate and key (type kubernetes.io/tls: tls.crt, tls.key, ca.crt), for
 * clients and for the routes between the servers (which verify each other with it).
 */
export const NATS_TLS_SECRET = 'cfund-nats-tls';
/** The CA of the NATS servers' certificate alone, for the services. */
export const NATS_CA_SECRET = 'cfund-nats-ca';
/**
 * ESDB_ADMIN_CONNECTION_STRING and KURRENTDB_<SERVICE>_PASSWORD (each the password inside that
 * service's ESDB_CONNECTION_STRING): read by the eventstore-users Job only.
 */
export const EVENT_STORE_USERS_SECRET = 'cfund-eventstore-users';
/** NATS_OPERATOR_PASSWORD: the NATS `operator` user's (backups, restores, reports). */
export const NATS_SECRET = 'cfund-nats';
/** `master-key`: wraps the victims' data keys. */
export const MASTER_KEY_SECRET = 'cfund-master-key';
/** `signing-key.pem` and `keyring.json`: the events' signatures. */
export const CHAIN_KEYS_SECRET = 'cfund-chain-keys';
/** `directory.json`: who gets which notification (names and e-mail addresses of staff). */
export const DIRECTORY_SECRET = 'cfund-notification-directory';
