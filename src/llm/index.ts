export * from './budget.js';
export * from './cache.js';
export * from './client.js';
export * from './config.js';
export * from './errors.js';
export * from './model-ref.js';
export { redactSecrets } from './secrets.js';
export * from './types.js';
