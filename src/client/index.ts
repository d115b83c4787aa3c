// Surface of client/: what every component codes against — the ApiClient, informer, lister and
// controller-context interfaces and the resource table R. The other packages are surfaces of
// their own, so a loop loads only what it uses: rest-client.ts (the HTTP implementation of
// ApiClient, which only loop entry points construct), controller.ts (the shared controller
// framework, which brings the work queue), leader-election.ts, informers/, workqueue/, events/
// and testing/ (tests only). See scripts/boundaries.json.
export * from './types.js';
export * from './informer-types.js';
export * from './controller-types.js';
export * from './resources.js';
