import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admitNodeRestriction, isKubeletLabel, type AdmissionAttributes } from './node-restriction.js';
import type { KObject, Pod } from '../../api/types/index.js';

const n1 = { username: 'system:node:n1', groups: ['system:nodes'] };
const pods: Record<string, Pod> = {
  'ns/mine': { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mine', namespace: 'ns', uid: 'u1' }, spec: { nodeName: 'n1', containers: [] } },
  'ns/theirs': { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'theirs', namespace: 'ns', uid: 'u2' }, spec: { nodeName: 'n2', containers: [] } },
};
const lookup = (ns: string, name: string): Pod | undefined => pods[`${ns}/${name}`];

/** The 403 message, or '' when admitted. */
function verdict(a: Partial<AdmissionAttributes>): string {
  try {
    admitNodeRestriction({ user: n1, operation: 'UPDATE', group: '', resource: 'nodes', ...a }, lookup);
    return '';
  } catch (e) {
    assert.equal((e as { code?: number }).code, 403);
    return (e as Error).message;
  }
}

const nodeObj = (labels: Record<string, string>, taints: unknown[] = []): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels }, spec: { taints } });

describe('NodeRestriction', () => {
  it('lets anyone but nodes through', () => {
    assert.equal(verdict({ user: { username: 'jane', groups: [] }, name: 'n2' }), '');
  });

  it('own Node only; no taint changes; labels only from the kubelet set', () => {
    assert.match(verdict({ name: 'n2' }), /nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"/);
    assert.equal(verdict({ name: 'n1', object: nodeObj({ 'kubernetes.io/os': 'linux', 'example.com/x': 'y', 'node.kubernetes.io/instance-type': 'big' }), oldObject: nodeObj({}) }), '');
    assert.match(verdict({ name: 'n1', object: nodeObj({ 'node-role.kubernetes.io/control-plane': '' }), oldObject: nodeObj({}) }), /not allowed to set the following labels: node-role\.kubernetes\.io\/control-plane/);
    assert.match(verdict({ name: 'n1', object: nodeObj({}), oldObject: nodeObj({ 'node-restriction.kubernetes.io/pool': 'a' }) }), /not allowed to modify labels: node-restriction\.kubernetes\.io\/pool/);
    assert.equal(verdict({ name: 'n1', object: nodeObj({ 'node-role.kubernetes.io/x': '' }), oldObject: nodeObj({ 'node-role.kubernetes.io/x': '' }) }), '', 'unchanged labels are fine');
    assert.match(verdict({ name: 'n1', object: nodeObj({}, [{ key: 'k', effect: 'NoSchedule' }]), oldObject: nodeObj({}) }), /not allowed to modify taints/);
    assert.equal(verdict({ operation: 'CREATE', object: nodeObj({}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]) }), '', 'registering with taints is fine');
    assert.equal(verdict({ name: 'n1', subresource: 'status', object: nodeObj({ x: 'changed' }, [{ key: 'k' }]), oldObject: nodeObj({}) }), '', 'status writes are not checked for labels');
    assert.ok(isKubeletLabel('kubelet.kubernetes.io/x') && isKubeletLabel('foo.node.kubernetes.io/x') && !isKubeletLabel('k8s.io/x') && isKubeletLabel('plain'));
  });

  it('mirror pods for itself only, without API objects; status, delete and eviction of its own pods only', () => {
    const mirror = (spec: Partial<NonNullable<Pod['spec']>> = {}, node = 'n1'): Pod => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'm', namespace: 'ns', annotations: { 'kubernetes.io/config.mirror': 'h' } },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }], ...spec },
    });
    const create = (object: KObject): string => verdict({ operation: 'CREATE', resource: 'pods', namespace: 'ns', object });
    assert.equal(create(mirror()), '');
    assert.match(create({ ...mirror(), metadata: { name: 'm', namespace: 'ns' } }), /can only create mirror pods/);
    assert.match(create(mirror({}, 'n2')), /can only create pods with spec\.nodeName set to itself/);
    assert.match(create(mirror({ serviceAccountName: 'x' })), /service account/);
    assert.match(create(mirror({ volumes: [{ name: 'v', secret: { secretName: 's' } }] })), /reference secrets, configmaps, or persistentvolumeclaims/);
    assert.equal(verdict({ resource: 'pods', subresource: 'status', namespace: 'ns', name: 'mine', oldObject: pods['ns/mine'] }), '');
    assert.match(verdict({ resource: 'pods', subresource: 'status', namespace: 'ns', name: 'theirs', oldObject: pods['ns/theirs'] }), /can only update pods with spec\.nodeName set to itself/);
    assert.match(verdict({ operation: 'DELETE', resource: 'pods', namespace: 'ns', name: 'theirs', oldObject: pods['ns/theirs'] }), /can only delete pods/);
    assert.match(verdict({ operation: 'CREATE', resource: 'pods', subresource: 'eviction', namespace: 'ns', name: 'theirs' }), /can only evict pods/);
    assert.match(verdict({ resource: 'pods', namespace: 'ns', name: 'mine', oldObject: pods['ns/mine'] }), /can only update pod status/);
  });

  it('tokens bound to its own pods, for their service account; its own Lease', () => {
    const token = (ref: unknown, sa = 'default'): string => verdict({ operation: 'CREATE', resource: 'serviceaccounts', subresource: 'token', namespace: 'ns', name: sa, object: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { boundObjectRef: ref } } as KObject });
    assert.equal(token({ kind: 'Pod', name: 'mine', uid: 'u1' }), '');
    assert.match(token({ kind: 'Pod', name: 'mine', uid: 'old' }), /does not match the UID in record/);
    assert.match(token({ kind: 'Pod', name: 'theirs' }), /scheduled on a different node/);
    assert.match(token({ kind: 'Pod', name: 'gone' }), /does not exist/);
    assert.match(token(undefined), /not bound to a pod/);
    assert.match(token({ kind: 'Secret', name: 's' }), /only pods are allowed/);
    assert.match(token({ kind: 'Pod', name: 'mine' }, 'robot'), /uses "default"/);
    const lease = (namespace: string, name: string): string => verdict({ operation: 'CREATE', group: 'coordination.k8s.io', resource: 'leases', namespace, object: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } } });
    assert.equal(lease('kube-node-lease', 'n1'), '');
    assert.match(lease('kube-node-lease', 'n2'), /not allowed to modify lease kube-node-lease\/n2/);
  });
});
