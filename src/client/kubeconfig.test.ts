import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeconfigError, loadKubeconfigTransport, parseKubeconfig, selectContext, transportFromKubeconfig } from './kubeconfig.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const multi = `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: { server: 'https://other:6443', certificate-authority-data: ${b64('OTHER CA')} }
- name: k8ts
  cluster: { server: 'https://127.0.0.1:6443', certificate-authority-data: ${b64('CA')} }
users:
- name: other
  user: { token: other-token }
- name: k8ts
  user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }
contexts:
- name: other
  context: { cluster: other, user: other }
- name: k8ts
  context: { cluster: k8ts, user: k8ts, namespace: apps }
current-context: k8ts
`;

test('the current context picks cluster and user by name, not the first entries', { timeout: 5000 }, () => {
  const kc = parseKubeconfig(multi);
  const sel = selectContext(kc);
  assert.equal(sel.contextName, 'k8ts');
  assert.equal(sel.namespace, 'apps');
  assert.deepEqual(transportFromKubeconfig(kc), { kind: 'https', server: 'https://127.0.0.1:6443', ca: 'CA', cert: 'CERT', key: 'KEY', token: undefined, insecureSkipVerify: undefined });
  assert.deepEqual(transportFromKubeconfig(kc, { context: 'other' }), { kind: 'https', server: 'https://other:6443', ca: 'OTHER CA', cert: undefined, key: undefined, token: 'other-token', insecureSkipVerify: undefined });
  assert.throws(() => selectContext(kc, 'nope'), KubeconfigError);
});

test('a file naming no context gives its first cluster and user', { timeout: 5000 }, () => {
  const kc = parseKubeconfig(`clusters:\n- cluster: { server: 'https://a:1', insecure-skip-tls-verify: true }\nusers:\n- user: { token: t }\n`);
  assert.deepEqual(transportFromKubeconfig(kc), { kind: 'https', server: 'https://a:1', ca: undefined, cert: undefined, key: undefined, token: 't', insecureSkipVerify: true });
  assert.throws(() => selectContext(parseKubeconfig('')), /no cluster/);
});

test('certificate files are read relative to the kubeconfig folder', { timeout: 5000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubeconfig-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'FILE CA');
    writeFileSync(join(dir, 'admin.crt'), 'FILE CERT');
    writeFileSync(join(dir, 'admin.key'), 'FILE KEY');
    writeFileSync(join(dir, 'config'), `clusters:\n- name: c\n  cluster: { server: 'https://b:2', certificate-authority: ca.crt }\nusers:\n- name: u\n  user: { client-certificate: ${join(dir, 'admin.crt')}, client-key: admin.key }\ncontexts:\n- name: x\n  context: { cluster: c, user: u }\ncurrent-context: x\n`);
    const t = loadKubeconfigTransport(join(dir, 'config'));
    assert.deepEqual([t.server, t.ca, t.cert, t.key], ['https://b:2', 'FILE CA', 'FILE CERT', 'FILE KEY']);
    writeFileSync(join(dir, 'config2'), `clusters:\n- cluster: { server: 'https://b:2', certificate-authority: missing.crt }\n`);
    assert.throws(() => loadKubeconfigTransport(join(dir, 'config2')), /cannot read the certificate authority/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what is not a kubeconfig is a KubeconfigError', { timeout: 5000 }, () => {
  assert.throws(() => parseKubeconfig('- a\n'), /not a YAML mapping/);
  assert.throws(() => parseKubeconfig('a: [\n'), /not valid YAML/);
  assert.throws(() => parseKubeconfig('clusters: 3\n'), /clusters is not a list/);
  assert.throws(() => transportFromKubeconfig(parseKubeconfig('clusters:\n- cluster: {}\n')), /has no server/);
});
