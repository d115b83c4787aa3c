// Which class a claim asks for, which class is the default, and whether binding waits for
// a consumer. Pure functions over listed objects.
import { ANN_BETA_STORAGE_CLASS, ANN_SELECTED_NODE, annotation } from './types.js';
import type { PersistentVolumeClaim, StorageClass } from '../../api/types/index.js';
import { ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS, ANNOTATION_IS_DEFAULT_STORAGE_CLASS } from '../../api/well-known.js';

/** The class carries `storageclass.kubernetes.io/is-default-class: "true"` (or the beta key). */
export function isDefaultClass(sc: Readonly<StorageClass>): boolean {
  return annotation(sc, ANNOTATION_IS_DEFAULT_STORAGE_CLASS) === 'true' || annotation(sc, ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS) === 'true';
}

/** The default class: among those marked default, the newest, then the first by name (as upstream). */
export function defaultClass(classes: readonly Readonly<StorageClass>[]): Readonly<StorageClass> | undefined {
  const defaults = classes.filter(isDefaultClass);
  const ts = (sc: Readonly<StorageClass>): number => Date.parse(sc.metadata.creationTimestamp ?? '') || 0;
  defaults.sort((a, b) => ts(b) - ts(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return defaults[0];
}

/** The class the claim names itself: the beta annotation wins over spec.storageClassName; undefined when neither is set. */
export function explicitClaimClassName(claim: Readonly<PersistentVolumeClaim>): string | undefined {
  const beta = annotation(claim, ANN_BETA_STORAGE_CLASS);
  if (beta !== undefined) return beta;
  const name = claim.spec?.storageClassName;
  return name === null || name === undefined ? undefined : name;
}

/**
 * The class the claim is matched and provisioned in. A claim that names no class at all
 * (spec.storageClassName unset, not "") gets the default class when one exists: upstream
 * the DefaultStorageClass admission plugin writes it at create time, and the binder writes
 * it later for claims created before a default existed. "" means "no class".
 */
export function claimClassName(claim: Readonly<PersistentVolumeClaim>, classes: readonly Readonly<StorageClass>[]): string {
  const explicit = explicitClaimClassName(claim);
  if (explicit !== undefined) return explicit;
  return defaultClass(classes)?.metadata.name ?? '';
}

/**
 * Binding waits for a consumer: the class says WaitForFirstConsumer and no node has been
 * selected for the claim yet (once one is, provisioning may go ahead).
 */
export function isDelayBinding(claim: Readonly<PersistentVolumeClaim>, sc: Readonly<StorageClass> | undefined): boolean {
  if (annotation(claim, ANN_SELECTED_NODE) !== undefined) return false;
  return sc?.volumeBindingMode === 'WaitForFirstConsumer';
}
