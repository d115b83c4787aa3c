import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarName, normalizeReference, parseReference } from './reference.js';
import { isImageError } from './errors.js';

const D = 'sha256:' + 'a'.repeat(64);

test('normalizes references like containerd', () => {
  const cases: Array<[string, string]> = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.14', 'docker.io/library/nginx:1.14'],
    ['library/nginx:1.14-alpine', 'docker.io/library/nginx:1.14-alpine'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['k8s.gcr.io/echoserver:1.4', 'k8s.gcr.io/echoserver:1.4'],
    ['localhost:5000/x:y', 'localhost:5000/x:y'],
    ['localhost/x', 'localhost/x:latest'],
    ['127.0.0.1:5000/a/b/c', '127.0.0.1:5000/a/b/c:latest'],
    [`nginx@${D}`, `docker.io/library/nginx@${D}`],
    [`nginx:1.14@${D}`, `docker.io/library/nginx:1.14@${D}`],
  ];
  for (const [i, o] of cases) assert.equal(normalizeReference(i), o, i);
  assert.deepEqual(parseReference('localhost:5000/x:y'), { domain: 'localhost:5000', path: 'x', tag: 'y' });
});

test('familiarName shortens docker.io references', () => {
  assert.equal(familiarName('docker.io/library/nginx:1.14'), 'nginx:1.14');
  assert.equal(familiarName('docker.io/bitnami/redis:7'), 'bitnami/redis:7');
  assert.equal(familiarName('k8s.gcr.io/echoserver:1.4'), 'k8s.gcr.io/echoserver:1.4');
  assert.equal(familiarName(`nginx@${D}`), `nginx@${D}`);
});

test('rejects invalid references', () => {
  for (const bad of ['', 'Nginx', 'UPPER/Case', 'nginx:', 'nginx@sha256:123', 'a//b', 'nginx:bad tag', '-x']) {
    assert.throws(() => parseReference(bad), (e) => isImageError(e, 'ERR_IMAGE_REFERENCE'), bad);
  }
});
