// One-shot for a cluster (the compose file's `eventstore-users`): as admin, creates each
// service's event store user and sets the ACLs, exactly as `npm start` does (eventstore-access.ts).
// Configuration from the environment, never the command line; no password is ever printed.
import {
  EVENT_STORE_AUTHORIZATIONS, eventStoreLogin, provisionEventStoreAccess, type EventStoreAuthorization, type ServiceAccount,
} from './eventstore-access.js';

/** The services that connect to the event store, each as its own user. */
export const EVENT_STORE_SERVICES = ['command', 'projection', 'notification'] as const;
/** The one-shot's variables: the admin's connection string, and each service's password. */
export const EVENT_STORE_ADMIN_VARIABLE = 'ESDB_ADMIN_CONNECTION_STRING';
export const eventStorePasswordVariable = (service: string): string => `KURRENTDB_${service.toUpperCase()}_PASSWORD`;
/**
 * `stream-policy` where the cluster's licence enables KurrentDB's stream policy plugin (each service
 * writes only its own stream categories); `acl` (default) everywhere else.
 */
export const EVENT_STORE_AUTHORIZATION_VARIABLE = 'EVENT_STORE_AUTHORIZATION';

export interface EventStoreUsersConfig {
  admin: string;
  accounts: ServiceAccount[];
  authorization: EventStoreAuthorization;
}

/** The admin connection string, one password per service and the authorization, or the variables that are wrong. */
export function readEventStoreUsersConfig(env: NodeJS.ProcessEnv): EventStoreUsersConfig | { errors: string[] } {
  const errors: string[] = [];
  const authorization = (env[EVENT_STORE_AUTHORIZATION_VARIABLE]?.trim() || 'acl') as EventStoreAuthorization;
  if (!EVENT_STORE_AUTHORIZATIONS.includes(authorization)) {
    errors.push(`${EVENT_STORE_AUTHORIZATION_VARIABLE} must be one of ${EVENT_STORE_AUTHORIZATIONS.join(', ')}, got "${authorization}"`);
  }
  const admin = env[EVENT_STORE_ADMIN_VARIABLE] ?? '';
  if (!/^esdb(\+discover)?:\/\/[^@/?]+@/.test(admin)) errors.push(`${EVENT_STORE_ADMIN_VARIABLE} must be an esdb:// connection string with the admin's credentials`);
  const accounts = EVENT_STORE_SERVICES.map((service) => ({ service, password: env[eventStorePasswordVariable(service)] ?? '' }));
  for (const { service, password } of accounts) {
    if (password.length < 16) errors.push(`${eventStorePasswordVariable(service)} must be set, at least 16 characters`);
  }
  return errors.length > 0 ? { errors } : { admin, accounts, authorization };
}

async function main(): Promise<void> {
  const config = readEventStoreUsersConfig(process.env);
  if ('errors' in config) {
    for (const error of config.errors) process.stderr.write(`eventstore-users: ${error}\n`);
    process.exit(2);
  }
  // The cluster may still be electing a leader: try for two minutes.
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await provisionEventStoreAccess(config.admin, config.accounts, config.authorization);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      process.stderr.write(`eventstore-users: not yet (${(error as Error).message}); retrying in 5 s\n`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
  process.stdout.write(`eventstore-users: ${config.accounts.map((a) => eventStoreLogin(a.service)).join(', ')} ready, ${config.authorization === 'acl' ? 'ACLs' : 'ACLs and stream policy'} set\n`);
}

if (process.argv[1]?.endsWith('eventstore-users-cli.js')) {
  main().catch((error: Error) => {
    process.stderr.write(`eventstore-users: ${error.message}\n`);
    process.exit(1);
  });
}
