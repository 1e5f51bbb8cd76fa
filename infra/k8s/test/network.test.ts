/**
 * The NetworkPolicies, read back from the synthesized objects: which pod may open which port
 * of which other pod, against the system's needs written out here on their own.
 */
import t from 'tap';
import { find, objects, podOwners, templateOf, type K8sObject } from './deployment.js';

interface Peer { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> }; ipBlock?: { cidr: string; except?: string[] } }
interface Rule { from?: Peer[]; to?: Peer[]; ports?: { port: number; protocol: string }[] }
interface PolicySpec { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] }

const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
const specOf = (o: K8sObject) => o.spec as unknown as PolicySpec;
const selects = (selector: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
const labelsOf = (name: string) => templateOf(podOwners.find((w) => w.metadata.name === name)!).metadata.labels;
const policiesOf = (name: string) => policies.filter((p) => selects(specOf(p).podSelector, labelsOf(name)));
const portsOf = (name: string) => templateOf(podOwners.find((w) => w.metadata.name === name)!).spec.containers
  .flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));

/** A rule lets `peer` through on `port` (same namespace, selected by pod labels). */
const admits = (rules: Rule[] | undefined, side: 'from' | 'to', peer: string, port: number) =>
  (rules ?? []).some((r) => (r[side] ?? []).some((p) => p.podSelector && !p.namespaceSelector && !p.ipBlock && selects(p.podSelector, labelsOf(peer)))
    && (r.ports === undefined || r.ports.some((p) => p.port === port)));

/** `from` may open `port` of `to`: its egress and the target's ingress both allow it. */
const allowed = (from: string, to: string, port: number) =>
  policiesOf(from).some((p) => admits(specOf(p).egress, 'to', to, port)) && policiesOf(to).some((p) => admits(specOf(p).ingress, 'from', from, port));

const EXPECTED = [
  'command -> kurrentdb:2113', 'command -> nats:4222',
  'projection -> kurrentdb:2113', 'projection -> nats:4222',
  'notification -> kurrentdb:2113', 'notification -> nats:4222',
  'console -> command:4001', 'console -> projection:4002', 'console -> notification:4003',
  // The one-shot that creates the services' event store users, as admin.
  'eventstore-users -> kurrentdb:2113',
  // The servers' own cluster traffic: gossip and replication, routes.
  'kurrentdb -> kurrentdb:1112', 'kurrentdb -> kurrentdb:2113', 'nats -> nats:6222',
];

t.test('each workload reaches exactly what it needs inside the namespace', async (t) => {
  const names = podOwners.map((w) => w.metadata.name);
  const actual: string[] = [];
  for (const from of names) for (const to of names) for (const port of portsOf(to)) if (allowed(from, to, port)) actual.push(`${from} -> ${to}:${port}`);
  t.same(actual.sort(), [...EXPECTED].sort());
});

t.test('everything is denied unless a policy opens it, and every workload has its policy', async (t) => {
  const deny = specOf(find('NetworkPolicy', 'default-deny'));
  t.same(deny, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  for (const w of podOwners) {
    const own = policiesOf(w.metadata.name).filter((p) => p.metadata.name !== 'default-deny');
    t.equal(own.length, 1, `${w.metadata.name} has a policy`);
    t.same(specOf(own[0]!).policyTypes, ['Ingress', 'Egress'], `${w.metadata.name} restricts both ways`);
  }
});

t.test('from outside only the ingress controller, to the console; out only to the provider and, for the notifier, the internet', async (t) => {
  for (const w of podOwners) {
    const name = w.metadata.name;
    const [policy] = policiesOf(name).filter((p) => p.metadata.name !== 'default-deny');
    const fromOutside = (specOf(policy!).ingress ?? []).flatMap((r) => r.from ?? []).filter((p) => p.namespaceSelector || p.ipBlock);
    t.same(fromOutside, name === 'console' ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] : [], `${name}: ingress from outside`);
    const outside = (specOf(policy!).egress ?? []).filter((r) => (r.to ?? []).some((p) => p.ipBlock));
    const expected = ['kurrentdb', 'nats', 'eventstore-users'].includes(name) ? [] : name === 'notification' ? ['443', 'any'] : ['443'];
    t.same(outside.map((r) => r.ports?.map((p) => p.port).join(',') ?? 'any'), expected, `${name}: egress beyond the cluster`);
    const internet = outside.find((r) => !r.ports);
    if (internet) t.ok(internet.to?.[0]?.ipBlock?.except?.includes('10.0.0.0/8'), 'the internet rule leaves private ranges closed');
  }
});
