export * from './primitives.js';
export * from './events/index.js';
export * from './personal-data.js';
export * from './payee.js';
export * from './commands.js';
export * from './problem.js';
export * from './demo-users.js';
export { eventJsonSchemas } from './json-schema.js';
export * from './streams.js';
