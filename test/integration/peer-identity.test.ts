// The client certificate's identity is read once per TLS connection and kept for it (issue 18):
// every request on a keep-alive connection is its certificate's user, two connections with
// different certificates are two users, and a connection cannot change its peer afterwards
// (a TLS 1.2 renegotiation is refused and the connection closes, as Go's server does).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { MemoryStore } from '../../src/storage/index.js';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/index.js';
import { signLeaf, type KeyPairPem } from '../../src/pki/index.js';
import { bounded } from '../../src/testing/bounded.js';

let api: RunningApiServer;
let store: MemoryStore;
let dataDir: string;
let alice: KeyPairPem;
const agents: Agent[] = [];

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'k8ts-test-peer-'));
  store = new MemoryStore();
  api = await startApiServer({ store, dataDir, port: 0, bindAddress: '127.0.0.1', serviceCIDR: '10.43.0.0/16', nodePortRange: { from: 30000, to: 32767 } });
  alice = await signLeaf(api.pki.ca, { commonName: 'k8ts-test-alice', organizations: ['k8ts-test-team'], client: true });
});

after(async () => {
  for (const a of agents) a.destroy();
  await bounded(api.close(), 10_000, 'closing the API server');
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One keep-alive connection (maxSockets 1) with the given client certificate. */
function agentFor(creds: KeyPairPem, maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3'): Agent {
  const a = new Agent({ keepAlive: true, maxSockets: 1, ca: api.pki.ca.cert, cert: creds.cert, key: creds.key, servername: 'localhost', maxVersion });
  agents.push(a);
  return a;
}

interface Reply {
  status: number;
  body: string;
  socket: TLSSocket;
  reused: boolean;
}

function get(agent: Agent, path: string): Promise<Reply> {
  return bounded(
    new Promise<Reply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: api.port, path, agent }, (res) => {
        const socket = res.socket as TLSSocket; // detached into the agent's pool at the end
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket, reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end();
    }),
    10_000,
    `GET ${path}`,
  );
}

describe('client certificate identity per connection', () => {
  it('every request on a connection is its certificate user; another connection is another user', { timeout: 30_000 }, async () => {
    const a = agentFor(alice);
    const admin = agentFor(api.pki.admin);
    for (let i = 0; i < 3; i++) {
      const r = await get(a, '/api/v1/namespaces/default/secrets');
      assert.equal(r.status, 403);
      assert.match(r.body, /User \\"k8ts-test-alice\\" cannot list resource \\"secrets\\"/);
      if (i > 0) assert.ok(r.reused, 'the requests share one connection');
      // Interleaved with the admin's connection: its identity never leaks into alice's.
      const ok = await get(admin, '/api/v1/namespaces/default/secrets');
      assert.equal(ok.status, 200, ok.body);
    }
  });

  it('a TLS 1.2 connection cannot renegotiate once it was authenticated', { timeout: 30_000 }, async () => {
    const a = agentFor(alice, 'TLSv1.2');
    const first = await get(a, '/api/v1/namespaces/default/secrets');
    assert.equal(first.status, 403);
    assert.equal(first.socket.getProtocol(), 'TLSv1.2');
    const closed = new Promise<void>((resolve) => first.socket.once('close', () => resolve()));
    first.socket.on('error', () => undefined);
    const refused = new Promise<Error | null>((resolve) => {
      const started = first.socket.renegotiate({ rejectUnauthorized: true }, (err) => resolve(err));
      if (!started) resolve(new Error('renegotiate() refused locally'));
    });
    const outcome = await bounded(Promise.race([refused.then((e) => (e ? 'error' : 'renegotiated')), closed.then(() => 'closed')]), 10_000, 'the renegotiation to end');
    assert.notEqual(outcome, 'renegotiated', 'the server must not accept a renegotiation');
    await bounded(closed, 10_000, 'the server to close the connection');
  });
});
