export * from './user.js';
export * from './authenticators.js';
export * from './authorizers.js';
export * from './sa-tokens.js';
