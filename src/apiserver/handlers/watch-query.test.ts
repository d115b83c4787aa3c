// Watches as clients other than kubectl shape them: `watch=True` (the Python client), the
// legacy /watch/ paths (ruby kubeclient), and watch-list (sendInitialEvents) streaming.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { R } from '../../client/resources.js';

let t: TestApi;

const CM = '/api/v1/namespaces/wq/configmaps';

before(async () => {
  t = await startTestApi();
  await t.client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wq' } });
  for (const n of ['a', 'b', 'c']) await t.client.create(R.configmaps, 'wq', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'wq' }, data: { v: '0' } });
});

after(async () => {
  await t?.stop();
});

interface WatchEvent {
  type: string;
  object: { kind?: string; metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; data?: Record<string, string> };
}

interface Stream {
  res: IncomingMessage;
  events: WatchEvent[];
  /** Resolves once `n` events arrived; rejects after 5 s. */
  waitFor(n: number): Promise<WatchEvent[]>;
  close(): void;
}

function call(method: string, path: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(t.dataDir, 'api.sock'), path, method, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function watch(path: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(t.dataDir, 'api.sock'), path, method: 'GET' }, (res) => {
      const events: WatchEvent[] = [];
      let buf = '';
      const waiters: Array<() => void> = [];
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as WatchEvent);
          buf = buf.slice(i + 1);
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('error', () => undefined);
      resolve({
        res,
        events,
        close: () => req.destroy(),
        waitFor: (n) =>
          new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`wanted ${n} events from ${path}, got ${JSON.stringify(events)}`)), 5000);
            const check = (): void => {
              if (events.length >= n) {
                clearTimeout(timer);
                ok(events.slice(0, n));
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function touch(name: string, v: string): Promise<void> {
  await t.client.patch(R.configmaps, 'wq', name, 'merge', { data: { v } });
}

const names = (evs: WatchEvent[]): string[] => evs.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`);

test('watch=True is a watch: a chunked stream with the current state, then changes', { timeout: 20_000 }, async () => {
  const s = await watch(`${CM}?watch=True&timeoutSeconds=10`);
  try {
    assert.equal(s.res.statusCode, 200);
    assert.equal(s.res.headers['transfer-encoding'], 'chunked');
    assert.deepEqual(names(await s.waitFor(3)).sort(), ['ADDED a', 'ADDED b', 'ADDED c']);
    await touch('a', 'true-1');
    const ev = (await s.waitFor(4))[3];
    assert.equal(`${ev.type} ${ev.object.metadata.name} ${ev.object.data?.v}`, 'MODIFIED a true-1');
  } finally {
    s.close();
  }
  // watch=false (any case) and watch=0 are lists.
  for (const v of ['False', '0']) {
    const r = await call('GET', `${CM}?watch=${v}`);
    assert.equal(JSON.parse(r.body).kind, 'ConfigMapList', v);
  }
});

test('watch-list: ADDED for every object, the initial-events-end bookmark, then changes', { timeout: 20_000 }, async () => {
  const s = await watch(`${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=`);
  try {
    const first = await s.waitFor(4);
    assert.deepEqual(names(first.slice(0, 3)).sort(), ['ADDED a', 'ADDED b', 'ADDED c']);
    const bm = first[3];
    assert.equal(bm.type, 'BOOKMARK');
    assert.equal(bm.object.kind, 'ConfigMap');
    assert.deepEqual(bm.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
    const bmRv = Number(bm.object.metadata.resourceVersion);
    assert.ok(bmRv >= Math.max(...first.slice(0, 3).map((e) => Number(e.object.metadata.resourceVersion))));
    await touch('b', 'wl-1');
    const ev = (await s.waitFor(5))[4];
    assert.equal(`${ev.type} ${ev.object.metadata.name}`, 'MODIFIED b');
    assert.ok(Number(ev.object.metadata.resourceVersion) > bmRv);
  } finally {
    s.close();
  }
  // Without allowWatchBookmarks the initial events come without the bookmark.
  const nb = await watch(`${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=0`);
  try {
    await nb.waitFor(3);
    await touch('c', 'wl-2');
    assert.deepEqual(names((await nb.waitFor(4)).slice(3)), ['MODIFIED c']);
  } finally {
    nb.close();
  }
});

test('sendInitialEvents=false streams only changes', { timeout: 20_000 }, async () => {
  const s = await watch(`${CM}?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan`);
  try {
    await touch('c', 'sie-false');
    assert.deepEqual(names(await s.waitFor(1)), ['MODIFIED c']);
  } finally {
    s.close();
  }
});

test('invalid watch options are refused with the upstream Status before any stream', { timeout: 20_000 }, async () => {
  const r = await call('GET', `${CM}?watch=true&sendInitialEvents=true`);
  assert.equal(r.status, 422);
  const st = JSON.parse(r.body);
  assert.equal(st.kind, 'Status');
  assert.equal(st.message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  const bad = await call('GET', `${CM}?watch=true&timeoutSeconds=ten`);
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).message, /query parameter "timeoutSeconds".*"ten"/);
  const list = await call('GET', `${CM}?sendInitialEvents=true`);
  assert.equal(list.status, 422);
  assert.match(JSON.parse(list.body).message, /sendInitialEvents is forbidden for list/);
  const dry = await call('POST', `${CM}?dryRun=Server`);
  assert.equal(dry.status, 422);
  assert.match(JSON.parse(dry.body).message, /^CreateOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value/);
});

test('legacy /watch/ paths: collections across and within namespaces, and single objects', { timeout: 20_000 }, async () => {
  const coll = await watch('/api/v1/watch/namespaces/wq/configmaps?resourceVersion=0');
  const all = await watch('/api/v1/watch/configmaps');
  const one = await watch('/api/v1/watch/namespaces/wq/configmaps/b');
  try {
    assert.equal(coll.res.statusCode, 200);
    assert.equal(coll.res.headers['transfer-encoding'], 'chunked');
    assert.deepEqual(names(await coll.waitFor(3)).sort(), ['ADDED a', 'ADDED b', 'ADDED c']);
    assert.ok((await all.waitFor(3)).every((e) => e.type === 'ADDED'));
    assert.deepEqual(names(await one.waitFor(1)), ['ADDED b']);
    await touch('a', 'legacy-1');
    await touch('b', 'legacy-1');
    assert.deepEqual(names((await coll.waitFor(5)).slice(3)), ['MODIFIED a', 'MODIFIED b']);
    assert.deepEqual(names((await one.waitFor(2)).slice(1)), ['MODIFIED b'], 'a single-object watch sees only its object');
  } finally {
    coll.close();
    all.close();
    one.close();
  }
  const ns = await watch('/api/v1/watch/namespaces/wq');
  try {
    assert.deepEqual(names(await ns.waitFor(1)), ['ADDED wq']);
  } finally {
    ns.close();
  }
  assert.equal((await call('POST', '/api/v1/watch/namespaces/wq/configmaps')).status, 405);
  assert.equal((await call('GET', '/api/v1/watch/namespaces/wq/configmaps/b/status')).status, 404);
  assert.equal((await call('GET', '/apis/apps/v1/watch/namespaces/wq/nothings')).status, 404);
});
