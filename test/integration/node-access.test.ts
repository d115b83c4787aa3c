// Issue 13, "Node authorizer + NodeRestriction": a kubelet's certificate (system:node:<name>,
// group system:nodes) over real HTTPS reads only what its pods use and writes only its own
// objects.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../src/testing/test-api.js';
import { signLeaf } from '../../src/pki/index.js';
import { RestClient } from '../../src/client/rest-client.js';
import { R } from '../../src/client/resources.js';
import type { KObject } from '../../src/api/types/index.js';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBECTL } from '../helpers/cluster.js';
import { apiCode } from '../helpers/api-code.js';

let api: TestApi;
let n1: RestClient;
let n2: RestClient;
let n1Kubeconfig: string;

async function nodeClient(name: string): Promise<RestClient> {
  const kp = await signLeaf(api.server.pki.ca, { commonName: `system:node:${name}`, organizations: ['system:nodes'], client: true });
  if (name === 'n1') {
    const b64 = (x: string): string => Buffer.from(x).toString('base64');
    n1Kubeconfig = join(api.dataDir, 'n1.kubeconfig');
    writeFileSync(n1Kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${api.url}", certificate-authority-data: ${b64(api.server.pki.ca.cert)}}}]
users: [{name: n1, user: {client-certificate-data: ${b64(kp.cert)}, client-key-data: ${b64(kp.key)}}}]
contexts: [{name: n1, context: {cluster: c, user: n1}}]
current-context: n1
`);
  }
  return new RestClient({ transport: { kind: 'https', server: api.url, ca: api.server.pki.ca.cert, cert: kp.cert, key: kp.key }, userAgent: `test/${name}` });
}

const code = apiCode;

const message = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return '';
  } catch (e) {
    return (e as Error).message;
  }
};

const pod = (name: string, node: string, secret: string, extra: Partial<KObject> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: secret } }] }], volumes: [{ name: 'cm', configMap: { name: `${secret}-cm` } }] },
  ...extra,
});

describe('node credentials reach only their own node', { timeout: 60_000 }, () => {
  before(async () => {
    api = await startTestApi();
    n1 = await nodeClient('n1');
    n2 = await nodeClient('n2');
    for (const n of ['n1', 'n2']) await api.client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    for (const s of ['s1', 's2']) {
      await api.client.create(R.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: s }, data: { k: 'dg==' } });
      await api.client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${s}-cm` }, data: { k: 'v' } });
    }
    await api.client.create(R.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unused' } });
    await api.client.create(R.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }).catch(() => undefined);
    await api.client.create(R.pods, 'default', pod('p1', 'n1', 's1'));
    await api.client.create(R.pods, 'default', pod('p2', 'n2', 's2'));
  });
  after(async () => {
    n1?.close();
    n2?.close();
    await api?.stop();
  });

  it('reads the Secrets and ConfigMaps of its own pods only, and lists none', { timeout: 20_000 }, async () => {
    assert.equal((await n1.get(R.secrets, 'default', 's1')).metadata.name, 's1');
    assert.equal((await n1.get(R.configmaps, 'default', 's1-cm')).metadata.name, 's1-cm');
    assert.equal(await code(n1.get(R.secrets, 'default', 's2')), 403, 'the Secret of a pod on another node');
    assert.equal(await code(n1.get(R.configmaps, 'default', 's2-cm')), 403);
    assert.equal(await code(n1.get(R.secrets, 'default', 'unused')), 403);
    assert.equal(await code(n1.list(R.secrets, 'default')), 403);
    assert.match(await message(n1.get(R.secrets, 'default', 's2')), /secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'n1' and this object/);
    // n2 reads its own.
    assert.equal((await n2.get(R.secrets, 'default', 's2')).metadata.name, 's2');
  });

  it('follows pods as they are bound, rebound and deleted', { timeout: 20_000 }, async () => {
    await api.client.create(R.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3' } });
    await api.client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p3' }, spec: { containers: [{ name: 'c', image: 'busybox' }], imagePullSecrets: [{ name: 's3' }] } });
    assert.equal(await code(n1.get(R.secrets, 'default', 's3')), 403, 'an unbound pod gives no node access');
    await api.client.createSubresource(R.pods, 'default', 'p3', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p3' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } });
    assert.equal(await code(n1.get(R.secrets, 'default', 's3')), 200);
    await api.client.delete(R.pods, 'default', 'p3', { gracePeriodSeconds: 0 });
    assert.equal(await code(n1.get(R.secrets, 'default', 's3')), 403, 'access ends with the pod');
  });

  it('writes only its own Node, and not its taints or restricted labels', { timeout: 20_000 }, async () => {
    assert.equal(await code(n1.patch(R.nodes, undefined, 'n2', 'merge', { metadata: { labels: { x: 'y' } } })), 403, 'patch another node');
    assert.match(await message(n1.patch(R.nodes, undefined, 'n2', 'merge', { metadata: { labels: { x: 'y' } } })), /node "n1" is not allowed to modify node "n2"/);
    assert.equal(await code(n1.patch(R.nodes, undefined, 'n2', 'merge', { status: { phase: 'x' } }, { subresource: 'status' })), 403, "another node's status");
    assert.equal(await code(n1.delete(R.nodes, undefined, 'n2')), 403);
    assert.equal(await code(n1.patch(R.nodes, undefined, 'n1', 'merge', { metadata: { labels: { 'example.com/rack': 'a', 'kubernetes.io/os': 'linux' } } })), 200, 'its own node');
    assert.equal(await code(n1.patch(R.nodes, undefined, 'n1', 'merge', { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } })), 403);
    assert.equal(await code(n1.patch(R.nodes, undefined, 'n1', 'merge', { metadata: { labels: { 'node-restriction.kubernetes.io/x': 'y' } } })), 403);
    assert.equal(await code(n1.patch(R.nodes, undefined, 'n1', 'merge', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } })), 403);
    assert.equal(await code(n1.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n9' } })), 403, 'register another node');
  });

  it('creates only mirror pods bound to itself; updates the status of its own pods only', { timeout: 20_000 }, async () => {
    const plain: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x1' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } };
    assert.equal(await code(n1.create(R.pods, 'default', plain)), 403, 'a pod that is not a mirror pod');
    const mirror = (name: string, node: string): KObject => ({ ...plain, metadata: { name, annotations: { 'kubernetes.io/config.mirror': 'hash' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node, uid: 'u' }] }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(await code(n1.create(R.pods, 'default', mirror('m2', 'n2'))), 403, 'a mirror pod for another node');
    assert.equal(await code(n1.create(R.pods, 'default', mirror('m1', 'n1'))), 200, 'its own mirror pod');
    assert.equal(await code(n1.patch(R.pods, 'default', 'p2', 'merge', { status: { message: 'x' } }, { subresource: 'status' })), 403);
    assert.equal(await code(n1.patch(R.pods, 'default', 'p1', 'merge', { status: { message: 'x' } }, { subresource: 'status' })), 200);
    assert.equal(await code(n1.patch(R.pods, 'default', 'p1', 'merge', { metadata: { labels: { a: 'b' } } })), 403, 'pod spec/metadata');
    assert.equal(await code(n1.delete(R.pods, 'default', 'p2')), 403);
    // Reads kubelets need stay open.
    assert.equal((await n1.list(R.pods, undefined)).items.length > 0, true);
    assert.equal(await code(n1.list(R.services, undefined)), 200);
  });

  it('real kubectl with the node certificate: Forbidden for another node\'s Secret, another node, a plain pod', { timeout: 60_000 }, async () => {
    // Asynchronously: the API server runs in this process.
    const kubectl = (args: string[], stdin?: string): Promise<{ code: number; out: string }> =>
      new Promise((resolve) => {
        const child = execFile(KUBECTL, ['--kubeconfig', n1Kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
        child.stdin?.end(stdin ?? '');
      });
    const own = await kubectl(['get', 'secret', 's1', '-n', 'default', '-o', 'name']);
    assert.equal(own.code, 0, own.out);
    assert.equal(own.out.trim(), 'secret/s1');
    const other = await kubectl(['get', 'secret', 's2', '-n', 'default']);
    assert.equal(other.code, 1);
    assert.match(other.out, /Error from server \(Forbidden\): secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'n1' and this object/);
    const patch = await kubectl(['label', 'node', 'n2', 'x=y']);
    assert.equal(patch.code, 1);
    assert.match(patch.out, /Error from server \(Forbidden\): nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"/);
    const run = await kubectl(['run', 'sneaky', '--image', 'busybox', '-n', 'default', '--overrides', '{"spec":{"nodeName":"n1"}}']);
    assert.equal(run.code, 1);
    assert.match(run.out, /Error from server \(Forbidden\): pods "sneaky" is forbidden: pod does not have "kubernetes.io\/config.mirror" annotation, node "n1" can only create mirror pods/);
    const can = await kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'default']);
    assert.match(can.out.trim(), /^no( - can only get individual resources of this type)?$/);
  });

  it('renews only its own Lease, and mints tokens only for its own pods', { timeout: 20_000 }, async () => {
    const lease = (name: string): KObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });
    assert.equal(await code(n1.create(R.leases, 'kube-node-lease', lease('n1'))), 200);
    assert.equal(await code(n1.create(R.leases, 'kube-node-lease', lease('n2'))), 403);
    assert.equal(await code(n2.create(R.leases, 'kube-node-lease', lease('n2'))), 200);
    assert.equal(await code(n1.get(R.leases, 'kube-node-lease', 'n2')), 403);
    assert.equal(await code(n1.create(R.leases, 'default', { ...lease('n1'), metadata: { name: 'n1', namespace: 'default' } })), 403);
    const p1 = await api.client.get(R.pods, 'default', 'p1');
    const tr = (podName: string, uid?: string): KObject => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { audiences: [], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: podName, uid } } });
    assert.equal(await code(n1.createSubresource(R.serviceaccounts, 'default', 'default', 'token', tr('p1', p1.metadata.uid))), 200);
    assert.equal(await code(n1.createSubresource(R.serviceaccounts, 'default', 'default', 'token', tr('p2'))), 403, "a token for another node's pod");
    assert.equal(await code(n1.createSubresource(R.serviceaccounts, 'default', 'default', 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: {} })), 403, 'an unbound token');
  });
});
