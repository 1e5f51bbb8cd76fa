export { deployment, objectsOf } from './app.js';
export { loadSettings, type Settings } from './settings.js';
export { eventStoreConnectionString, serviceWorkloads, type ServiceWorkload } from './services.js';
export { LIVENESS_PATH, READINESS_PATH } from './service-chart.js';
export { natsConfig, NATS_USERS } from './nats.js';
export { REACHES, EXPOSED, SERVICES, callersOf, selectorOf, type Workload } from './topology.js';
