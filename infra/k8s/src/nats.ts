/**
 * NATS JetStream as plain manifests (not the NATS Helm chart: one generator, checked by one
 * test): three servers in a StatefulSet joined by cluster routes, JetStream on a volume each, the
 * cluster's users of @cfund/infra (`clusterAuthorizationConfig`: a user per service with the
 * permissions `npm start` gives it, and `operator`), each password taken from a Secret through
 * the server's environment.
 */
import { createHash } from 'node:crypto';
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { SERVICE_NATS_PERMISSIONS, clusterAuthorizationConfig, natsPasswordVariable } from '@cfund/infra';
import { workloadPolicy } from './network.js';
import { containerSecurity, httpProbe, metadataOf, podSecurity, resources, secretVolume, spreadOverNodes, spreadOverZones, volumeClaim } from './pods.js';
import { NATS_SECRET, NATS_TLS_SECRET, serviceSecret } from './secrets.js';
import { serviceHost, type Settings } from './settings.js';
import { NATS, selectorOf, type Listeners } from './topology.js';

export const NATS_REPLICAS = 3;
const MONITOR_PORT = 8222;
const NATS_UID = 1000;
/** The headless Service that names each server for the routes. */
const CLUSTER_SERVICE = 'nats-cluster';
/** Where the servers' certificate, key and CA are mounted (NATS_TLS_SECRET). */
export const NATS_TLS_DIR = '/etc/nats/tls';

/** The users of the cluster's servers: one per service that connects, named like it, and `operator`. */
export const NATS_USERS = [...Object.keys(SERVICE_NATS_PERMISSIONS), 'operator'];

/** Where a user's password comes from: the service's own Secret (the key it reads as NATS_PASSWORD), or the NATS Secret for `operator`. */
const passwordSource = (user: string): { name: string; key: string } =>
  user in SERVICE_NATS_PERMISSIONS ? { name: serviceSecret(user), key: 'NATS_PASSWORD' } : { name: NATS_SECRET, key: natsPasswordVariable(user) };

const BYTES: Record<string, number> = { Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** The nats-server configuration of every server of the cluster. */
export function natsConfig(settings: Settings): string {
  const [, amount, unit] = /^(\d+)(Mi|Gi|Ti)$/.exec(settings.K8S_NATS_STORAGE)!;
  // Leave a tenth of the volume free: JetStream stops accepting writes at its limit, not at a full disk.
  const maxFileStore = Math.floor(Number(amount) * BYTES[unit!]! * 0.9);
  const routes = Array.from({ length: NATS_REPLICAS }, (_, i) => `nats-route://nats-${i}.${serviceHost(settings, CLUSTER_SERVICE)}:6222`);
  // The servers' certificate; `verify` (the routes) also asks the other side for one of the same CA
  // (nats-server forces that on routes whatever the file says: written out so that the file says it).
  const tls = (indent: string, verify: boolean) => [
    'tls {',
    `  cert_file: "${NATS_TLS_DIR}/tls.crt"`,
    `  key_file: "${NATS_TLS_DIR}/tls.key"`,
    `  ca_file: "${NATS_TLS_DIR}/ca.crt"`,
    ...(verify ? ['  verify: true'] : []),
    '  timeout: 5',
    '}',
  ].map((line, i) => (i === 0 ? line : indent + line)).join('\n');
  return [
    'server_name: $POD_NAME',
    `port: ${NATS.port}`,
    `http_port: ${MONITOR_PORT}`,
    'pid_file: /var/run/nats/nats.pid',
    'lame_duck_duration: 30s',
    'lame_duck_grace_period: 10s',
    // Clients must speak TLS (the services trust the CA of NATS_CA_SECRET); they sign in with their user.
    tls('', false),
    `jetstream {\n  store_dir: /data\n  max_file_store: ${maxFileStore}\n}`,
    // The routes: TLS both ways, each server proving itself with its certificate.
    `cluster {\n  name: cfund\n  port: 6222\n  routes: [\n${routes.map((r) => `    ${r}`).join('\n')}\n  ]\n  connect_retries: 120\n  ${tls('  ', true)}\n}`,
    clusterAuthorizationConfig(),
  ].join('\n');
}

export class NatsChart extends Chart {
  constructor(scope: Construct, settings: Settings, listeners: Listeners) {
    super(scope, 'nats', { namespace: settings.K8S_NAMESPACE, disableResourceNameHashes: true });
    const metadata = metadataOf('nats', 'messaging');
    const config = natsConfig(settings);
    new k8s.KubeConfigMap(this, 'config', { metadata, data: { 'nats.conf': config } });
    new k8s.KubeService(this, 'service', {
      metadata,
      spec: { selector: selectorOf('nats'), ports: [{ name: 'client', port: NATS.port, targetPort: k8s.IntOrString.fromNumber(NATS.port) }] },
    });
    new k8s.KubeService(this, 'cluster-service', {
      metadata: { ...metadata, name: CLUSTER_SERVICE },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector: selectorOf('nats'),
        ports: [{ name: 'cluster', port: 6222, targetPort: k8s.IntOrString.fromNumber(6222) }],
      },
    });
    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata,
      spec: {
        serviceName: CLUSTER_SERVICE,
        replicas: NATS_REPLICAS,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selectorOf('nats') },
        template: {
          // A changed configuration rolls the servers one by one.
          metadata: { labels: metadata.labels, annotations: { 'cfund.org/config-sha256': createHash('sha256').update(config).digest('hex') } },
          spec: {
            affinity: spreadOverNodes('nats'),
            topologySpreadConstraints: spreadOverZones('nats'),
            securityContext: podSecurity(NATS_UID),
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 60,
            containers: [{
              name: 'nats',
              image: settings.K8S_NATS_IMAGE,
              command: ['nats-server', '--config', '/etc/nats/nats.conf'],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ...NATS_USERS.map((user) => ({ name: natsPasswordVariable(user), valueFrom: { secretKeyRef: passwordSource(user) } })),
              ],
              ports: [
                { name: 'client', containerPort: NATS.port },
                { name: 'cluster', containerPort: 6222 },
                { name: 'monitor', containerPort: MONITOR_PORT },
              ],
              // Lame duck mode: clients move to the other servers before this one stops.
              lifecycle: { preStop: { exec: { command: ['nats-server', '--signal', 'ldm=/var/run/nats/nats.pid'] } } },
              startupProbe: httpProbe('/healthz', MONITOR_PORT, { periodSeconds: 5, failureThreshold: 90 }),
              livenessProbe: httpProbe('/healthz?js-enabled-only=true', MONITOR_PORT, { periodSeconds: 30 }),
              readinessProbe: httpProbe('/healthz?js-server-only=true', MONITOR_PORT),
              resources: resources(['500m', '1'], ['1Gi', '2Gi']),
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'config', mountPath: '/etc/nats', readOnly: true },
                { name: 'run', mountPath: '/var/run/nats' },
                { name: 'tls', mountPath: NATS_TLS_DIR, readOnly: true },
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: 'nats' } },
              { name: 'run', emptyDir: {} },
              secretVolume('tls', NATS_TLS_SECRET, { 'tls.crt': 'tls.crt', 'tls.key': 'tls.key', 'ca.crt': 'ca.crt' }),
            ],
          },
        },
        volumeClaimTemplates: [volumeClaim('data', settings.K8S_NATS_STORAGE, settings)],
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorOf('nats') } },
    });
    workloadPolicy(this, 'nats', listeners, settings);
  }
}
