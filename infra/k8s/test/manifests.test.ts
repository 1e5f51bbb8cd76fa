/**
 * The synthesized manifests: every object valid against the Kubernetes JSON schemas
 * (kubernetes-models), probes on the services' real health routes, requests and limits, and
 * every variable set one that the service's own configuration accepts.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import Fastify from 'fastify';
import { EventStoreDBClient } from '@eventstore/db-client';
import { Yaml } from 'cdk8s';
import t from 'tap';
import { discoverServices, readEventStoreUsersConfig } from '@cfund/infra';
import { healthRoutes } from '@cfund/service-kit';
import { EVENT_STORE_USERS_VARIABLES, LIVENESS_PATH, READINESS_PATH, deployment, eventStoreConnectionString, loadSettings, natsConfig, serviceWorkloads, type ServiceWorkload } from '../src/index.js';
import { find, jobs, objects, podOwners, settings, templateOf, workloads, type K8sObject, type PodTemplate } from './deployment.js';

type Model = new (data: unknown) => { validate(): void };

/** The kubernetes-models class of an object (its module is named by apiVersion and kind). */
async function modelOf(o: { apiVersion: string; kind: string }): Promise<Model> {
  const module = (await import(`kubernetes-models/${o.apiVersion}/${o.kind}`)) as Record<string, Model>;
  const model = module[o.kind];
  if (!model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  return model;
}

t.test('every object is valid against the Kubernetes schema of its kind', async (t) => {
  const kinds = new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`));
  t.same([...kinds].sort(), [
    'apps/v1/Deployment', 'apps/v1/StatefulSet', 'batch/v1/Job', 'networking.k8s.io/v1/NetworkPolicy', 'policy/v1/PodDisruptionBudget',
    'v1/ConfigMap', 'v1/Namespace', 'v1/Service',
  ]);
  for (const o of objects) {
    const Model = await modelOf(o);
    t.doesNotThrow(() => new Model(o).validate(), `${o.kind} ${o.metadata.name}`);
  }
  // The check can fail: a wrong type is refused.
  const command = find('Deployment', 'command');
  const Deployment = await modelOf(command);
  t.throws(() => new Deployment({ ...command, spec: { ...command.spec, replicas: 'two' } }).validate(), /replicas/);
});

t.test('no Secret is generated and no secret value sits in a ConfigMap', async (t) => {
  t.equal(objects.filter((o) => o.kind === 'Secret').length, 0);
  for (const o of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const key of Object.keys(o.data ?? {})) t.notMatch(key, /PASSWORD|SECRET|CONNECTION_STRING|SMTP_URL|FUND_ACCOUNTS/, `${o.metadata.name}: ${key}`);
  }
});

t.test('every container has liveness and readiness probes on a port it listens on, requests and limits', async (t) => {
  t.equal(workloads.length, 6);
  for (const w of workloads) {
    for (const c of templateOf(w).spec.containers) {
      const name = `${w.kind} ${w.metadata.name}/${c.name}`;
      const ports = (c.ports ?? []).map((p) => p.containerPort);
      for (const probe of [c.livenessProbe, c.readinessProbe]) {
        t.ok(probe?.httpGet, `${name}: probe`);
        t.ok(ports.includes(Number(probe?.httpGet?.port)), `${name}: probe port ${probe?.httpGet?.port} is a container port`);
      }
      for (const resource of ['cpu', 'memory']) {
        t.ok(c.resources?.requests?.[resource], `${name}: ${resource} request`);
        t.ok(c.resources?.limits?.[resource], `${name}: ${resource} limit`);
      }
    }
  }
});

/** What the `restricted` Pod Security Standard (enforced on the namespace) requires of a pod; the API server refuses others. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

t.test('every pod meets the restricted Pod Security Standard its namespace enforces', async (t) => {
  t.equal(find('Namespace', settings.K8S_NAMESPACE).metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  for (const w of podOwners) {
    const pod = templateOf(w).spec as PodTemplate['spec'] & { securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } } };
    t.equal(pod.securityContext?.runAsNonRoot, true, `${w.metadata.name}: non-root`);
    t.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${w.metadata.name}: seccomp`);
    for (const v of pod.volumes ?? []) t.ok(Object.keys(v).some((k) => RESTRICTED_VOLUMES.has(k)), `${w.metadata.name}: volume ${v.name}`);
    for (const c of pod.containers as (PodTemplate['spec']['containers'][number] & { securityContext?: { allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[]; add?: string[] } } })[]) {
      t.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w.metadata.name}/${c.name}: no privilege escalation`);
      t.same(c.securityContext?.capabilities, { drop: ['ALL'] }, `${w.metadata.name}/${c.name}: no capabilities`);
    }
  }
});

t.test('the services are probed on the routes service-kit serves, at the port of their configuration', async (t) => {
  const app = Fastify();
  // An event store nobody listens on: /ready exists and answers 503.
  const client = EventStoreDBClient.connectionString`esdb://127.0.0.1:1?tls=false`;
  t.teardown(async () => { await app.close(); await client.dispose(); });
  await app.register(healthRoutes, { client, isClosing: () => false });
  t.equal((await app.inject({ url: LIVENESS_PATH })).statusCode, 200);
  t.equal((await app.inject({ url: READINESS_PATH })).statusCode, 503);
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 404, 'a wrong path would be caught');

  for (const service of serviceWorkloads(settings)) {
    const c = templateOf(find(service.kind, service.name)).spec.containers[0]!;
    t.same([c.livenessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.path], [LIVENESS_PATH, READINESS_PATH], service.name);
    t.equal(c.livenessProbe?.httpGet?.port, (service.loadConfig({}) as { PORT: number }).PORT, `${service.name}: the port of its configuration`);
  }
});

/** A file that stands for the CA mounted in a pod (the configuration checks that it exists). */
const caFile = join(mkdtempSync(join(tmpdir(), 'cfund-k8s-ca-')), 'ca.crt');
writeFileSync(caFile, 'a CA certificate');
t.teardown(() => rmSync(dirname(caFile), { recursive: true, force: true }));

/** Example values of the variables that come from Secrets (the manifests name them only). */
const SECRET_EXAMPLES: Record<string, string> = {
  ESDB_CONNECTION_STRING: eventStoreConnectionString(settings, 'projection', 'p@ss/word', caFile),
  NATS_PASSWORD: 'example-password-of-24-chars',
  FUND_ACCOUNTS: JSON.stringify({ RS: { name: 'Fond', iban: 'RS35260005601001611379', bic: 'AIKBRS22' } }),
  SMTP_URL: 'smtps://mailer:example@mail.example.org:465',
  OIDC_CLIENT_SECRET: 'example-client-secret',
};

/** Where the services mount the NATS servers' CA (the Secret cfund-nats-ca). */
const NATS_CA_MOUNT = '/etc/cfund/nats-ca';

/**
 * The environment a service's pod gets, with example values for what comes from Secrets, and the
 * stand-in file for the NATS CA (checked to be mounted from its Secret in its own test).
 */
function environmentOf(service: ServiceWorkload, pod: K8sObject): Record<string, string> {
  const c = templateOf(pod).spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (!from.configMapRef) throw new Error(`${service.name}: envFrom other than a ConfigMap`);
    Object.assign(env, find('ConfigMap', from.configMapRef.name).data);
  }
  for (const e of c.env ?? []) {
    // A pod's name, for a field of the pod.
    const example = e.valueFrom?.secretKeyRef ? SECRET_EXAMPLES[e.name] : e.valueFrom?.fieldRef ? `${service.name}-1` : e.value;
    if (example === undefined) throw new Error(`${service.name}: no example value for ${e.name}`);
    env[e.name] = example;
  }
  if (env.NATS_TLS_CA_FILE?.startsWith(`${NATS_CA_MOUNT}/`)) env.NATS_TLS_CA_FILE = caFile;
  return env;
}

/** The variables of `env` that the service's configuration does not read. */
const unknownVariables = (service: ServiceWorkload, env: Record<string, string>): string[] =>
  Object.keys(env).filter((name) => !service.variables.includes(name));

t.test('every variable set is one the service\'s own configuration accepts, with a valid value', async (t) => {
  for (const service of serviceWorkloads(settings)) {
    const env = environmentOf(service, find(service.kind, service.name));
    t.doesNotThrow(() => service.loadConfig(env), `${service.name}: the configuration parses`);
    t.same(unknownVariables(service, env), [], `${service.name}: every variable is known`);
    const secretRefs = (templateOf(find(service.kind, service.name)).spec.containers[0]!.env ?? []).filter((e) => !e.valueFrom?.fieldRef).map((e) => e.valueFrom?.secretKeyRef);
    t.ok(secretRefs.every((ref) => ref?.name === `cfund-${service.name}`), `${service.name}: secrets from cfund-${service.name}`);
  }
  const command = serviceWorkloads(settings).find((s) => s.name === 'command')!;
  t.same(unknownVariables(command, { NATS_STREAM_REPLICA: '3' }), ['NATS_STREAM_REPLICA'], 'a misspelt variable is caught');
  t.throws(() => command.loadConfig({ DOCUMENT_STORE: 'disk' }), /DOCUMENT_STORE/, 'a wrong value is caught');
  // The connection string the README and synth:k8s give names the CA file where the pods mount it.
  t.throws(() => command.loadConfig({ ESDB_CONNECTION_STRING: eventStoreConnectionString(settings, 'command', 'x') }), /ESDB_CONNECTION_STRING: its tlsCAFile does not exist/);
  t.match(eventStoreConnectionString(settings, 'command', 'x'), /tlsCAFile=\/etc\/cfund\/kurrentdb-ca\/ca\.crt$/);
});

t.test('every service under services/ is deployed, with the entry point of its package.json', async (t) => {
  const dir = new URL('../../../services', import.meta.url).pathname;
  const deployed = serviceWorkloads(settings);
  const specs = discoverServices(dir);
  t.same(specs.map((s) => s.name).sort(), deployed.map((s) => s.name).sort());
  for (const s of deployed) {
    const spec = specs.find((p) => p.name === s.name)!;
    const c = templateOf(find(s.kind, s.name)).spec.containers[0] as { command?: string[]; workingDir?: string };
    t.same([c.workingDir, ...(c.command ?? [])], [`/app/services/${s.name}`, 'node', relative(spec.dir, spec.entry)], s.name);
  }
});

t.test('KurrentDB: three nodes on three hosts, one down at most, a volume each, TLS from a Secret', async (t) => {
  const set = find('StatefulSet', 'kurrentdb');
  const spec = set.spec as { replicas: number; volumeClaimTemplates: unknown[]; template: { spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { topologyKey: string }[] } } } } };
  t.equal(spec.replicas, 3);
  t.equal(spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]?.topologyKey, 'kubernetes.io/hostname');
  t.equal(spec.volumeClaimTemplates.length, 1);
  t.same((find('PodDisruptionBudget', 'kurrentdb').spec as { maxUnavailable: number }).maxUnavailable, 1);
  const c = templateOf(set).spec.containers[0]!;
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
  t.equal(env.KURRENTDB_CLUSTER_SIZE, '3');
  t.match(env.KURRENTDB_CERTIFICATE_FILE, /^\/etc\/kurrentdb\/node\//);
  t.notOk('KURRENTDB_INSECURE' in env);
  t.same(templateOf(set).spec.volumes?.filter((v) => v.secret).map((v) => v.secret?.secretName), ['cfund-kurrentdb-tls', 'cfund-kurrentdb-tls']);
  // The services mount the CA only, never the node's key.
  for (const s of serviceWorkloads(settings)) {
    const secrets = templateOf(find(s.kind, s.name)).spec.volumes?.map((v) => v.secret?.secretName) ?? [];
    t.notOk(secrets.includes('cfund-kurrentdb-tls'), `${s.name} does not mount the node key`);
  }
});

t.test('the projection: two instances, each with a volume and a durable consumer of its own', async (t) => {
  const set = find('StatefulSet', 'projection');
  t.equal((set.spec as { replicas: number }).replicas, 2);
  t.equal((set.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates.length, 1);
  const env = templateOf(set).spec.containers[0]!.env ?? [];
  t.same(env.find((e) => e.name === 'PROJECTION_DURABLE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
});

t.test('the notification service: two instances, each with a volume, a durable consumer and a name in the sending lease of its own', async (t) => {
  const set = find('StatefulSet', 'notification');
  t.equal((set.spec as { replicas: number }).replicas, 2);
  t.equal((set.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates.length, 1);
  const env = templateOf(set).spec.containers[0]!.env ?? [];
  for (const name of ['NOTIFICATION_DURABLE', 'NOTIFICATION_INSTANCE']) {
    t.same(env.find((e) => e.name === name)?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } }, name);
  }
});

t.test('NATS: three servers on three hosts, one down at most, a volume each', async (t) => {
  const spec = find('StatefulSet', 'nats').spec as { replicas: number; volumeClaimTemplates: unknown[] };
  t.equal(spec.replicas, 3);
  t.equal(spec.volumeClaimTemplates.length, 1);
  t.same((find('PodDisruptionBudget', 'nats').spec as { maxUnavailable: number }).maxUnavailable, 1);
});

t.test('synthesis writes one YAML file per chart that reads back to the same objects', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfund-k8s-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  deployment(settings, dir).synth();
  const files = readdirSync(dir).sort();
  t.same(files, ['command', 'console', 'eventstore-users', 'kurrentdb', 'namespace', 'nats', 'notification', 'projection', 'shared'].map((f) => `${f}.yaml`));
  const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
  const byKey = (list: K8sObject[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
  t.same(byKey(files.flatMap((f) => Yaml.load(join(dir, f)) as K8sObject[])), byKey(objects));
});

t.test('NATS speaks TLS: the servers mount their certificate, the services only the CA and connect with tls://', async (t) => {
  const nats = templateOf(find('StatefulSet', 'nats')).spec;
  const natsSecrets = (nats.volumes ?? []).filter((v) => v.secret).map((v) => v.secret?.secretName);
  t.same(natsSecrets, ['cfund-nats-tls']);
  const natsMounts = nats.containers[0]!.volumeMounts ?? [];
  const tlsMount = natsMounts.find((m) => m.name === (nats.volumes ?? []).find((v) => v.secret?.secretName === 'cfund-nats-tls')?.name);
  t.equal(tlsMount?.readOnly, true);
  const config = natsConfig(settings);
  // Both blocks (clients, routes) name the mounted files; the routes verify the other side.
  t.equal(config.split(`cert_file: "${tlsMount?.mountPath}/tls.crt"`).length - 1, 2, 'clients and routes use the mounted certificate');
  t.match(config, /cluster \{[\s\S]*tls \{[\s\S]*verify: true/);
  t.notMatch(config.slice(0, config.indexOf('cluster {')), /verify: true/, 'clients are not asked for a certificate (they sign in with a password)');
  for (const s of serviceWorkloads(settings).filter((w) => w.name !== 'console')) {
    const pod = templateOf(find(s.kind, s.name)).spec;
    const data = find('ConfigMap', s.name).data ?? {};
    t.match(data.NATS_URL, /^tls:\/\//, `${s.name}: tls:// URL`);
    const volume = (pod.volumes ?? []).find((v) => v.secret?.secretName === 'cfund-nats-ca');
    const mount = pod.containers[0]!.volumeMounts?.find((m) => m.name === volume?.name);
    t.equal(mount?.mountPath, NATS_CA_MOUNT, `${s.name}: the CA mounted`);
    t.equal(data.NATS_TLS_CA_FILE, `${NATS_CA_MOUNT}/ca.crt`, `${s.name}: NATS_TLS_CA_FILE is the mounted CA`);
    t.notOk((pod.volumes ?? []).some((v) => v.secret?.secretName === 'cfund-nats-tls'), `${s.name} does not mount the servers' key`);
  }
});

t.test('the victims\' keys are in the NATS key store: no shared volume, KEY_STORE=nats where keys are used', async (t) => {
  t.equal(objects.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0, 'no ReadWriteMany volume to provide');
  for (const name of ['command', 'projection']) t.equal(find('ConfigMap', name).data?.KEY_STORE, 'nats', name);
  for (const w of podOwners) {
    for (const c of templateOf(w).spec.containers) t.notOk((c.volumeMounts ?? []).some((m) => /keystore/.test(m.mountPath)), `${w.metadata.name}: no key store directory`);
  }
  t.throws(() => loadSettings({ K8S_SHARED_STORAGE_CLASS: 'nfs' }), /K8S_SHARED_STORAGE_CLASS: no longer used/, 'the old setting is refused, not ignored');
});

t.test('a Job creates the services\' event store users: the one-shot\'s variables from its Secret, the CA mounted', async (t) => {
  t.same(jobs.map((j) => j.metadata.name), ['eventstore-users']);
  const pod = templateOf(jobs[0]!).spec as PodTemplate['spec'] & { restartPolicy?: string };
  const c = pod.containers[0]! as PodTemplate['spec']['containers'][number] & { command?: string[]; workingDir?: string };
  t.same([c.workingDir, ...(c.command ?? [])], ['/app/infra', 'node', 'dist/eventstore-users-cli.js']);
  t.ok(existsSync(new URL('../../src/eventstore-users-cli.ts', import.meta.url)), 'the one-shot exists in the workspace (built to dist/)');
  t.equal(pod.restartPolicy, 'OnFailure');
  const env = c.env ?? [];
  t.same(env.map((e) => e.name), EVENT_STORE_USERS_VARIABLES);
  t.ok(env.every((e) => e.valueFrom?.secretKeyRef?.name === 'cfund-eventstore-users' && e.valueFrom.secretKeyRef.key === e.name), 'each from cfund-eventstore-users');
  // With example values for the Secret, the one-shot's own check accepts them; the admin string names the mounted CA.
  const examples = Object.fromEntries(env.map((e) => [e.name, e.name === 'ESDB_ADMIN_CONNECTION_STRING' ? eventStoreConnectionString(settings, 'admin', 'changeit-changeit') : 'a-password-of-24-characters']));
  const parsed = readEventStoreUsersConfig(examples);
  t.same('accounts' in parsed ? parsed.accounts.map((a) => a.service) : parsed.errors, ['command', 'projection', 'notification']);
  const empty = readEventStoreUsersConfig({});
  t.equal('errors' in empty ? empty.errors.length : 0, 4, 'and refuses an empty one, naming each variable');
  const caVolume = (pod.volumes ?? []).find((v) => v.secret?.secretName === 'cfund-kurrentdb-ca');
  t.equal(c.volumeMounts?.find((m) => m.name === caVolume?.name)?.mountPath, '/etc/cfund/kurrentdb-ca');
  t.match(eventStoreConnectionString(settings, 'admin', 'x'), /tlsCAFile=\/etc\/cfund\/kurrentdb-ca\/ca\.crt$/);
});

t.test('a wrong setting stops the synthesis naming the variable', async (t) => {
  t.throws(() => loadSettings({ K8S_NAMESPACE: 'Not_A_Label' }), /K8S_NAMESPACE: must be a DNS label/);
  t.throws(() => loadSettings({ K8S_OIDC_ISSUER: 'http://id.example.org' }), /K8S_OIDC_ISSUER/);
  t.equal(loadSettings({ K8S_NAMESPACE: 'fund', PATH: '/bin' }).K8S_NAMESPACE, 'fund');
});
