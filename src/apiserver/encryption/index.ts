// Encryption at rest (EncryptionConfiguration, apiserver.config.k8s.io/v1): see the API
// server README, "Encryption at rest".
export { loadEncryptionConfig, parseEncryptionConfig, buildEncryptionConfig, defaultEncryptionConfigText, type EncryptionConfig, type EncryptionConfigSpec } from './config.js';
export { ResourceTransformer, ENCRYPTED_PREFIX } from './transformer.js';
export { TransformingStore } from './transforming-store.js';
