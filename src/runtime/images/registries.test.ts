import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authFromDockerConfig, endpointsFor, parseRegistriesYaml, rewriteRepository } from './registries.js';
import { parseReference } from './reference.js';
import { parseWwwAuthenticate } from './registry.js';

test('parses registries.yaml mirrors, rewrite and configs', () => {
  const cfg = parseRegistriesYaml(`
mirrors:
  docker.io:
    endpoint: ["http://127.0.0.1:5000", "mirror.example:5443/prefix"]
    rewrite:
      "^library/(.*)": "mirrored/$1"
  k8s.gcr.io:
    endpoint: ["http://127.0.0.1:5000"]
configs:
  "mirror.example:5443":
    auth: { username: u, password: p }
    tls: { insecure_skip_verify: true }
`);
  const eps = endpointsFor(cfg, parseReference('nginx:1.14-alpine'));
  assert.deepEqual(eps.map((e) => `${e.origin}${e.apiBase}`), ['http://127.0.0.1:5000/v2', 'https://mirror.example:5443/prefix/v2', 'https://registry-1.docker.io/v2']);
  assert.equal(eps[1]!.insecureSkipVerify, true);
  assert.deepEqual(eps[1]!.auth, { username: 'u', password: 'p' });
  assert.equal(rewriteRepository(eps[0]!, 'library/nginx'), 'mirrored/nginx');
  assert.equal(rewriteRepository(eps[2]!, 'library/nginx'), 'library/nginx');
  assert.deepEqual(endpointsFor(cfg, parseReference('k8s.gcr.io/echoserver:1.4'), undefined, { disableDefaultEndpoint: true }).map((e) => e.origin), ['http://127.0.0.1:5000']);
  assert.deepEqual(endpointsFor(cfg, parseReference('localhost:5001/x')).map((e) => e.origin), ['http://localhost:5001']);
  assert.deepEqual(parseRegistriesYaml(''), { mirrors: {}, configs: {} });
  assert.throws(() => parseRegistriesYaml('mirrors: {a: {endpoint: 3}}'));
});

test('authFromDockerConfig matches hosts like the kubelet', () => {
  const json = JSON.stringify({
    auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret').toString('base64') },
      'registry.example:5000': { username: 'a', password: 'b' },
      '*.gcr.io': { username: 'g', password: 'h', identitytoken: 'idt' },
    },
  });
  assert.deepEqual(authFromDockerConfig(json, 'docker.io'), { username: 'hub', password: 'secret', auth: Buffer.from('hub:secret').toString('base64') });
  assert.equal(authFromDockerConfig(json, 'registry-1.docker.io')?.username, 'hub');
  assert.deepEqual(authFromDockerConfig(json, 'registry.example:5000'), { username: 'a', password: 'b' });
  assert.equal(authFromDockerConfig(json, 'registry.example'), undefined);
  assert.equal(authFromDockerConfig(json, 'k8s.gcr.io')?.identityToken, 'idt');
  assert.equal(authFromDockerConfig('not json', 'docker.io'), undefined);
  // legacy .dockercfg (no "auths")
  assert.equal(authFromDockerConfig({ 'quay.io': { username: 'q', password: 'r' } }, 'quay.io')?.password, 'r');
});

test('parses WWW-Authenticate challenges', () => {
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:library/nginx:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:library/nginx:pull' },
  });
  assert.deepEqual(parseWwwAuthenticate('Basic realm="r"'), { scheme: 'basic', params: { realm: 'r' } });
});
