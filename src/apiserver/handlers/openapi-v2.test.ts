// GET /openapi/v2 over the API server: JSON or gnostic protobuf, each with a content-hash
// ETag (304 on a match); 406 when neither is acceptable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { openApiV2Format } from './openapi.js';

let t: TestApi;

before(async () => {
  t = await startTestApi();
});

after(async () => {
  await t?.stop();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(t.dataDir, 'api.sock'), path, method: 'GET', headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function getBytes(path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(t.dataDir, 'api.sock'), path, method: 'GET', headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

test('/openapi/v2 serves the whole API as Swagger 2.0 with an ETag', { timeout: 30_000 }, async () => {
  const r = await get('/openapi/v2', { Accept: 'application/json' });
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const doc = JSON.parse(r.body);
  assert.equal(doc.swagger, '2.0');
  for (const d of ['io.k8s.api.core.v1.Pod', 'io.k8s.api.apps.v1.Deployment', 'io.k8s.api.batch.v1.Job', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']) assert.ok(doc.definitions[d], d);
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].get);
  const etag = String(r.headers.etag);
  assert.match(etag, /^"[0-9A-F]{32}"$/);
  const again = await get('/openapi/v2', { 'If-None-Match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  assert.equal((await get('/openapi/v2', { 'If-None-Match': '"stale"' })).status, 200);
  // client-go's OpenAPISchema() asks for gnostic protobuf (decoded for real by kubectl in
  // test/integration/query-and-watch.test.ts); the document starts with swagger = "2.0".
  const pb = await getBytes('/openapi/v2', { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
  assert.equal(pb.status, 200);
  assert.equal(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  assert.deepEqual([...pb.body.subarray(0, 5)], [0x0a, 0x03, 0x32, 0x2e, 0x30]);
  assert.ok(pb.body.includes(Buffer.from('io.k8s.api.apps.v1.Deployment')));
  assert.notEqual(pb.headers.etag, etag, 'each form has its own entity tag');
  assert.equal((await get('/openapi/v2', { Accept: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'If-None-Match': String(pb.headers.etag) })).status, 304);
  const none = await get('/openapi/v2', { Accept: 'application/xml' });
  assert.equal(none.status, 406);
  assert.equal(JSON.parse(none.body).reason, 'NotAcceptable');
});

test('Accept negotiation for /openapi/v2', () => {
  assert.equal(openApiV2Format(undefined), 'json');
  assert.equal(openApiV2Format('*/*'), 'json');
  assert.equal(openApiV2Format('application/json, */*'), 'json');
  assert.equal(openApiV2Format('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), 'protobuf');
  assert.equal(openApiV2Format('application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json'), 'protobuf');
  assert.equal(openApiV2Format('application/json;q=0'), undefined);
  assert.equal(openApiV2Format('text/html'), undefined);
});
