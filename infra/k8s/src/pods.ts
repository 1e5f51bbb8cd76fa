/** What every pod of the system shares: restricted security, spreading, probes, volumes. */
import { k8s } from 'cdk8s-plus-33';
import { selectorOf, type Workload } from './topology.js';
import type { Settings } from './settings.js';

/** The user of the official Node.js images (`node`): the system's image runs as it. */
export const NODE_UID = 1000;

/** Non-root, read-only root file system, no capabilities: the `restricted` Pod Security Standard. */
export const podSecurity = (uid: number): k8s.PodSecurityContext => ({
  runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' },
});

export const containerSecurity: k8s.SecurityContext = {
  allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
};

/** Never two pods of a replicated workload on one node: a node's loss costs one replica. */
export const spreadOverNodes = (workload: Workload): k8s.Affinity => ({
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selectorOf(workload) }, topologyKey: 'kubernetes.io/hostname' }],
  },
});

/** Prefer different zones too, where the cluster has them. */
export const spreadOverZones = (workload: Workload): k8s.TopologySpreadConstraint[] => [
  { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selectorOf(workload) } },
];

export const httpProbe = (path: string, port: number, options: { https?: boolean; periodSeconds?: number; failureThreshold?: number } = {}): k8s.Probe => ({
  httpGet: { path, port: k8s.IntOrString.fromNumber(port), ...(options.https ? { scheme: 'HTTPS' } : {}) },
  periodSeconds: options.periodSeconds ?? 10,
  timeoutSeconds: 5,
  failureThreshold: options.failureThreshold ?? 3,
});

export const resources = (cpu: [string, string], memory: [string, string]): k8s.ResourceRequirements => ({
  requests: { cpu: k8s.Quantity.fromString(cpu[0]), memory: k8s.Quantity.fromString(memory[0]) },
  limits: { cpu: k8s.Quantity.fromString(cpu[1]), memory: k8s.Quantity.fromString(memory[1]) },
});

/** A per-instance volume of a StatefulSet. */
export const volumeClaim = (name: string, size: string, settings: Settings): k8s.KubePersistentVolumeClaimProps => ({
  metadata: { name },
  spec: {
    accessModes: ['ReadWriteOnce'],
    ...(settings.K8S_STORAGE_CLASS ? { storageClassName: settings.K8S_STORAGE_CLASS } : {}),
    resources: { requests: { storage: k8s.Quantity.fromString(size) } },
  },
});

/** A Secret mounted read-only, only the keys given, files 0440 (the pod's user reads them through fsGroup). */
export const secretVolume = (name: string, secretName: string, keys: Record<string, string>): k8s.Volume => ({
  name,
  secret: { secretName, defaultMode: 0o440, items: Object.entries(keys).map(([key, path]) => ({ key, path })) },
});

export const metadataOf = (workload: Workload, component: string) => ({
  name: workload,
  labels: { ...selectorOf(workload), 'app.kubernetes.io/component': component },
});
