import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { OciImageService } from './image-service.js';
import { ensureTestImages, testImagePath } from './testing/test-images.js';
import { registrySkipReason, startRegistry, freePort, type TestRegistry } from './testing/registry-server.js';
import { isImageError } from './errors.js';
import { MEDIA_OCI_INDEX, sha256Digest } from './oci.js';
import type { RegistriesConfig } from './registries.js';

const built = ensureTestImages();
const skip = 'skip' in built ? built.skip : registrySkipReason() ?? (process.getuid?.() !== 0 ? 'needs root' : false);

let reg: TestRegistry | undefined;
const dirs: string[] = [];
before(async () => {
  if (skip) return;
  reg = await startRegistry();
  reg.push(testImagePath('nginx114'), 'library/nginx:1.14-alpine');
  reg.push(testImagePath('echoserver'), 'echoserver:1.4');
});
after(async () => {
  await reg?.stop();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function service(registries: RegistriesConfig, extra: { disableDefaultEndpoint?: boolean; timeoutMs?: number } = {}) {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-pull-'));
  dirs.push(d);
  return OciImageService.open({ root: path.join(d, 'images'), registries, ...extra });
}

test('pulls library/nginx:1.14-alpine through a docker.io mirror; concurrent pulls share one download', { skip }, async () => {
  const svc = await service({ mirrors: { 'docker.io': { endpoint: [reg!.url] } }, configs: {} });
  const t0 = performance.now();
  const p1 = svc.pullImage({ ref: 'library/nginx:1.14-alpine' });
  const p2 = svc.pullImage({ ref: 'nginx:1.14-alpine' });
  assert.equal(p1, p2);
  const info = await p1;
  const ms = performance.now() - t0;
  console.log(`# pull+unpack nginx:1.14-alpine from local registry: ${ms.toFixed(1)} ms`);
  assert.deepEqual(info.repoTags, ['docker.io/library/nginx:1.14-alpine']);
  assert.match(info.repoDigests[0]!, /^docker\.io\/library\/nginx@sha256:[a-f0-9]{64}$/);
  const layers = svc.imageLayers(info.id);
  assert.match(await fs.readFile(path.join(layers[0]!, 'usr/share/nginx/html/index.html'), 'utf8'), /Welcome to nginx!/);
  assert.deepEqual((await svc.imageStatus({ ref: info.repoDigests[0]! }))?.id, info.id);
  // Pull again: manifest fetched, layers already there.
  const again = await svc.pullImage({ ref: 'nginx:1.14-alpine' });
  assert.equal(again.id, info.id);
  await svc.removeImage({ ref: 'nginx:1.14-alpine' });
  assert.deepEqual(await svc.listImages(), []);
});

test('k8s.gcr.io mirror; manifest list resolved to linux/amd64', { skip }, async () => {
  // Push an OCI index (arm64 first) pointing at the echoserver manifest.
  const head = await fetch(`${reg!.url}/v2/echoserver/manifests/1.4`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const digest = head.headers.get('docker-content-digest')!;
  const size = Number(head.headers.get('content-length'));
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_OCI_INDEX,
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Digest('nope'), size: 10, platform: { os: 'linux', architecture: 'arm64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  });
  const put = await fetch(`${reg!.url}/v2/echoserver/manifests/multi`, { method: 'PUT', headers: { 'Content-Type': MEDIA_OCI_INDEX }, body: index });
  if (put.status !== 201) return; // registry refused an index with a missing child: nothing to test
  const svc = await service({ mirrors: { 'k8s.gcr.io': { endpoint: [reg!.url] } }, configs: {} }, { disableDefaultEndpoint: true });
  const info = await svc.pullImage({ ref: 'k8s.gcr.io/echoserver:multi' });
  assert.equal(info.repoDigests[0], `k8s.gcr.io/echoserver@${sha256Digest(index)}`);
  assert.deepEqual(info.config.ExposedPorts, { '8080/tcp': {} });
});

test('failure names every endpoint tried', { skip }, async () => {
  const closed = await freePort();
  const svc = await service({ mirrors: { 'k8s.gcr.io': { endpoint: [`http://127.0.0.1:${closed}`, reg!.url] } }, configs: {} }, { timeoutMs: 5000 });
  const err = await svc.pullImage({ ref: 'k8s.gcr.io/doesnotexist:1' }).catch((e: unknown) => e);
  assert.ok(isImageError(err, 'ERR_IMAGE_PULL'), String(err));
  const msg = (err as Error).message;
  assert.match(msg, new RegExp(`http://127.0.0.1:${closed} \\(mirror\\): .*ECONNREFUSED`));
  assert.match(msg, new RegExp(`${reg!.url.replace(/\./g, '\\.')} \\(mirror\\): .*404`));
  assert.match(msg, /https:\/\/k8s\.gcr\.io \(upstream\)/);
});

test('bearer token auth (fake token server) and blob redirects without Authorization', { skip }, async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const seen = { tokenRequests: 0, redirectedWithAuth: 0, redirected: 0 };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url!, origin);
    if (u.pathname === '/token') {
      seen.tokenRequests++;
      const ok = req.headers.authorization === 'Basic ' + Buffer.from('alice:s3cret').toString('base64');
      assert.equal(u.searchParams.get('scope'), 'repository:library/nginx:pull');
      assert.equal(u.searchParams.get('service'), 'fake');
      res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      return res.end(ok ? JSON.stringify({ token: 'tok-123' }) : '{}');
    }
    if (u.pathname.startsWith('/storage/')) {
      seen.redirected++;
      if (req.headers.authorization !== undefined) seen.redirectedWithAuth++;
      return proxy(req, res, u.pathname.slice('/storage'.length));
    }
    if (req.headers.authorization !== 'Bearer tok-123') {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${origin}/token",service="fake",scope="repository:library/nginx:pull"`, 'Content-Type': 'application/json' });
      return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (u.pathname.includes('/blobs/')) {
      res.writeHead(307, { Location: `${origin}/storage${u.pathname}` });
      return res.end();
    }
    proxy(req, res, u.pathname);
  });
  function proxy(req: http.IncomingMessage, res: http.ServerResponse, p: string) {
    const up = http.request(`${reg!.url}${p}`, { method: req.method, headers: { accept: req.headers.accept ?? '*/*' } }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end();
  }
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));

  const noCreds = await service({ mirrors: { 'docker.io': { endpoint: [origin] } }, configs: {} }, { disableDefaultEndpoint: true });
  const err = await noCreds.pullImage({ ref: 'nginx:1.14-alpine' }).catch((e: unknown) => e);
  assert.match((err as Error).message, /token request .* failed: HTTP 401/);

  const svc = await service({ mirrors: { 'docker.io': { endpoint: [origin] } }, configs: {} }, { disableDefaultEndpoint: true });
  const info = await svc.pullImage({ ref: 'nginx:1.14-alpine' }, { username: 'alice', password: 's3cret' });
  assert.deepEqual(info.repoTags, ['docker.io/library/nginx:1.14-alpine']);
  assert.ok(seen.redirected >= 4, `redirected ${seen.redirected}`);
  assert.equal(seen.redirectedWithAuth, 0);

  // Credentials from registries.yaml configs.<host>.auth
  const viaCfg = await service({ mirrors: { 'docker.io': { endpoint: [origin] } }, configs: { [`127.0.0.1:${port}`]: { auth: { username: 'alice', password: 's3cret' } } } }, { disableDefaultEndpoint: true });
  assert.equal((await viaCfg.pullImage({ ref: 'nginx:1.14-alpine' })).id, info.id);
});
