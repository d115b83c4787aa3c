import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeGraph, podReferences } from './node-graph.js';
import { NodeAuthorizer, nodeNameOf } from './node-authorizer.js';
import { AuthorizerChain, MastersAuthorizer } from './authorizers.js';
import type { Authorizer, RequestAttributes, UserInfo } from './user.js';
import type { Pod } from '../../api/types/index.js';

const node = (name: string): UserInfo => ({ username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });
const get = (user: UserInfo, resource: string, namespace: string | undefined, name: string | undefined, extra: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user, verb: 'get', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, namespace, name, ...extra,
});

const pod = (name: string, nodeName: string | undefined, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `uid-${name}` },
  spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...spec },
});

describe('NodeGraph', () => {
  it('collects what a pod references: env, envFrom, volumes, projections, pull secrets, service account, claims', () => {
    const refs = podReferences(pod('p', 'n1', {
      serviceAccountName: 'robot',
      imagePullSecrets: [{ name: 'pull' }],
      initContainers: [{ name: 'i', image: 'i', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env-s', key: 'k' } } }] }],
      containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'env-cm' } }] }],
      volumes: [
        { name: 'a', secret: { secretName: 'vol-s' } },
        { name: 'b', projected: { sources: [{ configMap: { name: 'proj-cm' } }, { secret: { name: 'proj-s' } }] } },
        { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'd', csi: { driver: 'x', nodePublishSecretRef: { name: 'csi-s' } } },
      ],
    })).sort();
    assert.deepEqual(refs, [
      'configmap/ns/env-cm', 'configmap/ns/kube-root-ca.crt', 'configmap/ns/proj-cm', 'persistentvolumeclaim/ns/data',
      'secret/ns/csi-s', 'secret/ns/env-s', 'secret/ns/proj-s', 'secret/ns/pull', 'secret/ns/vol-s', 'serviceaccount/ns/robot',
    ]);
    assert.ok(!podReferences(pod('q', 'n1', { automountServiceAccountToken: false })).includes('configmap/ns/kube-root-ca.crt'));
  });

  it('tracks binding, rebinding and deletion, counting pods that share an object', () => {
    const g = new NodeGraph();
    const s = { volumes: [{ name: 'v', secret: { secretName: 's' } }] };
    g.setPod(pod('a', undefined, s));
    assert.equal(g.hasReference('n1', 'secret', 'ns', 's'), false, 'unbound pods give nothing');
    g.setPod(pod('a', 'n1', s));
    g.setPod(pod('b', 'n1', s));
    assert.equal(g.hasReference('n1', 'secret', 'ns', 's'), true);
    g.deletePod('ns/a');
    assert.equal(g.hasReference('n1', 'secret', 'ns', 's'), true, 'b still uses it');
    g.setPod(pod('b', 'n2', s));
    assert.equal(g.hasReference('n1', 'secret', 'ns', 's'), false);
    assert.equal(g.hasReference('n2', 'secret', 'ns', 's'), true);
    assert.equal(g.nodeOfPod('ns', 'b'), 'n2');
    g.deletePod('ns/b');
    assert.equal(g.hasReference('n2', 'secret', 'ns', 's'), false);
    assert.equal(g.podCount, 0);
  });
});

describe('NodeAuthorizer', () => {
  const g = new NodeGraph();
  g.setPod(pod('p', 'n1', { volumes: [{ name: 'v', secret: { secretName: 's' } }, { name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }));
  const authz = new NodeAuthorizer(g, (pv) => (pv === 'pv-1' ? { namespace: 'ns', name: 'data' } : pv === 'pv-2' ? { namespace: 'ns', name: 'other' } : undefined));
  const allowed = (a: RequestAttributes): boolean => authz.authorize(a).allowed;

  it('knows a kubelet only by user and group together', () => {
    assert.equal(nodeNameOf(node('n1')), 'n1');
    assert.equal(nodeNameOf({ username: 'system:node:n1', groups: ['system:authenticated'] }), undefined);
    assert.equal(nodeNameOf({ username: 'jane', groups: ['system:nodes'] }), undefined);
    assert.equal(authz.authorize(get({ username: 'jane', groups: [] }, 'secrets', 'ns', 's')).reason, '', 'no opinion on others');
  });

  it('gives the objects of its pods, one by one', () => {
    assert.equal(allowed(get(node('n1'), 'secrets', 'ns', 's')), true);
    assert.equal(allowed(get(node('n2'), 'secrets', 'ns', 's')), false);
    assert.match(authz.authorize(get(node('n2'), 'secrets', 'ns', 's')).reason, /no relationship found between node 'n2' and this object/);
    assert.equal(allowed(get(node('n1'), 'secrets', 'ns', undefined, { verb: 'list' })), false);
    assert.equal(allowed(get(node('n1'), 'secrets', 'ns', 's', { verb: 'update' })), false);
    assert.equal(allowed(get(node('n1'), 'persistentvolumeclaims', 'ns', 'data')), true);
    assert.equal(allowed(get(node('n1'), 'persistentvolumes', undefined, 'pv-1')), true, 'the PV bound to its claim');
    assert.equal(allowed(get(node('n1'), 'persistentvolumes', undefined, 'pv-2')), false);
    assert.equal(allowed(get(node('n1'), 'serviceaccounts', 'ns', 'default', { verb: 'create', subresource: 'token' })), true);
    assert.equal(allowed(get(node('n1'), 'serviceaccounts', 'ns', 'robot', { verb: 'create', subresource: 'token' })), false);
  });

  it('gives the node rules, and only its own Lease', () => {
    assert.equal(allowed(get(node('n1'), 'pods', undefined, undefined, { verb: 'watch' })), true);
    assert.equal(allowed(get(node('n1'), 'nodes', undefined, 'n2', { verb: 'patch', subresource: 'status' })), true, 'narrowed by NodeRestriction, which sees the object');
    assert.equal(allowed(get(node('n1'), 'pods', 'ns', 'p', { verb: 'create', subresource: 'binding' })), false);
    assert.equal(allowed(get(node('n1'), 'deployments', 'ns', undefined, { verb: 'list', apiGroup: 'apps' })), false);
    const lease = (name: string, namespace = 'kube-node-lease', verb = 'update'): RequestAttributes => get(node('n1'), 'leases', namespace, name, { verb, apiGroup: 'coordination.k8s.io' });
    assert.equal(allowed(lease('n1')), true);
    assert.equal(allowed(lease('n2')), false);
    assert.equal(allowed(lease('n1', 'default')), false);
    assert.equal(allowed(lease('n1', 'kube-node-lease', 'list')), false);
  });

  it('in the server chain: masters pass first, what the Node authorizer allows stops there, the rest goes on', () => {
    const seen: string[] = [];
    const next: Authorizer = { authorize: (a) => (seen.push(a.user.username), { allowed: false, reason: '' }), rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }) };
    const chain = new AuthorizerChain([new MastersAuthorizer(), authz, next]);
    assert.equal(chain.authorize(get(node('n2'), 'secrets', 'ns', 's')).allowed, false);
    assert.equal(chain.authorize(get({ username: 'jane', groups: [] }, 'secrets', 'ns', 's')).allowed, false);
    assert.equal(chain.authorize(get({ username: 'system:node:x', groups: ['system:masters'] }, 'secrets', 'ns', 's')).allowed, true);
    assert.equal(chain.authorize(get(node('n1'), 'leases', 'kube-node-lease', 'n1', { verb: 'update', apiGroup: 'coordination.k8s.io' })).allowed, true);
    assert.deepEqual(seen, ['system:node:n2', 'jane']);
  });
});
