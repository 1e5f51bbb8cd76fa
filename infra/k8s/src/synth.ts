/** `pnpm synth:k8s`: writes the manifests to infra/k8s/dist/manifests, one file per chart. */
import { fileURLToPath } from 'node:url';
import { eventStoreLogin } from '@cfund/infra';
import { loadConfigOrExit } from '@cfund/service-kit';
import { deployment } from './app.js';
import { eventStoreConnectionString, serviceWorkloads } from './services.js';
import { serviceSecret } from './secrets.js';
import { loadSettings } from './settings.js';

const settings = loadConfigOrExit('synth:k8s', () => loadSettings());
const outdir = fileURLToPath(new URL('../dist/manifests', import.meta.url));
const app = deployment(settings, outdir);
app.synth();
process.stdout.write(`synth:k8s: ${app.charts.length} files in ${outdir} (namespace ${settings.K8S_NAMESPACE})\n`);
process.stdout.write('ESDB_CONNECTION_STRING of each Secret (README: Secrets; PASSWORD: the user\'s password, URL-encoded):\n');
for (const s of serviceWorkloads(settings).filter((w) => (w.secrets as readonly string[]).includes('ESDB_CONNECTION_STRING'))) {
  process.stdout.write(`  ${serviceSecret(s.name)}: ${eventStoreConnectionString(settings, eventStoreLogin(s.name), 'PASSWORD')}\n`);
}
