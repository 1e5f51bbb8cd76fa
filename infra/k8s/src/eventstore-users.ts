/**
 * The services' event store users and stream ACLs, as a Job: the image's `eventstore-users`
 * one-shot (the compose file runs the same), as admin. It writes nothing when all is already so,
 * so running it again after an upgrade is safe; until it has run, the services cannot sign in.
 */
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { EVENT_STORE_ADMIN_VARIABLE, EVENT_STORE_SERVICES, eventStorePasswordVariable } from '@cfund/infra';
import { workloadPolicy } from './network.js';
import { NODE_UID, containerSecurity, metadataOf, podSecurity, resources, secretVolume } from './pods.js';
import { EVENT_STORE_USERS_SECRET, KURRENTDB_CA_SECRET } from './secrets.js';
import { APP_ROOT, KURRENTDB_CA_DIR } from './services.js';
import type { Settings } from './settings.js';
import type { Listeners } from './topology.js';

export const EVENT_STORE_USERS_JOB = 'eventstore-users';
/** The variables the one-shot reads, each from the Secret under a key of the same name. */
export const EVENT_STORE_USERS_VARIABLES = [EVENT_STORE_ADMIN_VARIABLE, ...EVENT_STORE_SERVICES.map(eventStorePasswordVariable)];

export class EventStoreUsersChart extends Chart {
  constructor(scope: Construct, settings: Settings, listeners: Listeners) {
    super(scope, EVENT_STORE_USERS_JOB, { namespace: settings.K8S_NAMESPACE, disableResourceNameHashes: true });
    const metadata = metadataOf(EVENT_STORE_USERS_JOB, 'setup');
    new k8s.KubeJob(this, 'job', {
      metadata,
      spec: {
        // The one-shot itself retries for two minutes while the cluster elects a leader; then the Job retries the pod.
        backoffLimit: 10,
        template: {
          metadata: { labels: metadata.labels },
          spec: {
            restartPolicy: 'OnFailure',
            securityContext: podSecurity(NODE_UID),
            automountServiceAccountToken: false,
            containers: [{
              name: EVENT_STORE_USERS_JOB,
              image: settings.K8S_IMAGE,
              workingDir: `${APP_ROOT}/infra`,
              command: ['node', 'dist/eventstore-users-cli.js'],
              env: EVENT_STORE_USERS_VARIABLES.map((name) => ({ name, valueFrom: { secretKeyRef: { name: EVENT_STORE_USERS_SECRET, key: name } } })),
              resources: resources(['50m', '250m'], ['128Mi', '256Mi']),
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'kurrentdb-ca', mountPath: KURRENTDB_CA_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            }],
            volumes: [
              secretVolume('kurrentdb-ca', KURRENTDB_CA_SECRET, { 'ca.crt': 'ca.crt' }),
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
    workloadPolicy(this, EVENT_STORE_USERS_JOB, listeners, settings);
  }
}
