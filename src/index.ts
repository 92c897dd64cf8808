export * from './contracts/index.js';
export type * from './datasets/types.js';
export type * from './llm/types.js';
export type * from './mas/types.js';
export type * from './tasks/types.js';
