// Public surface of src/api/patch: every PATCH type the API server accepts,
// server-side apply, and managedFields bookkeeping. All functions are pure.

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS, MAX_JSON_PATCH_COPY_BYTES, type JsonPatchLimits } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export { serverSideApply, type ApplyOptions, type ApplyResult } from './apply.js';
export { patchObject, applyObject, MAX_PATCHED_OBJECT_BYTES, type PatchType, type PatchTarget, type ApplyObjectOptions } from './patch-object.js';
export {
  computeManagedFieldsForUpdate,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentity,
  type ManagerEntry,
  type TrackingOptions,
  type UpdateManagedFieldsOptions,
} from './managed-fields.js';
export { PatchError, isPatchError, toStatusError, GENERIC_422_MESSAGE, type PatchErrorKind } from './patch-error.js';
export {
  EMPTY_PATCH_SCHEMA,
  childSchema,
  mergeSchemaTrees,
  patchSchemaFromTree,
  schemaAt,
  type ListType,
  type PatchSchema,
  type PatchStrategy,
  type SchemaNode,
  type SmpFieldInfo,
  type SsaFieldInfo,
} from './patch-schema.js';
export { patchSchemaFor, hasBuiltinSchema } from './builtin-schemas.js';
export { patchSchemaFromOpenApi } from './openapi-schema.js';

export { jsonSizeUpTo } from './json-value.js';
export { FieldSet, pathToString } from './field-set.js';
