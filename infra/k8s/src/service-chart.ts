/** One chart per service: its ConfigMap, Deployment or StatefulSet, Service, disruption budget and NetworkPolicy. */
import { createHash } from 'node:crypto';
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { workloadPolicy } from './network.js';
import { NODE_UID, containerSecurity, httpProbe, metadataOf, podSecurity, resources, secretVolume, spreadOverNodes, spreadOverZones, volumeClaim } from './pods.js';
import { serviceSecret } from './secrets.js';
import { APP_ROOT, DATA_DIR, type ServiceWorkload } from './services.js';
import type { Settings } from './settings.js';
import { selectorOf, type Listeners } from './topology.js';

/** The paths of service-kit's health routes: the process is up; its dependencies answer. */
export const LIVENESS_PATH = '/health';
export const READINESS_PATH = '/ready';

export class ServiceChart extends Chart {
  constructor(scope: Construct, service: ServiceWorkload, settings: Settings, listeners: Listeners) {
    super(scope, service.name, { namespace: settings.K8S_NAMESPACE, disableResourceNameHashes: true });
    const metadata = metadataOf(service.name, 'service');
    const data = Object.fromEntries(Object.entries(service.settings).filter((e): e is [string, string] => typeof e[1] === 'string'));
    new k8s.KubeConfigMap(this, 'config', { metadata, data });

    const mounts: k8s.VolumeMount[] = [
      { name: 'data', mountPath: DATA_DIR },
      { name: 'tmp', mountPath: '/tmp' },
      ...service.files.map((f) => ({ name: f.volume, mountPath: f.dir, readOnly: true })),
    ];
    const volumes: k8s.Volume[] = [
      ...(service.kind === 'Deployment' ? [{ name: 'data', emptyDir: {} }] : []),
      { name: 'tmp', emptyDir: {} },
      ...service.files.map((f) => secretVolume(f.volume, f.secret, f.keys)),
    ];
    const container: k8s.Container = {
      name: service.name,
      image: settings.K8S_IMAGE,
      workingDir: `${APP_ROOT}/services/${service.name}`,
      command: ['node', service.start],
      envFrom: [{ configMapRef: { name: service.name } }],
      env: [
        ...Object.entries(service.fromPod ?? {}).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath: String(fieldPath) } } })),
        ...service.secrets.map((name) => ({ name: String(name), valueFrom: { secretKeyRef: { name: serviceSecret(service.name), key: String(name) } } })),
      ],
      ports: [{ name: 'http', containerPort: service.port }],
      // A read model rebuilt at start may take minutes before the service listens.
      startupProbe: httpProbe(LIVENESS_PATH, service.port, { periodSeconds: 5, failureThreshold: 120 }),
      livenessProbe: httpProbe(LIVENESS_PATH, service.port),
      readinessProbe: httpProbe(READINESS_PATH, service.port, { periodSeconds: 5 }),
      resources: resources(service.cpu, service.memory),
      securityContext: containerSecurity,
      volumeMounts: mounts,
    };
    const pod: k8s.PodTemplateSpec = {
      // A changed ConfigMap rolls the pods.
      metadata: { labels: metadata.labels, annotations: { 'cfund.org/config-sha256': createHash('sha256').update(JSON.stringify(data)).digest('hex') } },
      spec: {
        ...(service.replicas > 1 ? { affinity: spreadOverNodes(service.name), topologySpreadConstraints: spreadOverZones(service.name) } : {}),
        securityContext: podSecurity(NODE_UID),
        automountServiceAccountToken: false,
        // runService stops within its own timeout after SIGTERM.
        terminationGracePeriodSeconds: 45,
        containers: [container],
        volumes,
      },
    };
    const selector = { matchLabels: selectorOf(service.name) };
    if (service.kind === 'Deployment') {
      new k8s.KubeDeployment(this, 'deployment', {
        metadata,
        spec: {
          replicas: service.replicas,
          selector,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
          template: pod,
        },
      });
    } else {
      new k8s.KubeStatefulSet(this, 'statefulset', {
        metadata,
        spec: {
          serviceName: service.name,
          replicas: service.replicas,
          selector,
          template: pod,
          volumeClaimTemplates: [volumeClaim('data', service.storage ?? '10Gi', settings)],
        },
      });
    }
    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        selector: selectorOf(service.name),
        ports: [{ name: 'http', port: service.port, targetPort: k8s.IntOrString.fromNumber(service.port) }],
        // The console keeps sessions in memory: a client stays on the instance that signed it in.
        ...(service.name === 'console' ? { sessionAffinity: 'ClientIP' } : {}),
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector },
    });
    workloadPolicy(this, service.name, listeners, settings);
  }
}

