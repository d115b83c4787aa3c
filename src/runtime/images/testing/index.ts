// Test support for images, not shipped: the offline test image archives (images/out/*.tar,
// built on demand) and a local OCI registry for pull tests.
export { testImagesDir, testImagePath, ensureTestImages, TEST_IMAGES } from './test-images.js';
export { startRegistry as startTestRegistry, registrySkipReason, type TestRegistry } from './registry-server.js';
