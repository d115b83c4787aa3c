// PersistentVolumeClaims: status starts Pending; a claim without storageClassName gets the
// default StorageClass (upstream's DefaultStorageClass admission: the class annotated
// storageclass.kubernetes.io/is-default-class=true, the newest if several, then by name).
import type { KObject, PersistentVolumeClaim } from '../../../api/types/index.js';
import type { ResourceDef } from '../../../api/registry/index.js';
import type { RequestContext } from '../../context.js';
import { PhasePendingStrategy } from './simple.js';
import { ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS, ANNOTATION_IS_DEFAULT_STORAGE_CLASS } from '../../../api/well-known.js';


export function pickDefaultClass(classes: ReadonlyArray<Readonly<KObject>>): string | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[ANNOTATION_IS_DEFAULT_STORAGE_CLASS] === 'true' || c.metadata.annotations?.[ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS] === 'true');
  defaults.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  return defaults[0]?.metadata.name;
}

export class PvcStrategy extends PhasePendingStrategy {
  constructor(def: ResourceDef, private readonly storageClasses: () => ReadonlyArray<Readonly<KObject>>) {
    super(def);
  }

  override async prepareForCreate(obj: KObject, ctx: RequestContext): Promise<void> {
    await super.prepareForCreate(obj, ctx);
    const pvc: PersistentVolumeClaim = obj;
    const spec = pvc.spec ?? (pvc.spec = {});
    // An explicit "" means "no class"; only a missing field gets the default.
    if (spec.storageClassName === undefined || spec.storageClassName === null) {
      const def = pickDefaultClass(this.storageClasses());
      if (def) spec.storageClassName = def;
    }
  }
}
