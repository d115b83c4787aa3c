// The proxy on raw sockets: framing, keep-alive, pipelining, header rewriting and failure
// semantics, against node:http backends and hand-written ones (for answers node would not give).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildRoutes } from './routes.js';
import { IngressProxy, type IngressProxyOptions } from './proxy.js';
import type { KObject } from '../api/types/index.js';

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers.reverse()) c();
});

async function listen(s: net.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

async function httpBackend(h: http.RequestListener): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer(h);
  const port = await listen(server);
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port, server };
}

/** A backend written by hand: `onConn` gets every accepted socket. */
async function rawBackend(onConn: (s: net.Socket) => void): Promise<{ port: number; conns: number }> {
  const stats = { port: 0, conns: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    stats.conns++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConn(s);
  });
  stats.port = await listen(server);
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return stats;
}

async function deadPort(): Promise<number> {
  const s = net.createServer();
  const p = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** A proxy with one host per entry: host → backend ports (one slice, 127.0.0.1 each... or none). */
async function proxyFor(hosts: Record<string, number[]>, opts: IngressProxyOptions = {}): Promise<{ proxy: IngressProxy; port: number }> {
  const ings: KObject[] = [];
  const svcs: KObject[] = [];
  const slices: KObject[] = [];
  let i = 0;
  for (const [host, ports] of Object.entries(hosts)) {
    const name = `s${i++}`;
    ings.push({ metadata: { name, namespace: 'default' }, spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }] } });
    svcs.push({ metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    ports.forEach((p, j) =>
      slices.push({ metadata: { name: `${name}-${j}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } }, ports: [{ port: p }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] }),
    );
  }
  const proxy = new IngressProxy(opts);
  proxy.table = buildRoutes(ings, svcs, slices, []);
  const server = proxy.createServer();
  const port = await listen(server);
  closers.push(() => {
    server.close();
    proxy.close();
  });
  return { proxy, port };
}

/** Writes `parts` (one write each, a tick apart) and returns everything read until the proxy closes. */
function exchange(port: number, ...parts: (string | Buffer)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    }, 5000);
    s.on('close', () => clearTimeout(timer));
    let i = 0;
    const next = (): void => {
      if (i < parts.length) {
        const p = parts[i++];
        s.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p, () => setTimeout(next, 5));
      }
    };
    s.on('connect', next);
  });
}

interface Parsed {
  status: number;
  head: string;
  body: string;
}

/** Splits what a client read into responses (Content-Length, chunked, or to the end; HEAD-aware). */
function responses(raw: string, headRequests: number[] = []): Parsed[] {
  const out: Parsed[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const he = raw.indexOf('\r\n\r\n', pos);
    assert.ok(he > 0, `incomplete head in ${JSON.stringify(raw.slice(pos))}`);
    const head = raw.slice(pos, he);
    const status = Number(head.slice(9, 12));
    pos = he + 4;
    let body = '';
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (status < 200 || status === 204 || status === 304 || headRequests.includes(out.length)) body = '';
    else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const eol = raw.indexOf('\r\n', pos);
        const size = parseInt(raw.slice(pos, eol), 16);
        pos = eol + 2;
        if (size === 0) {
          pos = raw.indexOf('\r\n\r\n', pos - 2) + 4;
          break;
        }
        body += raw.slice(pos, pos + size);
        pos += size + 2;
      }
    } else if (cl) {
      body = raw.slice(pos, pos + Number(cl[1]));
      pos += Number(cl[1]);
    } else {
      body = raw.slice(pos);
      pos = raw.length;
    }
    out.push({ status, head, body });
  }
  return out;
}

function heads(raw: string, headRequests: number[] = []): string[] {
  return responses(raw, headRequests).map((r) => r.head);
}

const echoUrl: http.RequestListener = (req, res) => {
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ url: req.url, method: req.method, raw: req.rawHeaders });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
};

test('pipelined requests are answered in order on one connection; backend connections are reused', async () => {
  let conns = 0;
  const b = await httpBackend(echoUrl);
  b.server.on('connection', () => conns++);
  const { port } = await proxyFor({ a: [b.port] });
  const raw = await exchange(port, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  const urls = [...raw.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(urls, ['/1', '/2', '/3']);
  assert.equal(heads(raw).length, 3);
  assert.match(heads(raw)[2], /\r\nConnection: close$/);
  for (let i = 0; i < 5; i++) await exchange(port, `GET /x${i} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
  assert.equal(conns, 1, 'one keep-alive backend connection for all requests');
});

test('request headers: hop-by-hop removed, forwarded headers set, the rest passed in order', async () => {
  const b = await httpBackend(echoUrl);
  const { port } = await proxyFor({ 'a.test': [b.port] });
  const raw = await exchange(
    port,
    [
      'GET /h?q=1 HTTP/1.1',
      'Host: a.test:8080',
      'X-First: 1',
      'Connection: keep-alive, X-Secret',
      'X-Secret: s',
      'Keep-Alive: 300',
      'TE: trailers',
      'Proxy-Connection: keep-alive',
      'Upgrade: h2c',
      'X-Forwarded-For: 10.0.0.1',
      'X-Forwarded-Proto: https',
      'X-Forwarded-Port: 1',
      'X-Real-Ip: 6.6.6.6',
      'x-last: \u00e9',
      '',
      'GET /end HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n',
    ].join('\r\n'),
  );
  const first = JSON.parse(Buffer.from(responses(raw)[0].body, 'latin1').toString('utf8')) as { url: string; raw: string[] };
  assert.equal(first.url, '/h?q=1');
  const pairs: string[] = [];
  for (let i = 0; i < first.raw.length; i += 2) pairs.push(`${first.raw[i]}: ${first.raw[i + 1]}`);
  assert.deepEqual(pairs, [
    'Host: a.test:8080',
    'X-First: 1',
    // latin1 in, latin1 out: node decodes the byte 0xe9 as 'é' too
    'x-last: \u00e9',
    'X-Forwarded-For: 10.0.0.1, 127.0.0.1',
    'X-Forwarded-Proto: http',
    'X-Forwarded-Host: a.test:8080',
    `X-Forwarded-Port: ${port}`,
    'X-Real-Ip: 127.0.0.1',
  ]);
});

test('response headers: hop-by-hop and Connection-listed ones removed; Set-Cookie lines kept apart', async () => {
  const b = await rawBackend((s) =>
    s.once('data', () =>
      s.end('HTTP/1.1 201 Made\r\nConnection: close, X-Internal\r\nX-Internal: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authenticate: x\r\nTrailer: X-T\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok'),
    ),
  );
  const { port } = await proxyFor({ a: [b.port] });
  const raw = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 201 Made\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok$/);
});

test('chunked request bodies are decoded and re-encoded; chunked responses stay chunked', async () => {
  const b = await httpBackend((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'x-te': String(req.headers['transfer-encoding']) });
      res.write(`got:${Buffer.concat(parts).toString()}`);
      res.end(':done');
    });
  });
  const { port } = await proxyFor({ a: [b.port] });
  const raw = await exchange(
    port,
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel',
    'lo\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
    'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
  );
  const [h1] = heads(raw);
  assert.match(h1, /\r\nx-te: chunked\r\n/);
  assert.match(h1, /\r\nTransfer-Encoding: chunked$/);
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  assert.ok(body.startsWith('f\r\ngot:hello world\r\n5\r\n:done\r\n0\r\n\r\nHTTP/1.1 200 OK'), JSON.stringify(body));
  assert.deepEqual(responses(raw).map((r) => r.body), ['got:hello world:done', 'got::done']);
});

test('HEAD responses have no body and keep the connection in step', async () => {
  const b = await httpBackend((req, res) => {
    res.writeHead(200, { 'content-length': 5 });
    res.end(req.method === 'HEAD' ? undefined : 'hello');
  });
  const { port } = await proxyFor({ a: [b.port] });
  const raw = await exchange(port, 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  const [head, get] = responses(raw, [0]);
  assert.match(head.head, /^HTTP\/1\.1 200 OK\r\n.*Content-Length: 5/s);
  assert.equal(head.body, '');
  assert.equal(get.status, 200);
  assert.equal(get.body, 'hello');
});

test('HTTP/1.0 clients: close by default, keep-alive on request, no chunked encoding', async () => {
  const b = await httpBackend((req, res) => {
    req.resume();
    res.write('part1,');
    res.end('part2'); // chunked to an HTTP/1.1 peer
  });
  const { port } = await proxyFor({ a: [b.port] });
  const one = await exchange(port, 'GET / HTTP/1.0\r\nHost: a\r\n\r\n');
  assert.match(one, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(one, /\r\nConnection: close\r\n\r\npart1,part2$/);
  assert.doesNotMatch(one, /Transfer-Encoding/i);
  const c = await httpBackend((_req, res) => res.end('x'));
  const { port: p2 } = await proxyFor({ b: [c.port] });
  const two = await exchange(p2, 'GET / HTTP/1.0\r\nHost: b\r\nConnection: keep-alive\r\n\r\n', 'GET / HTTP/1.0\r\nHost: b\r\n\r\n');
  const rs = responses(two);
  assert.equal(rs.length, 2);
  assert.match(rs[0].head, /\r\nContent-Length: 1\r\nConnection: keep-alive$/);
  assert.match(rs[1].head, /\r\nContent-Length: 1\r\nConnection: close$/);
  assert.deepEqual(rs.map((r) => r.body), ['x', 'x']);
});

test('malformed requests are refused and never reach a backend', async () => {
  let reached = 0;
  const b = await httpBackend((req, res) => {
    reached++;
    req.resume();
    res.end('x');
  });
  const { port } = await proxyFor({ a: [b.port] });
  const cases: [string, number][] = [
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n y\r\n\r\n', 400],
    ['GET / HTTP/3.0\r\nHost: a\r\n\r\n', 505],
    [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431],
    ['GET / HTTP/1.1\nHost: a\n\n', 400],
  ];
  for (const [text, code] of cases) {
    const raw = await exchange(port, text);
    assert.match(raw, new RegExp(`^HTTP/1\\.1 ${code} `), JSON.stringify(text.slice(0, 40)));
    assert.match(raw, /\r\nconnection: close\r\n/);
  }
  assert.equal(reached, 0);
});

test('404 without a route, 503 without endpoints, 502 when the backend refuses; keep-alive survives', async () => {
  const dead = await deadPort();
  const { port, proxy } = await proxyFor({ dead: [dead], empty: [] });
  const raw = await exchange(port, 'GET / HTTP/1.1\r\nHost: nobody\r\n\r\nGET / HTTP/1.1\r\nHost: empty\r\n\r\nGET / HTTP/1.1\r\nHost: dead\r\nConnection: close\r\n\r\n');
  const statuses = heads(raw).map((h) => h.slice(0, 12));
  assert.deepEqual(statuses, ['HTTP/1.1 404', 'HTTP/1.1 503', 'HTTP/1.1 502']);
  assert.match(raw, /404 page not found\n/);
  assert.match(raw, /no available server\n/);
  assert.match(raw, /Bad Gateway\n$/);
  const ep = proxy.table.exactHosts.get('dead')!.paths.prefixes[0].backend.endpoints[0];
  assert.ok(ep.downUntil > Date.now(), 'refused endpoint marked down');
});

test('a keep-alive connection the backend dropped is retried on a fresh one', async () => {
  let requests = 0;
  const b = await rawBackend((s) => {
    let served = 0;
    s.on('data', () => {
      requests++;
      // Answers the first request of each connection, then resets it on the next.
      if (served++ === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else s.resetAndDestroy();
    });
  });
  const { port } = await proxyFor({ a: [b.port] });
  const raw = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.deepEqual(heads(raw).map((h) => h.slice(0, 12)), ['HTTP/1.1 200', 'HTTP/1.1 200']);
  assert.equal(b.conns, 2);
  assert.equal(requests, 3);
  // A POST with a body is not retried.
  const post = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx');
  assert.deepEqual(heads(post).map((h) => h.slice(0, 12)), ['HTTP/1.1 200', 'HTTP/1.1 502']);
});

test('a body delimited by the backend closing is relayed, then the client connection closes', async () => {
  const b = await rawBackend((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end')));
  const { port } = await proxyFor({ a: [b.port] });
  const raw = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain\r\nDate: [^\r]+\r\nConnection: close\r\n\r\nuntil the end$/);
});

test('a backend that dies mid-body cuts the client connection; one that sends garbage gets a 502', async () => {
  const b = await rawBackend((s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a bit', () => s.destroy())));
  const g = await rawBackend((s) => s.once('data', () => s.write('SSH-2.0-OpenSSH\r\n\r\n')));
  const { port } = await proxyFor({ a: [b.port], g: [g.port] });
  const raw = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 200 OK\r\nDate: [^\r]+\r\nContent-Length: 100\r\n\r\nonly a bit$/);
  const bad = await exchange(port, 'GET / HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
});

test('a client going away mid-response closes the backend request', async () => {
  let closed!: () => void;
  const backendSawClose = new Promise<void>((r) => (closed = r));
  const b = await httpBackend((req, res) => {
    res.writeHead(200);
    const t = setInterval(() => res.write('tick\n'), 5);
    res.on('close', () => {
      clearInterval(t);
      closed();
    });
  });
  const { port, proxy } = await proxyFor({ a: [b.port] });
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET /stream HTTP/1.1\r\nHost: a\r\n\r\n'));
    s.once('data', () => {
      s.destroy();
      resolve();
    });
  });
  await backendSawClose;
  assert.equal(proxy.idleUpstreams, 0, 'the aborted backend connection is not pooled');
});

test('1xx responses are relayed, 100-continue works end to end', async () => {
  const b = await rawBackend((s) =>
    s.once('data', () => s.end('HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')),
  );
  const c = await httpBackend((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => res.end(`len=${Buffer.concat(parts).length}`));
  });
  const { port } = await proxyFor({ a: [b.port], c: [c.port] });
  const raw = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 103 Early Hints\r\nLink: <\/s\.css>; rel=preload\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  const result = await new Promise<{ sawContinue: boolean; body: string }>((resolve, reject) => {
    let sawContinue = false;
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/', headers: { host: 'c', expect: '100-continue', 'content-length': 4 } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ sawContinue, body }));
    });
    req.on('continue', () => {
      sawContinue = true;
      req.end('abcd');
    });
    req.on('error', reject);
  });
  assert.deepEqual(result, { sawContinue: true, body: 'len=4' });
});

test('a declined upgrade is relayed and the connection closes', async () => {
  const b = await httpBackend((req, res) => {
    res.writeHead(426, { 'content-length': 2 });
    res.end('no');
  });
  const { port } = await proxyFor({ a: [b.port] });
  const raw = await exchange(port, 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.match(raw, /\r\nConnection: close\r\n\r\nno$/);
});

test('a large response to a slow reader streams with backpressure', async () => {
  const size = 16 * 1024 * 1024;
  const b = await httpBackend((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': size });
    const chunk = Buffer.alloc(256 * 1024, 1);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const { port } = await proxyFor({ a: [b.port] });
  const got = await new Promise<number>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: 'a' }, agent: false }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => {
        n += d.length;
        res.pause();
        setTimeout(() => res.resume(), 1);
      });
      res.on('end', () => resolve(n));
    });
    req.on('error', reject);
  });
  assert.equal(got, size);
});

test('a client that half-closes after its request still gets the answer; HTTP/1.0 without Host', async () => {
  const b = await httpBackend(echoUrl);
  const { port } = await proxyFor({ '': [b.port] }); // a rule without host
  const raw = await new Promise<string>((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end('GET /half HTTP/1.0\r\n\r\n'));
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
  const [r] = responses(raw);
  assert.equal(r.status, 200);
  const got = JSON.parse(r.body) as { url: string; raw: string[] };
  assert.equal(got.url, '/half');
  const host = got.raw[got.raw.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'host') + 1];
  assert.equal(host, `127.0.0.1:${b.port}`, 'no Host from the client: the endpoint address, as node:http did');
});

test('idle client connections and idle backend connections are closed after their timeouts', async () => {
  const b = await httpBackend(echoUrl);
  const { port, proxy } = await proxyFor({ a: [b.port] }, { clientIdleMs: 150, upstreamIdleMs: 150 });
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
    let t0 = 0;
    s.on('data', () => (t0 = Date.now()));
    s.on('error', reject);
    s.on('close', () => resolve(Date.now() - t0));
  });
  assert.ok(closedAfter >= 100 && closedAfter < 1000, `closed after ${closedAfter} ms`);
  const until = Date.now() + 2000;
  while ((proxy.idleUpstreams > 0 || proxy.connections > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(proxy.idleUpstreams, 0);
  assert.equal(proxy.connections, 0);
});
