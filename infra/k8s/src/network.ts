/**
 * NetworkPolicies: everything in the namespace is denied, in and out, and each workload gets a
 * policy that opens what REACHES says (and DNS). Some CNI plugins enforce nothing: the cluster's
 * must enforce NetworkPolicies (Calico, Cilium, ...).
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import type { Settings } from './settings.js';
import { EXPOSED, JOBS, PRIVATE_RANGES, REACHES, callersOf, selectorOf, type JobName, type Listener, type Listeners, type Workload } from './topology.js';

const tcp = (port: number): k8s.NetworkPolicyPort => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' });
const pods = (workload: Workload): k8s.NetworkPolicyPeer => ({ podSelector: { matchLabels: selectorOf(workload) } });

const DNS: k8s.NetworkPolicyEgressRule = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, tcp(53)],
};

const isJob = (workload: Workload): workload is JobName => (JOBS as readonly string[]).includes(workload);

/** Denies all traffic to and from every pod of the namespace that no other policy opens. */
export function defaultDeny(scope: Construct): void {
  new k8s.KubeNetworkPolicy(scope, 'default-deny', {
    metadata: { name: 'default-deny' },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
}

/** The policy of one workload: who may call it, and what it may call. */
export function workloadPolicy(scope: Construct, workload: Workload, listeners: Listeners, settings: Settings): k8s.KubeNetworkPolicy {
  const own: Listener | undefined = isJob(workload) ? undefined : listeners[workload];
  const ingress: k8s.NetworkPolicyIngressRule[] = [];
  const callers = callersOf(workload);
  if (callers.length > 0 || EXPOSED.includes(workload)) {
    if (!own) throw new Error(`${workload} is called but listens on no port`);
    if (callers.length > 0) ingress.push({ from: callers.map(pods), ports: [tcp(own.port)] });
    if (EXPOSED.includes(workload)) {
      ingress.push({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': settings.K8S_INGRESS_NAMESPACE } } }], ports: [tcp(own.port)] });
    }
  }
  if (own?.peerPorts) ingress.push({ from: [pods(workload)], ports: own.peerPorts.map(tcp) });
  const egress: k8s.NetworkPolicyEgressRule[] = [DNS];
  if (own?.peerPorts) egress.push({ to: [pods(workload)], ports: own.peerPorts.map(tcp) });
  for (const target of REACHES[workload]) {
    switch (target) {
      case 'oidc':
        egress.push({ to: [{ ipBlock: { cidr: settings.K8S_OIDC_CIDR } }], ports: [tcp(443)] });
        break;
      case 'internet':
        egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }] });
        break;
      default:
        if (isJob(target)) throw new Error(`${workload} calls the Job ${target}`);
        egress.push({ to: [pods(target)], ports: [tcp(listeners[target].port)] });
    }
  }
  return new k8s.KubeNetworkPolicy(scope, 'network-policy', {
    metadata: { name: workload },
    spec: { podSelector: { matchLabels: selectorOf(workload) }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
  });
}
