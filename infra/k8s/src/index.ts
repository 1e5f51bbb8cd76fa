export { deployment, objectsOf } from './app.js';
export { loadSettings, type Settings } from './settings.js';
export { eventStoreConnectionString, serviceWorkloads, type ServiceWorkload } from './services.js';
export { LIVENESS_PATH, READINESS_PATH } from './service-chart.js';
export { natsConfig, NATS_TLS_DIR, NATS_USERS } from './nats.js';
export { REACHES, EXPOSED, JOBS, SERVICES, callersOf, selectorOf, type Workload } from './topology.js';
export { EVENT_STORE_USERS_JOB, EVENT_STORE_USERS_VARIABLES } from './eventstore-users.js';
