export { Indexer, NAMESPACE_INDEX } from './indexer.js';
export { Reflector, stripManagedFields, type ReflectorSink, type ReflectorOptions } from './reflector.js';
export { ClientSharedInformer, type InformerOptions } from './shared-informer.js';
export { SharedInformerFactory } from './informer-factory.js';
