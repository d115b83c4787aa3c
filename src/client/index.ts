// Surface of client/: the API client every component uses — the ApiClient, informer, lister and
// controller-context interfaces, the resource table R and the REST client. Its other packages
// are surfaces of their own, so a loop loads only what it uses: controller.ts (the shared
// controller framework, which brings the work queue), leader-election.ts, informers/,
// workqueue/, events/ and testing/ (tests only). See scripts/boundaries.json.
export * from './types.js';
export * from './informer-types.js';
export * from './controller-types.js';
export * from './resources.js';
export * from './rest-client.js';
