/** The deployment as the tests see it: synthesized with default settings, objects by kind. */
import { deployment, loadSettings, objectsOf } from '../src/index.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

export interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: unknown }[];
  ports?: { containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: number } };
  readinessProbe?: { httpGet?: { path: string; port: number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; affinity?: unknown; volumes?: { name: string; secret?: { secretName: string } }[] };
}

export const settings = loadSettings({});
export const objects = objectsOf(deployment(settings)) as unknown as K8sObject[];

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);
export const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
/** One-shot Jobs (the event store's users). */
export const jobs = objects.filter((o) => o.kind === 'Job');
/** Everything that runs pods. */
export const podOwners = [...workloads, ...jobs];
export const templateOf = (o: K8sObject): PodTemplate => (o.spec as { template: PodTemplate }).template;
export const find = (kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
