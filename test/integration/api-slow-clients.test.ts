// Slow and idle clients against the HTTPS listener (issue 14), in-process with short deadlines:
// a connection that never sends a request, headers that trickle in, a body that never ends and a
// slow body after a 401 are all cut off; past --max-connections new connections are closed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { MemoryStore } from '../../src/storage/index.js';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/index.js';
import { bounded } from '../../src/testing/bounded.js';

let api: RunningApiServer;
let store: MemoryStore;
let dataDir: string;
const sockets: TLSSocket[] = [];

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'k8ts-test-slow-'));
  store = new MemoryStore();
  api = await startApiServer({
    store,
    dataDir,
    port: 0,
    bindAddress: '127.0.0.1',
    serviceCIDR: '10.43.0.0/16',
    nodePortRange: { from: 30000, to: 32767 },
    limits: { headersTimeoutMs: 600, bodyTimeoutMs: 1500, maxConnections: 20, minRequestTimeoutS: 1 },
  });
});

after(async () => {
  for (const s of sockets) s.destroy();
  await bounded(api.close(), 10_000, 'closing the API server');
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function open(admin = false): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const creds = admin ? { cert: api.pki.admin.cert, key: api.pki.admin.key } : {};
    const s = tlsConnect({ host: '127.0.0.1', port: api.port, ca: api.pki.ca.cert, servername: 'localhost', ...creds }, () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

/** What the server sends until it closes the connection, and how long that took. */
function untilClosed(s: TLSSocket): Promise<{ data: string; ms: number }> {
  const t0 = performance.now();
  let data = '';
  s.on('data', (d: Buffer) => (data += d.toString()));
  s.on('error', () => undefined);
  return bounded(new Promise((resolve) => s.on('close', () => resolve({ data, ms: performance.now() - t0 }))), 10_000, 'the server to close the connection');
}

describe('slow and idle clients', () => {
  it('a connection that sends nothing is closed after the headers deadline', { timeout: 15_000 }, async () => {
    const s = await open();
    const r = await untilClosed(s);
    assert.equal(r.data, '');
    assert.ok(r.ms < 3000, `closed after ${r.ms} ms`);
  });

  it('headers that trickle in: the connection closes at the headers deadline', { timeout: 15_000 }, async () => {
    const s = await open();
    const closed = untilClosed(s);
    s.write('GET /version HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => s.write('X-Slow: 1\r\n'), 100);
    const r = await closed.finally(() => clearInterval(timer));
    assert.ok(r.data === '' || /^HTTP\/1\.1 408/.test(r.data), r.data);
    assert.ok(r.ms < 3000, `closed after ${r.ms} ms`);
  });

  it('a body that never ends is cut off at the body deadline', { timeout: 15_000 }, async () => {
    const s = await open(true);
    const closed = untilClosed(s);
    s.write('POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":');
    const timer = setInterval(() => s.write(' '), 100);
    const r = await closed.finally(() => clearInterval(timer));
    assert.match(r.data, /^HTTP\/1\.1 408/);
    assert.ok(r.ms > 1000 && r.ms < 5000, `closed after ${r.ms} ms`);
  });

  it('after a 401 the server does not wait for a slow body: it answers and closes', { timeout: 15_000 }, async () => {
    const s = await open();
    const closed = untilClosed(s);
    s.write('POST /api/v1/namespaces/default/secrets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"apiVersion":');
    const r = await closed;
    assert.match(r.data, /^HTTP\/1\.1 401/);
    assert.match(r.data, /\r\nConnection: close\r\n/i);
    assert.ok(r.ms < 500, `closed after ${r.ms} ms: the server waited for the body`);
  });

  it('a watch without timeoutSeconds ends after a random time in [min, 2·min) of --min-request-timeout', { timeout: 15_000 }, async () => {
    const s = await open(true);
    const closed = untilClosed(s);
    s.write('GET /api/v1/namespaces/default/configmaps?watch=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const r = await closed;
    assert.match(r.data, /^HTTP\/1\.1 200/);
    assert.match(r.data, /\r\n0\r\n\r\n$/, 'the chunked stream ends cleanly');
    // 1–2 s, checked by the shared one-second watch ticker.
    assert.ok(r.ms >= 900 && r.ms < 4000, `ended after ${r.ms} ms`);
  });

  it('an upgrade request without the kubelet proxy installed still gets an answer', { timeout: 15_000 }, async () => {
    const s = await open(true);
    const got = new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
    s.write('GET /api/v1/namespaces/default/pods/k8ts-test-none/exec?command=sh HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    assert.match(await bounded(got, 5000, 'an answer to the upgrade request'), /^HTTP\/1\.1 404/);
    s.destroy();
  });

  it('past --max-connections new connections are closed at once; the others keep working', { timeout: 15_000 }, async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => open()));
    const extra = tlsConnect({ host: '127.0.0.1', port: api.port, ca: api.pki.ca.cert, servername: 'localhost' });
    const outcome = await bounded(
      new Promise<string>((resolve) => {
        extra.once('secureConnect', () => resolve('connected'));
        extra.once('error', (e) => resolve(`error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
        extra.once('close', () => resolve('closed'));
      }),
      5000,
      'the extra connection to be refused',
    );
    extra.destroy();
    assert.notEqual(outcome, 'connected');
    // One of the held connections still gets answers.
    const s = held[0];
    const got = new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
    s.write('GET /version HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await bounded(got, 5000, '/version on a held connection'), /^HTTP\/1\.1 200/);
    for (const h of held) h.destroy();
  });
});
