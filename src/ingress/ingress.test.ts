// Integration: a real in-process API server, hand-made Services + EndpointSlices pointing
// at node HTTP servers on 127.0.0.1, and the ingress controller on free 127.0.0.1 ports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { R } from '../client/resources.js';
import type { KObject } from '../api/types/index.js';
import { createCA, signLeaf, type KeyPairPem } from '../pki/index.js';
import type { ApiClient, ResourceRef } from '../client/types.js';
import type { InformerFactory } from '../client/controller-types.js';
import { startIngressController, type RunningIngressController } from './index.js';
import { certFor, matchRoute } from './routes.js';

let api: TestApi;
let ctl: RunningIngressController;
const abort = new AbortController();
const servers: http.Server[] = [];
let ca: KeyPairPem;
/** Every list/watch of Secrets the controller made, and every shared informer it asked for. */
const secretCalls: { op: string; namespace: string | undefined; fieldSelector: string | undefined }[] = [];
const informersAsked: string[] = [];

function recordingClient(c: ApiClient): ApiClient {
  return new Proxy(c, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      if (prop !== 'list' && prop !== 'watch') return v.bind(target);
      return (res: ResourceRef, namespace: string | undefined, o?: { fieldSelector?: string }, ...rest: unknown[]) => {
        if (res.resource === 'secrets') secretCalls.push({ op: prop, namespace, fieldSelector: o?.fieldSelector });
        return (v as (...a: unknown[]) => unknown).call(target, res, namespace, o, ...rest);
      };
    },
  });
}

function recordingInformers(f: InformerFactory): InformerFactory {
  return {
    informerFor: (res) => {
      informersAsked.push(res.resource);
      return f.informerFor(res);
    },
  };
}

function tlsSecret(name: string, pair: KeyPairPem): KObject {
  return {
    metadata: { name },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
  };
}

/** The certificate the HTTPS listener presents for an SNI name. */
function servedCert(servername: string): Promise<{ fingerprint256: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: ctl.httpsPort, path: '/', servername, rejectUnauthorized: false, headers: { host: servername }, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve({ fingerprint256: cert.fingerprint256, cn: String(cert.subject?.CN) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function backend(name: string, onUpgrade?: (s: http.Server) => void): Promise<number> {
  const s = http.createServer((req, res) => {
    if (req.url?.startsWith('/echo')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
  });
  onUpgrade?.(s);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function service(name: string, ports: number[]): Promise<void> {
  await api.client.create(R.services, 'default', { metadata: { name }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
  await api.client.create(R.endpointslices, 'default', slice(name, ports));
}

function slice(name: string, ports: number[]): KObject {
  // One slice per port: an EndpointSlice's endpoints share its port list.
  return {
    metadata: { name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: ports[0], protocol: 'TCP' }],
  };
}

interface Resp {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(host: string, path: string, opts: { method?: string; body?: Buffer } = {}): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ctl.httpPort, path, method: opts.method ?? 'GET', headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let portA = 0;
let portB = 0;

before(async () => {
  api = await startTestApi();
  portA = await backend('a');
  portB = await backend('b');
  const portWs = await backend('ws', (s) => {
    const wss = new WebSocketServer({ server: s });
    wss.on('connection', (sock) => sock.on('message', (m, isBinary) => sock.send(isBinary ? m : `echo:${m.toString()}`)));
  });
  ca = await createCA('test ca');
  const leaf = await signLeaf(ca, { commonName: 'secure.test', dnsNames: ['secure.test'], server: true });
  await api.client.create(R.secrets, 'default', tlsSecret('tls-secure', leaf));
  // A Secret no Ingress names: the controller must never read it.
  await api.client.create(R.secrets, 'default', { metadata: { name: 'unrelated' }, stringData: { password: 'hunter2' } });
  await service('svc-a', [portA]);
  await service('svc-b', [portB]);
  await service('svc-ws', [portWs]);
  ctl = startIngressController({
    client: recordingClient(api.client),
    informers: recordingInformers(api.informers),
    httpPort: 0,
    httpsPort: 0,
    bindAddress: '127.0.0.1',
    nodeAddresses: ['127.0.0.1'],
    className: 'k8ts',
    signal: abort.signal,
    log: () => {},
  });
  await ctl.ready;
  await api.client.create(R.ingresses, 'default', {
    metadata: { name: 'web' },
    spec: {
      tls: [{ hosts: ['secure.test'], secretName: 'tls-secure' }],
      rules: [
        {
          host: 'a.test',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'svc-a', port: { number: 80 } } } },
              { path: '/b', pathType: 'Prefix', backend: { service: { name: 'svc-b', port: { name: 'http' } } } },
              { path: '/ws', pathType: 'Exact', backend: { service: { name: 'svc-ws', port: { number: 80 } } } },
            ],
          },
        },
        { host: 'secure.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc-a', port: { number: 80 } } } }] } },
      ],
    },
  });
  await until('routes', () => matchRoute(ctl.table(), 'a.test', '/ws')?.endpoints.length);
  // The Secret is watched once an Ingress names it: its certificate follows the routes shortly.
  await until('certificate', () => certFor(ctl.table(), 'secure.test'));
});

after(async () => {
  abort.abort();
  await ctl?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await api?.stop();
});

test('the default IngressClass k8ts exists', async () => {
  const cls = await api.client.get(R.ingressclasses, undefined, 'k8ts');
  assert.equal((cls.spec as { controller?: string }).controller, 'k8ts.io/ingress');
  assert.equal(cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
});

test('host and path routing, forwarded headers, 404', async () => {
  const a = await get('a.test', '/foo?x=1');
  assert.equal(a.status, 200);
  const ja = JSON.parse(a.body) as { name: string; url: string; headers: Record<string, string> };
  assert.equal(ja.name, 'a');
  assert.equal(ja.url, '/foo?x=1');
  assert.equal(ja.headers['x-forwarded-proto'], 'http');
  assert.equal(ja.headers['x-forwarded-host'], 'a.test');
  assert.match(ja.headers['x-forwarded-for'], /127\.0\.0\.1/);
  assert.equal(ja.headers.host, 'a.test');
  assert.equal(a.headers['x-backend'], 'a');
  assert.equal(JSON.parse((await get('a.test', '/b/c')).body).name, 'b');
  assert.equal(JSON.parse((await get('a.test', '/bc')).body).name, 'a');
  const nf = await get('nobody.test', '/');
  assert.equal(nf.status, 404);
  assert.equal(nf.body, '404 page not found\n');
});

test('streams a large body both ways', async () => {
  const size = 32 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 7);
  const hash = createHash('sha256');
  const res = await new Promise<{ bytes: number; digest: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ctl.httpPort, path: '/echo', method: 'POST', headers: { host: 'a.test' } }, (r) => {
      let bytes = 0;
      r.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      r.on('end', () => resolve({ bytes, digest: hash.digest('hex') }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  const expect = createHash('sha256');
  for (let i = 0; i < size / chunk.length; i++) expect.update(chunk);
  assert.equal(res.bytes, size);
  assert.equal(res.digest, expect.digest('hex'));
});

test('WebSocket upgrade passthrough', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${ctl.httpPort}/ws`, { headers: { host: 'a.test' } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const reply = new Promise<string>((r) => ws.once('message', (m) => r(m.toString())));
  ws.send('hello');
  assert.equal(await reply, 'echo:hello');
  const big = Buffer.alloc(1024 * 1024, 3);
  const bin = new Promise<Buffer>((r) => ws.once('message', (m) => r(m as Buffer)));
  ws.send(big);
  assert.equal((await bin).length, big.length);
  ws.close();
});

test('HTTPS with SNI certificates from Secrets and a self-signed fallback', async () => {
  const r = await new Promise<{ body: string; proto: string }>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: ctl.httpsPort, path: '/', servername: 'secure.test', ca: ca.cert, headers: { host: 'secure.test' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ body, proto: (JSON.parse(body) as { headers: Record<string, string> }).headers['x-forwarded-proto'] }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(JSON.parse(r.body).name, 'a');
  assert.equal(r.proto, 'https');
  const cn = await new Promise<string>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: ctl.httpsPort, path: '/', servername: 'unknown.test', rejectUnauthorized: false, headers: { host: 'unknown.test' } }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve(String(cert.subject?.CN)));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(cn, 'k8ts ingress default certificate');
});

test('status.loadBalancer.ingress gets the node addresses', async () => {
  const ing = await until('status', async () => {
    const o = await api.client.get(R.ingresses, 'default', 'web');
    const lb = (o.status as { loadBalancer?: { ingress?: { ip: string }[] } } | undefined)?.loadBalancer?.ingress;
    return lb?.length ? lb : undefined;
  });
  assert.deepEqual(ing, [{ ip: '127.0.0.1' }]);
});

test('endpoint changes: 503 without endpoints, dead endpoints skipped', async () => {
  const dead = await deadPort();
  await api.client.create(R.services, 'default', { metadata: { name: 'svc-multi' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  await api.client.create(R.ingresses, 'default', {
    metadata: { name: 'multi' },
    spec: { rules: [{ host: 'multi.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc-multi', port: { number: 80 } } } }] } }] },
  });
  await until('multi route', () => matchRoute(ctl.table(), 'multi.test', '/'));
  const noEp = await get('multi.test', '/');
  assert.equal(noEp.status, 503);
  // Two slices: one live backend, one whose port refuses connections.
  await api.client.create(R.endpointslices, 'default', { ...slice('svc-multi', [dead]), metadata: { name: 'svc-multi-dead', labels: { 'kubernetes.io/service-name': 'svc-multi' } } });
  await api.client.create(R.endpointslices, 'default', { ...slice('svc-multi', [portB]), metadata: { name: 'svc-multi-live', labels: { 'kubernetes.io/service-name': 'svc-multi' } } });
  await until('two endpoints', () => (matchRoute(ctl.table(), 'multi.test', '/')?.endpoints.length === 2 ? true : undefined));
  for (let i = 0; i < 6; i++) {
    const r = await get('multi.test', '/');
    assert.equal(r.status, 200, `request ${i}`);
    assert.equal(JSON.parse(r.body).name, 'b');
  }
});

test('routing changes do not drop in-flight requests', async () => {
  const size = 8 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 1);
  const done = new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ctl.httpPort, path: '/echo', method: 'POST', headers: { host: 'a.test' } }, (r) => {
      let bytes = 0;
      r.on('data', (c: Buffer) => (bytes += c.length));
      r.on('end', () => resolve(bytes));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = async (): Promise<void> => {
      while (sent < size) {
        if (sent === size / 2) {
          // Re-point a.test at svc-b mid-request.
          await api.client.patch(R.ingresses, 'default', 'web', 'json', [
            { op: 'replace', path: '/spec/rules/0/http/paths/0/backend/service/name', value: 'svc-b' },
          ]);
          await until('re-route', () => (matchRoute(ctl.table(), 'a.test', '/x')?.id.includes('svc-b') ? true : undefined));
        }
        sent += chunk.length;
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    };
    pump().catch(reject);
  });
  assert.equal(await done, size);
  assert.equal(JSON.parse((await get('a.test', '/x')).body).name, 'b');
});

test('only the Secrets named in spec.tls are read, each by name; rotation and new references apply', async () => {
  assert.ok(!informersAsked.includes('secrets'), 'no cluster-wide Secret informer');
  assert.deepEqual(ctl.watchedSecrets(), ['default/tls-secure']);
  assert.ok(secretCalls.length >= 2, 'a list and a watch');
  for (const c of secretCalls) assert.deepEqual([c.namespace, c.fieldSelector?.startsWith('metadata.name=')], ['default', true], JSON.stringify(c));
  assert.ok(!secretCalls.some((c) => c.fieldSelector === 'metadata.name=unrelated'));

  // Certificate rotation: the updated Secret is served without any other change.
  const before = await servedCert('secure.test');
  const rotated = await signLeaf(ca, { commonName: 'secure.test rotated', dnsNames: ['secure.test'], server: true });
  const cur = await api.client.get(R.secrets, 'default', 'tls-secure');
  await api.client.update(R.secrets, 'default', { ...tlsSecret('tls-secure', rotated), metadata: cur.metadata });
  const after = await until('rotated certificate', async () => {
    const c = await servedCert('secure.test');
    return c.fingerprint256 !== before.fingerprint256 ? c : undefined;
  });
  assert.equal(after.cn, 'secure.test rotated');

  // A new reference starts a watch (the Secret may come later); dropping it stops the watch.
  await api.client.create(R.ingresses, 'default', {
    metadata: { name: 'other-tls' },
    spec: { tls: [{ hosts: ['other.test'], secretName: 'tls-other' }], rules: [{ host: 'other.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc-a', port: { number: 80 } } } }] } }] },
  });
  await until('watch of tls-other', () => (ctl.watchedSecrets().includes('default/tls-other') ? true : undefined));
  const otherLeaf = await signLeaf(ca, { commonName: 'other.test', dnsNames: ['other.test'], server: true });
  await api.client.create(R.secrets, 'default', tlsSecret('tls-other', otherLeaf));
  await until('other.test certificate', async () => ((await servedCert('other.test')).cn === 'other.test' ? true : undefined));
  await api.client.delete(R.ingresses, 'default', 'other-tls');
  await until('watch of tls-other stopped', () => (ctl.watchedSecrets().includes('default/tls-other') ? undefined : true));
  assert.deepEqual(ctl.watchedSecrets(), ['default/tls-secure']);
});
