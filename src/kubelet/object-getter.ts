// ConfigMaps, Secrets and ServiceAccounts for env and volumes: from the shared informers'
// caches once they have synced, from the API before that.
import { isNotFound } from '../api/status.js';
import type { KObject } from '../api/types/index.js';
import type { ApiClient, ResourceRef, SharedInformer } from '../client/index.js';
import type { ObjectGetter } from './container/env.js';

export class InformerObjectGetter implements ObjectGetter {
  constructor(
    private readonly client: ApiClient,
    /** Absent: every read is a GET (a kubelet whose credentials may not list these kinds). */
    private readonly informers: { configmaps: SharedInformer; secrets: SharedInformer; serviceaccounts: SharedInformer } | undefined,
    private readonly refs: { configmaps: ResourceRef; secrets: ResourceRef; serviceaccounts: ResourceRef },
  ) {}

  private async get(kind: 'configmaps' | 'secrets' | 'serviceaccounts', ns: string, name: string): Promise<Readonly<KObject> | undefined> {
    const inf = this.informers?.[kind];
    if (inf?.hasSynced()) {
      const o = inf.lister.get(ns, name);
      if (o) return o;
    }
    try {
      return await this.client.get(this.refs[kind], ns, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  configMap(ns: string, name: string): Promise<Readonly<KObject> | undefined> {
    return this.get('configmaps', ns, name);
  }

  secret(ns: string, name: string): Promise<Readonly<KObject> | undefined> {
    return this.get('secrets', ns, name);
  }

  serviceAccount(ns: string, name: string): Promise<Readonly<KObject> | undefined> {
    return this.get('serviceaccounts', ns, name);
  }
}
