// The REST client over a ServerPool against two real HTTPS servers: when the current one stops
// answering, requests and watches go to the other one, and writes that never left are retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { createCA, signLeaf } from '../../src/pki/index.js';
import { RestClient, ServerPool } from '../../src/client/rest-client.js';
import { R } from '../../src/client/index.js';

interface Fake {
  url: string;
  hits: string[];
  kill(): Promise<void>;
}

/** An HTTPS "API server" on a random port: answers every request with a Namespace named after itself; a watch gets one event and stays open. */
async function fake(name: string, tls: { cert: string; key: string }): Promise<Fake> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(tls, (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.setHeader('Content-Type', 'application/json');
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: '1' } };
    if (req.url?.includes('watch=true')) {
      res.write(JSON.stringify({ type: 'ADDED', object: ns }) + '\n');
      return; // stays open until the server dies
    }
    req.resume();
    req.on('end', () => res.end(JSON.stringify(ns)));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    hits,
    // like kill -9: the listening socket and every connection go away at once
    kill: async () => {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

test('requests and watches move to the next server when the current one dies; unsent writes are retried', { timeout: 30_000 }, async () => {
  const ca = await createCA('k8ts-test-pool-ca');
  const leaf = await signLeaf(ca, { commonName: 'k8ts-test-pool', ips: ['127.0.0.1'], server: true });
  const a = await fake('a', leaf);
  const b = await fake('b', leaf);
  const switches: string[] = [];
  const pool = new ServerPool([a.url, b.url], { onSwitch: (f, t) => switches.push(`${f}->${t}`) });
  const client = new RestClient({ transport: { kind: 'https', server: a.url, ca: ca.cert, pool }, userAgent: 'k8ts-test', timeoutMs: 5000 });
  try {
    assert.equal((await client.get(R.namespaces, undefined, 'x')).metadata.name, 'a');
    const events: string[] = [];
    const w = client.watch(R.namespaces, undefined, {}, (ev) => events.push(`${ev.type} ${ev.object.metadata?.name}`));
    await waitFor(() => events.length === 1);

    await a.kill();
    await w.done; // the watch on the dead server ends (the reflector re-watches)
    // a write on a kept-alive connection to the dead server, or a new connection refused: the
    // pool moves on and the write lands on b (refused connections are retried at once)
    const created = await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }).catch((e: Error) => e);
    if (created instanceof Error) {
      // a reset of a kept-alive socket is not retried for a write (it may have landed): the next one goes to b
      assert.match(created.message, /socket hang up|ECONNRESET|ECONNREFUSED/);
      assert.equal((await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } })).metadata.name, 'b');
    } else {
      assert.equal(created.metadata.name, 'b');
    }
    assert.equal(pool.current(), b.url);
    assert.deepEqual(switches, [`${a.url}->${b.url}`]);
    assert.ok(b.hits.some((h) => h.startsWith('POST /api/v1/namespaces')));

    const events2: string[] = [];
    const w2 = client.watch(R.namespaces, undefined, { resourceVersion: '1' }, (ev) => events2.push(`${ev.type} ${ev.object.metadata?.name}`));
    await waitFor(() => events2.length === 1);
    assert.deepEqual(events2, ['ADDED b']);
    assert.ok(b.hits.some((h) => h.includes('watch=true') && h.includes('resourceVersion=1')), 'the watch resumes from its resourceVersion on b');
    w2.stop();
    await b.kill();
  } finally {
    client.close();
  }
});

test('a GET on a pool whose current server refuses connections goes to the next server in the same call', { timeout: 30_000 }, async () => {
  const ca = await createCA('k8ts-test-pool-ca');
  const leaf = await signLeaf(ca, { commonName: 'k8ts-test-pool', ips: ['127.0.0.1'], server: true });
  const dead = await fake('dead', leaf);
  await dead.kill();
  const live = await fake('live', leaf);
  const pool = new ServerPool([dead.url, live.url]);
  const client = new RestClient({ transport: { kind: 'https', server: dead.url, ca: ca.cert, pool }, userAgent: 'k8ts-test', timeoutMs: 5000 });
  try {
    assert.equal((await client.get(R.namespaces, undefined, 'x')).metadata.name, 'live');
    assert.equal(pool.isHealthy(dead.url), false);
  } finally {
    client.close();
    await live.kill();
  }
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
