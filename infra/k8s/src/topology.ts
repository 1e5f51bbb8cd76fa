/**
 * Who talks to whom: the one table the NetworkPolicies are generated from (egress of the
 * caller and ingress of the callee both come from it, so they cannot disagree).
 */

/** The system's own workloads. */
export const SERVICES = ['command', 'projection', 'notification', 'console'] as const;
export type ServiceName = (typeof SERVICES)[number];
/** One-shot Jobs: they call others and are called by nobody. */
export const JOBS = ['eventstore-users'] as const;
export type JobName = (typeof JOBS)[number];
export type Workload = ServiceName | JobName | 'kurrentdb' | 'nats';
/** The ports of every workload that is called (a Job has none). */
export type Listeners = Record<Exclude<Workload, JobName>, Listener>;

/** Destinations outside the namespace. */
export type External =
  /** The OpenID provider (token keys, sign-in): HTTPS to K8S_OIDC_CIDR. */
  | 'oidc'
  /** Public addresses on any port (SMTP, webhooks; private ranges stay closed, as the notifier's own check). */
  | 'internet';

/** The ports a workload is reached on by the workloads that call it. */
export interface Listener {
  /** Port for callers. */
  port: number;
  /** Ports only the workload's own peers use (cluster routes, replication). */
  peerPorts?: number[];
}

export const KURRENTDB: Listener = { port: 2113, peerPorts: [2113, 1112] };
export const NATS: Listener = { port: 4222, peerPorts: [6222] };

/**
 * What each workload reaches. The projection and the notifier read the event store too (a gap
 * in a stream is read from it; both write events: access log, notification audit).
 */
export const REACHES: Record<Workload, readonly (Workload | External)[]> = {
  command: ['kurrentdb', 'nats', 'oidc'],
  projection: ['kurrentdb', 'nats', 'oidc'],
  notification: ['kurrentdb', 'nats', 'oidc', 'internet'],
  console: ['command', 'projection', 'notification', 'oidc'],
  // Creates the services' event store users and sets the ACLs, as admin.
  'eventstore-users': ['kurrentdb'],
  kurrentdb: [],
  nats: [],
};

/** Reached from outside the namespace, through the ingress controller. */
export const EXPOSED: readonly Workload[] = ['console'];

/** The workloads that call `target`. */
export const callersOf = (target: Workload): Workload[] =>
  (Object.keys(REACHES) as Workload[]).filter((w) => REACHES[w].includes(target));

/** Labels that select a workload's pods. */
export const selectorOf = (workload: Workload): Record<string, string> => ({
  'app.kubernetes.io/name': workload,
  'app.kubernetes.io/part-of': 'cfund',
});

/** Private and link-local ranges that 'internet' leaves out (RFC 1918, 6598, 3927). */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];
