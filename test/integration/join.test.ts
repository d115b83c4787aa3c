// Issue 13, "Join": names and addresses of the API server (or of another node) are refused,
// bootstrap tokens expire and can be deleted (`k8ts token create|list|delete`), node client
// certificates are short-lived and renewed, kubelet serving certificates come from the kubelet
// CA and name only the node, and the agent pins the CA.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { MemoryStore } from '../../src/storage/index.js';
import { startApiServer, adminKubeconfig, type RunningApiServer } from '../../src/apiserver/index.js';
import { RestClient } from '../../src/client/rest-client.js';
import { R } from '../../src/client/resources.js';
import { joinCluster, renewClientCert } from '../../src/cli/agent.js';
import { bootstrapJoinToken, bootstrapTokenSecret, newBootstrapToken } from '../../src/pki/index.js';
import type { KObject } from '../../src/api/types/index.js';

const K8TS = join(process.cwd(), 'bin', 'k8ts');
let dir: string;
let store: MemoryStore;
let api: RunningApiServer;
let admin: RestClient;
let kubeconfig: string;
const password = 'p'.repeat(32);

/** The error message of a refused join ('' when it succeeded). */
async function refusal(token: string, name: string, ip: string, pw = password): Promise<string> {
  try {
    await joinCluster(api.url, token, name, ip, pw);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** Runs bin/k8ts (asynchronously: the API server lives in this process). */
const k8ts = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [K8TS, ...args, '--kubeconfig', kubeconfig], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });

describe('joining a node', { timeout: 90_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-join-'));
    store = new MemoryStore();
    api = await startApiServer({
      store,
      dataDir: dir,
      port: 0,
      bindAddress: '127.0.0.1',
      serviceCIDR: '10.43.0.0/16',
      nodePortRange: { from: 30000, to: 32767 },
      join: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', clusterDNS: '10.43.0.10', serverNodeName: 'control' },
    });
    kubeconfig = join(dir, 'admin.yaml');
    writeFileSync(kubeconfig, adminKubeconfig(api.url, api.pki));
    admin = new RestClient({ transport: { kind: 'https', server: api.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key }, userAgent: 'test/admin' });
  });
  after(async () => {
    admin?.close();
    await api?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a short-lived client certificate and a serving certificate from the kubelet CA naming only the node', { timeout: 20_000 }, async () => {
    const cred = await joinCluster(api.url, api.joinToken!, 'worker-1', '192.168.50.11', password);
    const client = new X509Certificate(cred.clientCert);
    assert.match(client.subject, /CN=system:node:worker-1/);
    const days = (Date.parse(client.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 6 && days <= 7, `client certificate valid for ${days} days`);
    assert.ok(client.verify(new X509Certificate(api.pki.ca.cert).publicKey));
    const serving = new X509Certificate(cred.servingCert);
    assert.ok(serving.verify(new X509Certificate(api.pki.kubeletCa.cert).publicKey), 'signed by the kubelet CA');
    assert.ok(!serving.verify(new X509Certificate(api.pki.ca.cert).publicKey), 'not by the CA clients trust for the API server');
    assert.equal(serving.subjectAltName, 'DNS:worker-1, IP Address:192.168.50.11');
    // The same node joins again with its password.
    assert.equal(await refusal(api.joinToken!, 'worker-1', '192.168.50.11'), '');
  });

  it("refuses the API server's names and addresses, and the Service network", { timeout: 20_000 }, async () => {
    for (const name of ['kubernetes.default.svc', 'kubernetes', 'kubernetes.default.svc.cluster.local', 'localhost', '10.43.0.1', 'web.default.svc'])
      assert.match(await refusal(api.joinToken!, name, '192.168.50.20'), /joining failed \(HTTP 403\): node name ".*" is (one of the API server's names|a cluster Service name|an address in the Service network)/, name);
    assert.match(await refusal(api.joinToken!, 'control', '192.168.50.20'), /node name "control" is the server's own node/, 'even before it registered');
    assert.match(await refusal(api.joinToken!, 'worker-2', '10.43.0.1'), /node address 10\.43\.0\.1 is one of the API server's addresses/);
    assert.match(await refusal(api.joinToken!, 'worker-2', '10.43.7.7'), /node address 10\.43\.7\.7 is in the Service network/);
    assert.match(await refusal(api.joinToken!, 'worker-2', '127.0.0.1'), /node address 127\.0\.0\.1 is one of the API server's addresses/);
  });

  it('refuses a name or an address another node holds', { timeout: 20_000 }, async () => {
    assert.match(await refusal(api.joinToken!, 'worker-1', '192.168.50.11', 'q'.repeat(32)), /HTTP 403\): node name "worker-1" is taken by another node/);
    await admin.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'server-node' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.50.10' }] } } as KObject);
    await admin.patch(R.nodes, undefined, 'server-node', 'merge', { status: { addresses: [{ type: 'InternalIP', address: '192.168.50.10' }] } }, { subresource: 'status' });
    assert.match(await refusal(api.joinToken!, 'server-node', '192.168.50.30'), /node name "server-node" is taken by an existing node/);
    assert.match(await refusal(api.joinToken!, 'worker-3', '192.168.50.10'), /node address 192\.168\.50\.10 is used by node "server-node"/);
  });

  it('accepts bootstrap tokens until they expire or are deleted; the agent pins the CA', { timeout: 20_000 }, async () => {
    const expired = newBootstrapToken();
    await admin.create(R.secrets, 'kube-system', bootstrapTokenSecret(expired, { expiresAt: new Date(Date.now() - 1000) }) as unknown as KObject);
    assert.match(await refusal(bootstrapJoinToken(api.pki.ca.cert, `${expired.id}.${expired.secret}`), 'worker-4', '192.168.50.14'), /the server refused the join token \(the join token is no longer valid: token \w+ expired at/);
    const good = newBootstrapToken();
    await admin.create(R.secrets, 'kube-system', bootstrapTokenSecret(good, { expiresAt: new Date(Date.now() + 3_600_000) }) as unknown as KObject);
    const full = bootstrapJoinToken(api.pki.ca.cert, `${good.id}.${good.secret}`);
    assert.equal(await refusal(full, 'worker-4', '192.168.50.14'), '');
    assert.match(await refusal(`${good.id}.${good.secret}`, 'worker-5', '192.168.50.15'), /--token has no CA hash/, 'a token without the CA hash');
    assert.match(await refusal(bootstrapJoinToken('another CA', `${good.id}.${good.secret}`), 'worker-5', '192.168.50.15'), /presents a CA that does not match the token/);
    await admin.delete(R.secrets, 'kube-system', `bootstrap-token-${good.id}`);
    assert.match(await refusal(full, 'worker-5', '192.168.50.15'), /the server refused the join token \(the join token is not known to this server\)/);
  });

  it('k8ts token create, list and delete', { timeout: 60_000 }, async () => {
    const created = await k8ts(['token', 'create', '--ttl', '2h', '--description', 'for the lab']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const id = token.split('::')[1].split('.')[0];
    const list = await k8ts(['token', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${id} +(1h|2h) +\\S+Z +for the lab$`, 'm'));
    assert.equal(await refusal(token, 'worker-6', '192.168.50.16'), '');
    const del = await k8ts(['token', 'delete', id]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, `token ${id} deleted\n`);
    assert.match(await refusal(token, 'worker-7', '192.168.50.17'), /refused the join token/);
    assert.match((await k8ts(['token', 'create', '--ttl', 'soon'])).stderr, /^k8ts: --ttl must be a duration like 30m, 24h or 7d/);
    assert.match((await k8ts(['token', 'delete', 'abcdef'])).stderr, /^k8ts: no token with ID abcdef/);
  });

  it('renews a client certificate for the node that presents it, and for nobody else', { timeout: 20_000 }, async () => {
    const cred = await joinCluster(api.url, api.joinToken!, 'worker-8', '192.168.50.18', password);
    const renewed = await renewClientCert(cred);
    assert.notEqual(renewed.clientCert, cred.clientCert);
    assert.match(new X509Certificate(renewed.clientCert).subject, /CN=system:node:worker-8/);
    const node = new RestClient({ transport: { kind: 'https', server: api.url, ca: api.pki.ca.cert, cert: cred.clientCert, key: cred.clientKey }, userAgent: 'test/node' });
    try {
      await node.list(R.pods);
      node.setClientCertificate(renewed.clientCert, renewed.clientKey);
      await node.list(R.pods);
    } finally {
      node.close();
    }
    const adminCred = { ...cred, clientCert: api.pki.admin.cert, clientKey: api.pki.admin.key };
    await assert.rejects(renewClientCert(adminCred), /HTTP 401/);
  });
});
