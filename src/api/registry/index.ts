export * from './registry.js';
export * from './write-rules.js';
