// The node's Lease in kube-node-lease: created on first renewal, owned by the Node (so it
// goes with it), renewTime bumped every renewal. Conflicts re-read the Lease.
import { isAlreadyExists, isConflict, isNotFound } from '../../api/status.js';
import type { KObject } from '../../api/types/index.js';
import { type ApiClient, type Clock, R } from '../../client/index.js';
import { rfc3339Micro } from '../../util/time.js';
import { NAMESPACE_NODE_LEASE } from '../../api/well-known.js';

export const LEASE_DURATION_SECONDS = 40;

export class NodeLease {
  private current?: KObject;
  nodeUid?: string;

  constructor(private readonly client: ApiClient, private readonly nodeName: string, private readonly clock: Clock) {}

  async renew(): Promise<void> {
    const now = rfc3339Micro(this.clock.now());
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!this.current) this.current = await this.client.get(R.leases, NAMESPACE_NODE_LEASE, this.nodeName);
        const spec = { ...((this.current.spec ?? {}) as object), holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now };
        const metadata = { ...this.current.metadata };
        if (this.nodeUid && !metadata.ownerReferences?.length) metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeUid }];
        this.current = await this.client.update(R.leases, NAMESPACE_NODE_LEASE, { ...this.current, metadata, spec });
        return;
      } catch (e) {
        if (isNotFound(e)) {
          try {
            this.current = await this.client.create(R.leases, NAMESPACE_NODE_LEASE, {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name: this.nodeName, namespace: NAMESPACE_NODE_LEASE, ...(this.nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeUid }] } : {}) },
              spec: { holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now, acquireTime: now },
            });
            return;
          } catch (e2) {
            if (!isAlreadyExists(e2)) throw e2;
          }
        } else if (!isConflict(e)) throw e;
        this.current = undefined;
      }
    }
  }
}
