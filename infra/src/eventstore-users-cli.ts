// One-shot for a cluster (the compose file's `eventstore-users`): as admin, creates each
// service's event store user and sets the ACLs, exactly as `npm start` does (eventstore-access.ts).
// Configuration from the environment, never the command line; no password is ever printed.
import { eventStoreLogin, provisionEventStoreAccess, type ServiceAccount } from './eventstore-access.js';

/** The services that connect to the event store, each as its own user. */
export const EVENT_STORE_SERVICES = ['command', 'projection', 'notification'] as const;
/** The one-shot's variables: the admin's connection string, and each service's password. */
export const EVENT_STORE_ADMIN_VARIABLE = 'ESDB_ADMIN_CONNECTION_STRING';
export const eventStorePasswordVariable = (service: string): string => `KURRENTDB_${service.toUpperCase()}_PASSWORD`;

/** The admin connection string and one password per service, or the variables that are wrong. */
export function readEventStoreUsersConfig(env: NodeJS.ProcessEnv): { admin: string; accounts: ServiceAccount[] } | { errors: string[] } {
  const errors: string[] = [];
  const admin = env[EVENT_STORE_ADMIN_VARIABLE] ?? '';
  if (!/^esdb(\+discover)?:\/\/[^@/?]+@/.test(admin)) errors.push(`${EVENT_STORE_ADMIN_VARIABLE} must be an esdb:// connection string with the admin's credentials`);
  const accounts = EVENT_STORE_SERVICES.map((service) => ({ service, password: env[eventStorePasswordVariable(service)] ?? '' }));
  for (const { service, password } of accounts) {
    if (password.length < 16) errors.push(`${eventStorePasswordVariable(service)} must be set, at least 16 characters`);
  }
  return errors.length > 0 ? { errors } : { admin, accounts };
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
      await provisionEventStoreAccess(config.admin, config.accounts);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      process.stderr.write(`eventstore-users: not yet (${(error as Error).message}); retrying in 5 s\n`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
  process.stdout.write(`eventstore-users: ${config.accounts.map((a) => eventStoreLogin(a.service)).join(', ')} ready, ACLs set\n`);
}

if (process.argv[1]?.endsWith('eventstore-users-cli.js')) {
  main().catch((error: Error) => {
    process.stderr.write(`eventstore-users: ${error.message}\n`);
    process.exit(1);
  });
}
