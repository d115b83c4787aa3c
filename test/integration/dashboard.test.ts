// Issue 17, the dashboard's server side, against a real `k8ts server` (simulated runtime):
// without credentials only the page and its static files are served; the stream and why need
// a bearer token and run as that user, so RBAC decides what they show.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { execFile } from 'node:child_process';
import { startCluster, eventually, K8TS, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds } from '../helpers/http.js';

let c: TestCluster;
let creds: Creds;
/** A service account that may read pods in k8ts-test-dash-a only. */
let podReader = '';
let admin = '';
/** May list nodes, not get nodes/proxy (the kubelet's stats). */
let nodeLister = '';

before(async () => {
  c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated'] });
  creds = credsFromKubeconfig(c.kubeconfig);
  await c.k(['create', 'namespace', 'k8ts-test-dash-a']);
  await c.k(['create', 'namespace', 'k8ts-test-dash-b']);
  await c.k(['create', 'serviceaccount', 'reader', '-n', 'k8ts-test-dash-a']);
  await c.k(['create', 'role', 'pod-reader', '-n', 'k8ts-test-dash-a', '--verb=get,list,watch', '--resource=pods,pods/log']);
  await c.k(['create', 'rolebinding', 'pod-reader', '-n', 'k8ts-test-dash-a', '--role=pod-reader', '--serviceaccount=k8ts-test-dash-a:reader']);
  await c.k(['create', 'serviceaccount', 'boss', '-n', 'k8ts-test-dash-a']);
  await c.k(['create', 'clusterrolebinding', 'k8ts-test-dash-boss', '--clusterrole=cluster-admin', '--serviceaccount=k8ts-test-dash-a:boss']);
  await c.k(['create', 'serviceaccount', 'node-lister', '-n', 'k8ts-test-dash-a']);
  await c.k(['create', 'clusterrole', 'k8ts-test-dash-node-lister', '--verb=list,watch', '--resource=nodes']);
  await c.k(['create', 'clusterrolebinding', 'k8ts-test-dash-node-lister', '--clusterrole=k8ts-test-dash-node-lister', '--serviceaccount=k8ts-test-dash-a:node-lister']);
  nodeLister = (await c.k(['create', 'token', 'node-lister', '-n', 'k8ts-test-dash-a'])).trim();
  podReader = (await c.k(['create', 'token', 'reader', '-n', 'k8ts-test-dash-a'])).trim();
  admin = (await c.k(['create', 'token', 'boss', '-n', 'k8ts-test-dash-a'])).trim();
  await c.k(['run', 'k8ts-test-pod', '-n', 'k8ts-test-dash-a', '--image=nginx']);
  await c.k(['run', 'k8ts-test-pod', '-n', 'k8ts-test-dash-b', '--image=nginx']);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const get = (path: string, headers: Record<string, string> = {}) => api(creds, 'GET', path, undefined, headers, { anonymous: true, timeoutMs: 15_000 });
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

interface Frame {
  type: string;
  resource?: string;
  user?: string;
  items?: Array<{ metadata: { name: string; namespace?: string } }>;
  object?: { metadata: { name: string; namespace?: string } };
  message?: string;
}

/** Opens the stream and collects frames until `until` holds for the frames so far (or the timeout). */
function stream(path: string, token: string, until: (frames: Frame[]) => boolean, onOpen?: () => void, timeoutMs = 20_000): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const frames: Frame[] = [];
    const req = request(new URL(path, creds.server), { ca: creds.ca, agent: false, headers: bearer(token) }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      assert.equal(res.headers['content-type'], 'application/x-ndjson');
      onOpen?.();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          frames.push(JSON.parse(buf.slice(0, nl)) as Frame);
          buf = buf.slice(nl + 1);
        }
        if (until(frames)) {
          clearTimeout(timer);
          req.destroy();
          resolve(frames);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`stream: condition not met within ${timeoutMs} ms; frames: ${JSON.stringify(frames.map((f) => [f.type, f.resource]))}`));
    }, timeoutMs);
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
}

const synced = (n: number) => (fs: Frame[]) => fs.filter((f) => f.type === 'SYNC' || f.type === 'DENIED').length >= n;

describe('dashboard server side', { timeout: 120_000 }, () => {
  it('without credentials: the page and its assets, nothing else', { timeout: 30_000 }, async () => {
    const page = await get('/dashboard/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<div id="root"><\/div>/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers['set-cookie'], undefined, 'the dashboard never sets a cookie');
    const assets = [...page.body.matchAll(/assets\/([\w.-]+)/g)].map((m) => m[1]);
    assert.equal(assets.length, 2, page.body);
    for (const a of assets) {
      const r = await get(`/dashboard/assets/${a}`, { 'Accept-Encoding': 'gzip' });
      assert.equal(r.status, 200, a);
      assert.equal(r.headers['content-encoding'], 'gzip');
      assert.match(String(r.headers['cache-control']), /immutable/);
    }
    assert.equal((await get('/dashboard')).status, 308);
    assert.equal((await get('/dashboard/assets/..%2Fkubeconfig.yaml')).status, 404);
    assert.equal((await get('/dashboard/assets/nope.js')).status, 404);
    for (const p of ['/dashboard/api/stream', '/dashboard/api/why?kind=pod&name=k8ts-test-pod']) {
      const r = await get(p);
      assert.equal(r.status, 401, p);
      assert.equal(r.json().kind, 'Status');
      assert.equal(r.json().reason, 'Unauthorized');
      assert.equal((await get(p, bearer('not-a-token'))).status, 401, `${p} with a bad token`);
    }
    // Writes are not the dashboard's (its API is read-only, and the API's writes need the header).
    const post = await api(creds, 'POST', '/dashboard/api/stream', '{}', bearer(admin), { anonymous: true });
    assert.equal(post.status, 405);
  });

  it('the stream runs as the token’s user: RBAC decides what it shows', { timeout: 60_000 }, async () => {
    const frames = await stream('/dashboard/api/stream?namespace=k8ts-test-dash-a', podReader, synced(11));
    assert.deepEqual(frames[0], { type: 'HELLO', user: 'system:serviceaccount:k8ts-test-dash-a:reader' });
    const pods = frames.find((f) => f.type === 'SYNC' && f.resource === 'pods');
    assert.deepEqual(pods?.items?.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['k8ts-test-dash-a/k8ts-test-pod']);
    for (const r of ['services', 'deployments', 'events', 'nodes', 'namespaces']) {
      const f = frames.find((x) => x.resource === r);
      assert.equal(f?.type, 'DENIED', r);
      assert.match(f!.message!, /forbidden: User "system:serviceaccount:k8ts-test-dash-a:reader" cannot list/);
    }
    // All namespaces, or another one: denied, as kubectl get pods -A would be.
    const all = await stream('/dashboard/api/stream', podReader, synced(11));
    assert.equal(all.find((f) => f.resource === 'pods')?.type, 'DENIED');
    const other = await stream('/dashboard/api/stream?namespace=k8ts-test-dash-b', podReader, synced(11));
    assert.equal(other.find((f) => f.resource === 'pods')?.type, 'DENIED');
  });

  it('node stats go through nodes/proxy as the user: without get nodes/proxy, none', { timeout: 60_000 }, async () => {
    const denied = await stream('/dashboard/api/stream', nodeLister, (fs) => fs.some((f) => f.resource === 'nodes/proxy'));
    assert.ok(denied.find((f) => f.type === 'SYNC' && f.resource === 'nodes')?.items?.length, 'the nodes are listed');
    const f = denied.find((x) => x.resource === 'nodes/proxy')!;
    assert.equal(f.type, 'DENIED');
    assert.match(f.message!, /User "system:serviceaccount:k8ts-test-dash-a:node-lister" cannot get resource "nodes\/proxy"/);
    assert.equal(denied.filter((x) => x.type === 'STATS').length, 0);
    // The admin may: a simulated node has no kubelet to ask, and the frame says so.
    const admins = await stream('/dashboard/api/stream', admin, (fs) => fs.some((x) => x.type === 'STATS'));
    const st = admins.find((x) => x.type === 'STATS') as Frame & { node?: string; error?: string };
    assert.match(st.node ?? '', /^k8ts-sim-/);
    assert.ok(st.error, JSON.stringify(st));
  });

  it('live: a change arrives on the open stream as a watch event', { timeout: 60_000 }, async () => {
    let created: Promise<string> | undefined;
    const frames = await stream(
      '/dashboard/api/stream?namespace=k8ts-test-dash-a',
      admin,
      (fs) => {
        if (!created && synced(11)(fs)) created = c.k(['run', 'k8ts-test-live', '-n', 'k8ts-test-dash-a', '--image=nginx']);
        return fs.some((f) => f.type === 'ADDED' && f.resource === 'pods' && f.object?.metadata.name === 'k8ts-test-live');
      },
    );
    await created;
    const sync = frames.find((f) => f.type === 'SYNC' && f.resource === 'nodes');
    assert.ok(sync?.items?.length, 'the admin sees the nodes');
    const ev = frames.find((f) => f.type === 'ADDED' && f.object?.metadata.name === 'k8ts-test-live');
    assert.equal((ev!.object!.metadata as { managedFields?: unknown }).managedFields, undefined, 'frames leave managedFields out');
  });

  it('closing the page’s stream ends its watches in the API server', { timeout: 60_000 }, async () => {
    const watches = async (): Promise<number> => {
      const text = (await api(creds, 'GET', '/metrics')).body;
      let n = 0;
      for (const m of text.matchAll(/^apiserver_longrunning_requests\{[^}]*verb="WATCH"[^}]*\} (\d+)/gm)) n += Number(m[1]);
      return n;
    };
    const before = await watches();
    // Hold a stream open: its 11 watches are counted while it is; when the page goes, so do they.
    let frames = 0;
    const req = request(new URL('/dashboard/api/stream', creds.server), { ca: creds.ca, agent: false, headers: bearer(admin) }, (res) => res.on('data', (d: Buffer) => (frames += d.toString().split('\n').length - 1)));
    req.on('error', () => undefined);
    req.end();
    try {
      await eventually(async () => frames >= 12 && (await watches()) >= before + 11, 15_000);
    } finally {
      req.destroy();
    }
    await eventually(async () => (await watches()) <= before, 15_000);
  });

  it('k8ts dashboard prints the URL, and a token to sign in with', { timeout: 60_000 }, async () => {
    const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, [K8TS, 'dashboard', '--data-dir', c.dataDir, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    const url = await run([]);
    assert.equal(url.code, 0, url.stderr);
    assert.equal(url.stdout, `${c.url}/dashboard/\n`);
    assert.match(url.stderr, /k8ts dashboard --token --service-account NAMESPACE\/NAME/);
    // The admin kubeconfig holds a certificate, which a browser cannot use: one line saying what to do.
    const cert = await run(['--token']);
    assert.equal(cert.code, 1);
    assert.equal(cert.stderr, "k8ts: the kubeconfig's user signs in with a certificate, which a browser cannot use: pass --service-account NAMESPACE/NAME to mint a token for a service account\n");
    const missing = await run(['--token', '--service-account', 'k8ts-test-dash-a/nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^k8ts: service account k8ts-test-dash-a\/nobody not found/);
    const minted = await run(['--token', '--service-account', 'k8ts-test-dash-a/reader', '--duration', '10m']);
    assert.equal(minted.code, 0, minted.stderr);
    const frames = await stream('/dashboard/api/stream?namespace=k8ts-test-dash-a', minted.stdout.trim(), (fs) => fs.length >= 1);
    assert.deepEqual(frames[0], { type: 'HELLO', user: 'system:serviceaccount:k8ts-test-dash-a:reader' });
  });

  it('why runs as the user: a readable pod is diagnosed, an unreadable one is a 403 in one line', { timeout: 30_000 }, async () => {
    const ok = await get('/dashboard/api/why?kind=pod&name=k8ts-test-pod&namespace=k8ts-test-dash-a', bearer(podReader));
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().subject, 'pod/k8ts-test-pod');
    assert.equal(typeof ok.json().cause, 'string');
    const denied = await get('/dashboard/api/why?kind=pod&name=k8ts-test-pod&namespace=k8ts-test-dash-b', bearer(podReader));
    assert.equal(denied.status, 403, denied.body);
    assert.match(denied.json().message, /^you may not read pods in namespace k8ts-test-dash-b/);
    const missing = await get('/dashboard/api/why?kind=deploy&name=nope&namespace=k8ts-test-dash-a', bearer(admin));
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'deployment "nope" not found in namespace k8ts-test-dash-a');
    const badKind = await get('/dashboard/api/why?kind=frobnicator&name=x', bearer(admin));
    assert.equal(badKind.status, 400);
    assert.match(badKind.json().message, /unknown kind "frobnicator"/);
  });
});
