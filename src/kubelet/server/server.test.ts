import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import { WebSocket } from 'ws';
import { createCA, signLeaf, type KeyPairPem } from '../../pki/index.js';
import { badRequest } from '../../api/status.js';
import { attachSocket, SpdySession, type SpdyStream } from '../../util/spdy/index.js';
import { startKubeletServer, readCriLog, KUBE_APISERVER_KUBELET_CLIENT, type KubeletServer } from './index.js';
import { FakeRuntime } from './testing/fake-runtime.js';
import { openRawWebSocket } from './testing/raw-websocket.js';
import '../metrics.js';

let dir: string;
let ca: KeyPairPem;
let client: KeyPairPem;
let stranger: KeyPairPem;
let kubelet: KubeletServer;
let echo: Server;
let runtime: FakeRuntime;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-server-'));
  ca = await createCA('test-ca');
  const serving = await signLeaf(ca, { commonName: 'kubelet', ips: ['127.0.0.1'], server: true });
  client = await signLeaf(ca, { commonName: KUBE_APISERVER_KUBELET_CLIENT, organizations: ['system:masters'], client: true });
  stranger = await signLeaf(ca, { commonName: 'system:admin', organizations: ['system:masters'], client: true });
  echo = createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
  await new Promise((r) => echo.once('listening', r));
  runtime = new FakeRuntime({ ports: { 80: (echo.address() as { port: number }).port } });
  writeFileSync(
    join(dir, 'c.log'),
    [
      '2024-01-01T00:00:01.000000000Z stdout F one',
      '2024-01-01T00:00:02.000000000Z stderr F two',
      '2024-01-01T00:00:03.000000000Z stdout P thr',
      '2024-01-01T00:00:03.500000000Z stdout F ee',
      '',
    ].join('\n'),
  );
  kubelet = await startKubeletServer({
    port: 0,
    bindAddress: '127.0.0.1',
    tls: { cert: serving.cert, key: serving.key, ca: ca.cert },
    runtime,
    resolveContainer: (_ns, pod, container) => {
      if (pod !== 'p') return badRequest(`pod ${pod} not found on this node`);
      if (container === 'w') return badRequest(`container "w" in pod "p" is waiting to start: ContainerCreating`);
      return { containerId: 'cid', sandboxId: 'sid', logPath: join(dir, 'c.log'), podIP: '10.0.0.2' };
    },
    readLog: readCriLog,
  });
});

after(async () => {
  await kubelet.close();
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, who: KeyPairPem | null = client): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: kubelet.port, path, ca: ca.cert, cert: who?.cert, key: who?.key, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('healthz is anonymous; everything else needs the API server client certificate', async () => {
  assert.deepEqual(await get('/healthz', null), { code: 200, body: 'ok' });
  assert.equal((await get('/containerLogs/default/p/c', null)).code, 401);
  const forbidden = await get('/containerLogs/default/p/c', stranger);
  assert.equal(forbidden.code, 403);
  assert.match(forbidden.body, /system:admin/);
});

test('metrics: Prometheus text for any client certificate the cluster CA signed, 401 without one', async () => {
  assert.equal((await get('/metrics', null)).code, 401);
  const m = await get('/metrics', stranger);
  assert.equal(m.code, 200);
  assert.match(m.body, /^# HELP kubelet_pod_start_duration_seconds /m);
  assert.match(m.body, /^# TYPE kubelet_running_pods gauge$/m);
});

test('logs: plain text, timestamps, tailLines, sinceTime, limitBytes, resolver errors', async () => {
  assert.deepEqual(await get('/containerLogs/default/p/c'), { code: 200, body: 'one\ntwo\nthree\n' });
  assert.equal((await get('/containerLogs/default/p/c?tailLines=1')).body, 'three\n');
  assert.equal((await get('/containerLogs/default/p/c?tailLines=1&timestamps=true')).body, '2024-01-01T00:00:03.000000000Z thr2024-01-01T00:00:03.500000000Z ee\n');
  assert.equal((await get('/containerLogs/default/p/c?sinceTime=2024-01-01T00:00:02Z')).body, 'two\nthree\n');
  assert.equal((await get('/containerLogs/default/p/c?limitBytes=6')).body, 'one\ntw');
  const waiting = await get('/containerLogs/default/p/w');
  assert.equal(waiting.code, 400);
  assert.equal(JSON.parse(waiting.body).message, 'container "w" in pod "p" is waiting to start: ContainerCreating');
  assert.equal((await get('/containerLogs/default/p/c?sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z')).code, 400);
  assert.equal((await get('/containerLogs/default/p/c?previous=true')).code, 400);
});

interface WsRun {
  out: string;
  err: string;
  status: { status: string; reason?: string; details?: { causes?: Array<{ reason: string; message: string }> } };
}

function wsExec(query: string, drive?: (ws: WebSocket) => void, protocol = 'v5.channel.k8s.io'): Promise<WsRun> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${kubelet.port}/exec/default/p/c?${query}`, [protocol], { ca: ca.cert, cert: client.cert, key: client.key });
    const run: WsRun = { out: '', err: '', status: { status: '' } };
    ws.on('open', () => {
      assert.equal(ws.protocol, protocol);
      drive?.(ws);
    });
    ws.on('message', (d: Buffer) => {
      const p = d.subarray(1).toString();
      if (d[0] === 1) run.out += p;
      else if (d[0] === 2) run.err += p;
      else if (d[0] === 3) run.status = JSON.parse(p) as WsRun['status'];
    });
    ws.on('close', () => resolve(run));
    ws.on('error', reject);
  });
}

test('exec over WebSocket v5: stdout, stderr, Success status, then close', async () => {
  const r = await wsExec('command=echo&command=hi&stdout=true&stderr=true');
  assert.equal(r.out, 'hi\n');
  assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  const w = await wsExec('command=warn&command=careful&stdout=true&stderr=true');
  assert.equal(w.err, 'careful\n');
});

test('exec over WebSocket: non-zero exit is a NonZeroExitCode Failure with the ExitCode cause', async () => {
  const r = await wsExec('command=sh&command=-c&command=exit%203&stdout=true&stderr=true');
  assert.equal(r.status.status, 'Failure');
  assert.equal(r.status.reason, 'NonZeroExitCode');
  assert.deepEqual(r.status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
});

test('exec over WebSocket v5: stdin on channel 0, EOF on channel 255', async () => {
  const r = await wsExec('command=cat&stdin=true&stdout=true&stderr=true', (ws) => {
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello\n')]));
    ws.send(Buffer.from([255, 0]));
  });
  assert.equal(r.out, 'hello\n');
  assert.equal(r.status.status, 'Success');
});

test('exec over WebSocket v4: stdin in a text frame (the Python client sends str that way)', async () => {
  const r = await wsExec(
    'command=cat&stdin=true&stdout=true',
    (ws) => {
      ws.send('\u0000typed\n', { binary: false });
      setTimeout(() => ws.close(), 100);
    },
    'v4.channel.k8s.io',
  );
  assert.equal(r.out, 'typed\n');
  // The client's close kills the process (as in the next test, which counts kills).
  const before = runtime.killed.length;
  for (let i = 0; i < 50 && runtime.killed.length === before; i++) await new Promise((res) => setTimeout(res, 10));
});

test('exec over WebSocket v4 (no close channel): the client closing kills the process', async () => {
  const before = runtime.killed.length;
  const r = await wsExec(
    'command=cat&stdin=true&stdout=true',
    (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('x')]));
      setTimeout(() => ws.close(), 100);
    },
    'v4.channel.k8s.io',
  );
  assert.equal(r.out, 'x');
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(runtime.killed.length, before + 1);
});

test('exec over WebSocket: resize on channel 4 reaches the session', async () => {
  const r = await wsExec('command=winsize&stdin=true&stdout=true&tty=true', (ws) => {
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":120,"Height":40}')]));
    setTimeout(() => ws.send(Buffer.from([255, 0])), 50);
  });
  assert.equal(r.out, '120x40\n');
  assert.equal(runtime.execs.at(-1)?.tty, true);
});

test('exec: unknown binary is a Failure status on channel 3; bad queries are refused before the upgrade', async () => {
  const r = await wsExec('command=nope&stdout=true');
  assert.equal(r.status.status, 'Failure');
  assert.match(JSON.stringify(r.status), /executable file not found/);
  await assert.rejects(wsExec('command=echo'), /400/);
});

/** Opens an upgraded plain-SPDY connection as kubectl's fallback does. */
function spdyConnect(path: string, protocols: string): Promise<ReturnType<typeof attachSocket>> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: '127.0.0.1', port: kubelet.port, ca: ca.cert, cert: client.cert, key: client.key }, () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocols}\r\nContent-Length: 0\r\n\r\n`);
    });
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const head = buf.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
      resolve(attachSocket(sock, { isServer: false }, buf.subarray(end + 4)));
    };
    sock.on('data', onData);
    sock.on('error', reject);
  });
}

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of s) out += c.toString();
  return out;
}

test('exec over SPDY (v4): streams by streamtype, stdin FIN is EOF, status on the error stream', async () => {
  const session = await spdyConnect('/exec/default/p/c?command=cat&stdin=true&stdout=true&stderr=true', 'v5.channel.k8s.io, v4.channel.k8s.io');
  const error = session.openStream({ streamtype: 'error' });
  const stdin = session.openStream({ streamtype: 'stdin' });
  const stdout = session.openStream({ streamtype: 'stdout' });
  const stderr = session.openStream({ streamtype: 'stderr' });
  error.end();
  await Promise.all([error, stdin, stdout, stderr].map((s) => s.replyReceived));
  const out = readAll(stdout);
  const status = readAll(error);
  stderr.resume();
  stdin.end('over spdy\n');
  assert.equal(await out, 'over spdy\n');
  assert.deepEqual(JSON.parse(await status), { metadata: {}, status: 'Success' });
  session.close();
});

test('port-forward: SPDY tunnelled in WebSocket, error+data pairs per request, to a local echo server', async () => {
  const ws = await openRawWebSocket({ port: kubelet.port, path: '/portForward/default/p', protocol: 'SPDY/3.1+portforward.k8s.io', ca: ca.cert, cert: client.cert, key: client.key });
  assert.equal(ws.protocol, 'SPDY/3.1+portforward.k8s.io');
  const session = new SpdySession({ isServer: false, send: (b) => (ws.send(Buffer.from(b)), true), close: () => ws.close() });
  // Message boundaries are arbitrary: the SPDY byte stream is the concatenation.
  ws.onMessage((b) => session.receive(b));
  ws.onClose(() => session.transportClosed());
  const forward = async (requestId: number, port: number, payload: string): Promise<{ data: string; error: string }> => {
    const error = session.openStream({ streamtype: 'error', port: String(port), requestid: String(requestId) });
    await error.replyReceived;
    error.end();
    const data: SpdyStream = session.openStream({ streamtype: 'data', port: String(port), requestid: String(requestId) });
    await data.replyReceived;
    const errText = readAll(error);
    const got = readAll(data);
    data.end(payload);
    return { data: await got, error: await errText };
  };
  assert.deepEqual(await forward(0, 80, 'ping'), { data: 'ping', error: '' });
  const big = 'z'.repeat(300_000);
  assert.equal((await forward(1, 80, big)).data.length, big.length);
  const refused = await forward(2, 81, 'x');
  assert.match(refused.error, /error forwarding port 81 to pod .*connection refused/);
  session.close();
});

test('port-forward: plain SPDY negotiates portforward.k8s.io', async () => {
  const session = await spdyConnect('/portForward/default/p', 'portforward.k8s.io');
  const error = session.openStream({ streamtype: 'error', port: '80', requestid: '0' });
  error.end();
  const data = session.openStream({ streamtype: 'data', port: '80', requestid: '0' });
  await data.replyReceived;
  const got = readAll(data);
  data.end('plain');
  assert.equal(await got, 'plain');
  session.close();
  await assert.rejects(spdyConnect('/portForward/default/p', 'v4.channel.k8s.io'), /400/);
});

test('port-forward over the WebSocket channel protocol (JavaScript and Python clients): port prefix, data both ways, close', { timeout: 10_000 }, async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${kubelet.port}/portForward/default/p?port=80`, ['v4.channel.k8s.io'], { ca: ca.cert, cert: client.cert, key: client.key });
  const frames: Buffer[] = [];
  ws.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  assert.equal(ws.protocol, 'v4.channel.k8s.io');
  ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
  const data = (): string => Buffer.concat(frames.filter((f) => f[0] === 0).map((f) => f.subarray(1))).subarray(2).toString();
  for (let i = 0; i < 100 && data() !== 'ping'; i++) await new Promise((r) => setTimeout(r, 20));
  // Each channel opens with the port, little-endian; the echo server sent the bytes back.
  assert.deepEqual(frames.filter((f) => f.length === 3).map((f) => [...f]), [[0, 80, 0], [1, 80, 0]]);
  assert.equal(data(), 'ping');
  const closed = new Promise((r) => ws.once('close', r));
  ws.close();
  await closed;
  // No port, or a bad one: 400 before the upgrade.
  for (const q of ['', '?port=0', '?port=http']) {
    const bad = new WebSocket(`wss://127.0.0.1:${kubelet.port}/portForward/default/p${q}`, ['v4.channel.k8s.io'], { ca: ca.cert, cert: client.cert, key: client.key });
    await assert.rejects(new Promise((resolve, reject) => { bad.once('open', resolve); bad.once('error', reject); }), /400/);
  }
});
