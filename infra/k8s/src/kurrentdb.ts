/**
 * KurrentDB: three nodes in a StatefulSet that find each other through the DNS of a headless
 * Service, TLS from a Secret, admin and ops passwords from a Secret (honoured at first start).
 */
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { workloadPolicy } from './network.js';
import { containerSecurity, httpProbe, metadataOf, podSecurity, resources, secretVolume, spreadOverNodes, spreadOverZones, volumeClaim } from './pods.js';
import { KURRENTDB_SECRET, KURRENTDB_TLS_SECRET } from './secrets.js';
import { serviceHost, type Settings } from './settings.js';
import { KURRENTDB, selectorOf, type Listeners } from './topology.js';

export const KURRENTDB_REPLICAS = 3;
/** The common name of the node certificates (every node's certificate must carry it). */
export const KURRENTDB_NODE_COMMON_NAME = 'kurrentdb-node';
/** KurrentDB's image runs as this user. */
const KURRENTDB_UID = 1000;

/** The address of the cluster for a client: the headless Service's DNS, which lists every node (esdb+discover://). */
export const kurrentDbAddress = (settings: Settings): string => `${serviceHost(settings, 'kurrentdb')}:${KURRENTDB.port}`;

export class KurrentDbChart extends Chart {
  constructor(scope: Construct, settings: Settings, listeners: Listeners) {
    super(scope, 'kurrentdb', { namespace: settings.K8S_NAMESPACE, disableResourceNameHashes: true });
    const metadata = metadataOf('kurrentdb', 'event-store');
    const host = serviceHost(settings, 'kurrentdb');
    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        clusterIp: 'None',
        // Nodes must find each other before any is ready.
        publishNotReadyAddresses: true,
        selector: selectorOf('kurrentdb'),
        ports: [
          { name: 'http', port: KURRENTDB.port, targetPort: k8s.IntOrString.fromNumber(KURRENTDB.port) },
          { name: 'replication', port: 1112, targetPort: k8s.IntOrString.fromNumber(1112) },
        ],
      },
    });
    const env: k8s.EnvVar[] = [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ...Object.entries({
        KURRENTDB_CLUSTER_SIZE: String(KURRENTDB_REPLICAS),
        KURRENTDB_DISCOVER_VIA_DNS: 'true',
        KURRENTDB_CLUSTER_DNS: host,
        KURRENTDB_CLUSTER_GOSSIP_PORT: String(KURRENTDB.port),
        KURRENTDB_NODE_IP: '0.0.0.0',
        KURRENTDB_REPLICATION_IP: '0.0.0.0',
        // Each node advertises its stable name, which its certificate covers.
        KURRENTDB_NODE_HOST_ADVERTISE_AS: `$(POD_NAME).${host}`,
        KURRENTDB_REPLICATION_HOST_ADVERTISE_AS: `$(POD_NAME).${host}`,
        KURRENTDB_DB: '/var/lib/kurrentdb',
        KURRENTDB_LOG: '/var/log/kurrentdb',
        KURRENTDB_CERTIFICATE_FILE: '/etc/kurrentdb/node/tls.crt',
        KURRENTDB_CERTIFICATE_PRIVATE_KEY_FILE: '/etc/kurrentdb/node/tls.key',
        // Only the CA in this directory: the server refuses a directory that holds a node certificate.
        KURRENTDB_TRUSTED_ROOT_CERTIFICATES_PATH: '/etc/kurrentdb/ca',
        KURRENTDB_CERTIFICATE_RESERVED_NODE_COMMON_NAME: KURRENTDB_NODE_COMMON_NAME,
        // The system uses no server-side projections and no AtomPub.
        KURRENTDB_RUN_PROJECTIONS: 'None',
        KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP: 'false',
      }).map(([name, value]) => ({ name, value })),
      ...['KURRENTDB_DEFAULT_ADMIN_PASSWORD', 'KURRENTDB_DEFAULT_OPS_PASSWORD'].map((name) => ({
        name, valueFrom: { secretKeyRef: { name: KURRENTDB_SECRET, key: name } },
      })),
    ];
    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata,
      spec: {
        serviceName: 'kurrentdb',
        replicas: KURRENTDB_REPLICAS,
        // All nodes start together: a lone first node cannot form the cluster.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selectorOf('kurrentdb') },
        template: {
          metadata: { labels: metadata.labels },
          spec: {
            affinity: spreadOverNodes('kurrentdb'),
            topologySpreadConstraints: spreadOverZones('kurrentdb'),
            securityContext: podSecurity(KURRENTDB_UID),
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 60,
            containers: [{
              name: 'kurrentdb',
              image: settings.K8S_KURRENTDB_IMAGE,
              env,
              ports: [{ name: 'http', containerPort: KURRENTDB.port }, { name: 'replication', containerPort: 1112 }],
              startupProbe: httpProbe('/health/live', KURRENTDB.port, { https: true, failureThreshold: 60 }),
              livenessProbe: httpProbe('/health/live', KURRENTDB.port, { https: true }),
              readinessProbe: httpProbe('/health/live', KURRENTDB.port, { https: true, periodSeconds: 5 }),
              resources: resources(['1', '2'], ['2Gi', '4Gi']),
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/kurrentdb' },
                { name: 'logs', mountPath: '/var/log/kurrentdb' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'node-certificate', mountPath: '/etc/kurrentdb/node', readOnly: true },
                { name: 'ca', mountPath: '/etc/kurrentdb/ca', readOnly: true },
              ],
            }],
            volumes: [
              { name: 'logs', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
              secretVolume('node-certificate', KURRENTDB_TLS_SECRET, { 'tls.crt': 'tls.crt', 'tls.key': 'tls.key' }),
              secretVolume('ca', KURRENTDB_TLS_SECRET, { 'ca.crt': 'ca.crt' }),
            ],
          },
        },
        volumeClaimTemplates: [volumeClaim('data', settings.K8S_KURRENTDB_STORAGE, settings)],
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorOf('kurrentdb') } },
    });
    workloadPolicy(this, 'kurrentdb', listeners, settings);
  }
}
