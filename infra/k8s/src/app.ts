/** The whole deployment as a cdk8s App: one chart (one YAML file) per part. */
import { App, Chart, YamlOutputType } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { EventStoreUsersChart } from './eventstore-users.js';
import { KurrentDbChart } from './kurrentdb.js';
import { NatsChart } from './nats.js';
import { defaultDeny } from './network.js';
import { ServiceChart } from './service-chart.js';
import { serviceWorkloads } from './services.js';
import type { Settings } from './settings.js';
import { KURRENTDB, NATS, type Listeners } from './topology.js';

export function deployment(settings: Settings, outdir?: string): App {
  const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART, outputFileExtension: '.yaml', ...(outdir ? { outdir } : {}) });
  const services = serviceWorkloads(settings);
  const listeners = {
    kurrentdb: KURRENTDB,
    nats: NATS,
    ...Object.fromEntries(services.map((s) => [s.name, { port: s.port }])),
  } as Listeners;

  const base = new Chart(app, 'namespace', { disableResourceNameHashes: true });
  new k8s.KubeNamespace(base, 'namespace', {
    metadata: {
      name: settings.K8S_NAMESPACE,
      // Every pod here meets the restricted Pod Security Standard.
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'app.kubernetes.io/part-of': 'cfund' },
    },
  });
  const shared = new Chart(app, 'shared', { namespace: settings.K8S_NAMESPACE, disableResourceNameHashes: true });
  defaultDeny(shared);

  new KurrentDbChart(app, settings, listeners);
  new NatsChart(app, settings, listeners);
  new EventStoreUsersChart(app, settings, listeners);
  for (const service of services) new ServiceChart(app, service, settings, listeners);
  return app;
}

/** Every object of the deployment, as the YAML files hold them. */
export const objectsOf = (app: App): Record<string, unknown>[] => app.charts.flatMap((chart) => chart.toJson() as Record<string, unknown>[]);
