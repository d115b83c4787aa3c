// Clients no one here wrote, driving watches against a real `k8ts server`: the Debian
// Python client (sends `watch=True`), Debian ruby-kubeclient (legacy /watch/ paths) and
// curl (legacy paths, watch-list). Each client runs as a child process with a hard timeout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster.js';

let c: TestCluster;
let certs: { ca: string; crt: string; key: string };

before(async () => {
  c = await startCluster({ extraArgs: ['--runtime', 'simulated', '--disable', 'controllers,scheduler'] });
  // The clients get the admin identity as files, written from the kubeconfig's data fields.
  const kc = readFileSync(c.kubeconfig, 'utf8');
  const field = (name: string): string => {
    const m = new RegExp(`${name}: (\\S+)`).exec(kc);
    assert.ok(m, `kubeconfig has no ${name}`);
    return Buffer.from(m[1], 'base64').toString('utf8');
  };
  certs = { ca: join(c.dataDir, 'client-ca.crt'), crt: join(c.dataDir, 'client.crt'), key: join(c.dataDir, 'client.key') };
  writeFileSync(certs.ca, field('certificate-authority-data'));
  writeFileSync(certs.crt, field('client-certificate-data'));
  writeFileSync(certs.key, field('client-key-data'), { mode: 0o600 });
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, HOME: c.dataDir } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function curl(path: string, extra: string[] = [], timeoutMs = 15_000): Promise<Run> {
  return run('curl', ['-sS', '-N', '--cacert', certs.ca, '--cert', certs.crt, '--key', certs.key, ...extra, `${c.url}${path}`], timeoutMs);
}

const PYTHON = `
import json, sys, threading
from kubernetes import client, watch
url, ca, crt, key = sys.argv[1:5]
cfg = client.Configuration()
cfg.host, cfg.ssl_ca_cert, cfg.cert_file, cfg.key_file = url, ca, crt, key
api = client.CoreV1Api(client.ApiClient(cfg))
api.create_namespaced_config_map('default', {'metadata': {'name': 'py-cm'}, 'data': {'v': '1'}})
seen, started = [], []
def change():
    api.patch_namespaced_config_map('py-cm', 'default', {'data': {'v': '2'}})
w = watch.Watch()
for ev in w.stream(api.list_namespaced_config_map, 'default', timeout_seconds=5):
    o = ev['object']
    seen.append([ev['type'], o.metadata.name, (o.data or {}).get('v')])
    if o.metadata.name == 'py-cm' and not started:
        started.append(1)
        threading.Thread(target=change).start()
    if ev['type'] == 'MODIFIED' and o.metadata.name == 'py-cm':
        w.stop()
print(json.dumps(seen))
`;

const RUBY = `
require 'kubeclient'
require 'json'
url, ca, crt, key = ARGV
ssl = { ca_file: ca, client_cert: OpenSSL::X509::Certificate.new(File.read(crt)), client_key: OpenSSL::PKey.read(File.read(key)), verify_ssl: OpenSSL::SSL::VERIFY_PEER }
k = Kubeclient::Client.new(url + '/api', 'v1', ssl_options: ssl, timeouts: { open: 5, read: 10 })
k.create_config_map(Kubeclient::Resource.new(metadata: { name: 'rb-cm', namespace: 'default' }, data: { v: '1' }))
k.create_config_map(Kubeclient::Resource.new(metadata: { name: 'rb-other', namespace: 'default' }, data: { v: '1' }))
out = {}
[['collection', {}], ['named', { name: 'rb-cm' }]].each do |label, opts|
  seen = []
  w = k.watch_config_maps(**{ namespace: 'default' }.merge(opts))
  patched = false
  w.each do |n|
    seen << [n.type, n.object.metadata.name, n.object.data && n.object.data.v]
    if n.object.metadata.name == 'rb-cm' && !patched
      patched = true
      Thread.new { k.patch_config_map('rb-cm', { data: { v: label } }, 'default') }
    end
    w.finish if n.type == 'MODIFIED' && n.object.metadata.name == 'rb-cm'
  end
  out[label] = seen
end
puts JSON.generate(out)
`;

describe('watches from real clients', () => {
  it('python3-kubernetes: watch.Watch().stream receives ADDED then MODIFIED (watch=True)', { timeout: 60_000 }, async () => {
    const r = await run('/usr/bin/python3', ['-c', PYTHON, c.url, certs.ca, certs.crt, certs.key], 40_000);
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as Array<[string, string, string | null]>;
    const mine = seen.filter((e) => e[1] === 'py-cm').map((e) => `${e[0]}:${e[2]}`);
    assert.deepEqual(mine, ['ADDED:1', 'MODIFIED:2'], r.stdout);
  });

  it('ruby kubeclient 4.9: watches over the legacy /watch/ paths, collection and single object', { timeout: 60_000 }, async () => {
    const r = await run('ruby', ['-e', RUBY, c.url, certs.ca, certs.crt, certs.key], 40_000);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, Array<[string, string, string]>>;
    const coll = out.collection.map((e) => `${e[0]}:${e[1]}:${e[2]}`);
    assert.ok(coll.includes('ADDED:rb-cm:1') && coll.includes('ADDED:rb-other:1'), coll.join(' '));
    assert.equal(coll[coll.length - 1], 'MODIFIED:rb-cm:collection');
    // The single-object watch sees that object only.
    assert.deepEqual(out.named.map((e) => `${e[0]}:${e[1]}:${e[2]}`), ['ADDED:rb-cm:collection', 'MODIFIED:rb-cm:named']);
  });

  it('curl: legacy watch paths stream chunked events; others answer upstream Statuses', { timeout: 60_000 }, async () => {
    await c.k(['create', 'configmap', 'curl-cm', '--from-literal=v=1']);
    await c.k(['create', 'namespace', 'curl-ns']);
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'curl-lease', namespace: 'curl-ns' }, spec: { holderIdentity: 'me' } };
    await c.k(['apply', '-f', '-'], { input: JSON.stringify(lease) });
    const lines = (s: string): Array<{ type: string; object: { metadata: { name: string; annotations?: Record<string, string> } } }> =>
      s.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

    const coll = await curl('/api/v1/watch/namespaces/default/configmaps?timeoutSeconds=1', ['-D', '-']);
    assert.equal(coll.code, 0, coll.stderr);
    assert.match(coll.stdout, /^HTTP\/1\.1 200/);
    assert.match(coll.stdout, /transfer-encoding: chunked/i);
    assert.ok(lines(coll.stdout).some((e) => e.type === 'ADDED' && e.object.metadata.name === 'curl-cm'), coll.stdout);

    const one = await curl('/api/v1/watch/namespaces/default/configmaps/curl-cm?timeoutSeconds=1');
    assert.deepEqual(lines(one.stdout).map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:curl-cm']);

    const all = await curl('/api/v1/watch/configmaps?timeoutSeconds=1');
    assert.ok(lines(all.stdout).some((e) => e.object.metadata.name === 'curl-cm'), all.stdout);

    const grouped = await curl('/apis/coordination.k8s.io/v1/watch/namespaces/curl-ns/leases/curl-lease?timeoutSeconds=1');
    assert.deepEqual(lines(grouped.stdout).map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:curl-lease']);

    const groupedAll = await curl('/apis/coordination.k8s.io/v1/watch/leases?timeoutSeconds=1');
    assert.ok(lines(groupedAll.stdout).some((e) => e.object.metadata.name === 'curl-lease'), groupedAll.stdout);

    // Watch-list through the ordinary path: initial events, then the end bookmark.
    const wl = await curl('/api/v1/namespaces/curl-ns/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1');
    const evs = lines(wl.stdout);
    const last = evs[evs.length - 1];
    assert.equal(last?.type, 'BOOKMARK', wl.stdout);
    assert.equal(last.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    assert.ok(evs.slice(0, -1).every((e) => e.type === 'ADDED'));

    const badInt = await curl('/api/v1/namespaces/default/configmaps?limit=ten', ['-w', '\n%{http_code}']);
    assert.match(badInt.stdout, /query parameter \\"limit\\"/);
    assert.match(badInt.stdout, /\n400$/);
    const post = await curl('/api/v1/watch/namespaces/default/configmaps', ['-X', 'POST', '-w', '\n%{http_code}']);
    assert.match(post.stdout, /\n405$/);
  });

  it('kubectl 1.32 explain --output plaintext-openapiv2 reads the protobuf /openapi/v2', { timeout: 60_000 }, async () => {
    const out = await c.k(['explain', '--output', 'plaintext-openapiv2', 'deployments.spec.template.spec.containers.ports']);
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /VERSION:\s+apps\/v1/);
    assert.match(out, /containerPort\s+<integer>/);
    const pods = await c.k(['explain', '--output', 'plaintext-openapiv2', 'pods.spec.volumes.secret.defaultMode']);
    assert.match(pods, /defaultMode\s+<integer>/);
  });
});
