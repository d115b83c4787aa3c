import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedDecoder, HeadError, parseRequestHead, parseResponseHead } from './http1.js';

function req(lines: string[]): string {
  return lines.join('\r\n');
}

function status(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof HeadError) return e.status;
    throw e;
  }
  return undefined;
}

test('request head: forwarded lines keep order and case, hop-by-hop and forwarded headers go', () => {
  const r = parseRequestHead(
    req([
      'POST /a?b=1 HTTP/1.1',
      'Host: Example.COM:8080',
      'Connection: keep-alive, X-Secret',
      'X-Secret: s',
      'Keep-Alive: 300',
      'TE: trailers',
      'Proxy-Authorization: Basic x',
      'Upgrade: websocket',
      'X-Forwarded-For: 10.0.0.1',
      'x-forwarded-for: 10.0.0.2',
      'X-Forwarded-Proto: https',
      'X-Real-Ip: 1.2.3.4',
      'Content-Length: 5',
      'User-Agent: t \u00e9',
      'accept: */*',
    ]),
  );
  assert.equal(r.method, 'POST');
  assert.equal(r.target, '/a?b=1');
  assert.equal(r.host, 'Example.COM:8080');
  assert.equal(r.contentLength, 5);
  assert.equal(r.chunked, false);
  assert.equal(r.close, false);
  assert.equal(r.upgrade, undefined, 'Upgrade without Connection: upgrade is no upgrade');
  assert.equal(r.forwardedFor, '10.0.0.1, 10.0.0.2');
  assert.equal(r.lines, 'Host: Example.COM:8080\r\nUser-Agent: t \u00e9\r\naccept: */*\r\n');
});

test('request head: connection semantics, upgrade, HTTP/1.0', () => {
  assert.equal(parseRequestHead(req(['GET / HTTP/1.1', 'Host: a', 'Connection: Close'])).close, true);
  assert.equal(parseRequestHead(req(['GET / HTTP/1.0'])).close, true);
  assert.equal(parseRequestHead(req(['GET / HTTP/1.0', 'Connection: keep-alive'])).close, false);
  assert.equal(parseRequestHead(req(['GET / HTTP/1.0'])).host, undefined);
  const u = parseRequestHead(req(['GET /ws HTTP/1.1', 'Host: a', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: k']));
  assert.equal(u.upgrade, 'websocket');
  assert.equal(u.lines, 'Host: a\r\nSec-WebSocket-Key: k\r\n');
  const c = parseRequestHead(req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: gzip, chunked']));
  assert.equal(c.chunked, true);
  assert.equal(c.transferEncoding, 'gzip, chunked');
  assert.equal(c.lines, 'Host: a\r\n');
  assert.equal(parseRequestHead(req(['GET * HTTP/1.1', 'Host: a'])).target, '*');
  assert.equal(parseRequestHead(req(['GET / HTTP/1.1', 'Host: a', 'Content-Length: 7', 'content-length: 7'])).contentLength, 7);
});

test('request head: refused heads', () => {
  const bad: [string[], number][] = [
    [['GET / HTTP/1.1'], 400], // no Host
    [['GET / HTTP/1.1', 'Host: a', 'Host: b'], 400],
    [['GET / HTTP/1.1', 'Host : a'], 400],
    [['GET / HTTP/1.1', 'Host: a', ' folded'], 400],
    [['GET / HTTP/1.1', 'Host: a', 'X: a\nb'], 400],
    [['GET / HTTP/1.1', 'Host: a', 'X: a\rb'], 400],
    [['GET / HTTP/1.1', 'Host: a', 'X: a\0b'], 400],
    [['GET / HTTP/1.1', 'Host: a', 'NoColon'], 400],
    [['GET / HTTP/1.1', 'Host: a', ': empty'], 400],
    [['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Transfer-Encoding: chunked'], 400],
    [['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked, gzip'], 400],
    [['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 6'], 400],
    [['POST / HTTP/1.1', 'Host: a', 'Content-Length: -1'], 400],
    [['POST / HTTP/1.1', 'Host: a', 'Content-Length: 1,1'], 400],
    [['GET  / HTTP/1.1', 'Host: a'], 400],
    [['GET / x HTTP/1.1', 'Host: a'], 400],
    [['G@T / HTTP/1.1', 'Host: a'], 400],
    [['GET / HTTP/2.0', 'Host: a'], 505],
    [['GET / HTTPS/1.1', 'Host: a'], 400],
    [['GET /\x01 HTTP/1.1', 'Host: a'], 400],
  ];
  for (const [lines, want] of bad) assert.equal(status(() => parseRequestHead(req(lines))), want, JSON.stringify(lines));
});

test('response head: framing, connection reuse, relayed lines', () => {
  const a = parseResponseHead(req(['HTTP/1.1 200 OK', 'Content-Length: 3', 'Connection: keep-alive', 'Keep-Alive: timeout=5', 'Set-Cookie: a=1', 'Set-Cookie: b=2']));
  assert.deepEqual([a.status, a.contentLength, a.chunked, a.closeDelimited, a.close], [200, 3, false, false, false]);
  assert.equal(a.lines, 'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n');
  assert.equal(a.statusLine, 'HTTP/1.1 200 OK');
  assert.equal(a.hasDate, false);
  assert.equal(parseResponseHead(req(['HTTP/1.1 200 OK', 'DATE: x', 'Content-Length: 0'])).hasDate, true);
  const b = parseResponseHead(req(['HTTP/1.0 404 Not Found', 'Content-Length: 0']));
  assert.deepEqual([b.statusLine, b.close, b.http10], ['HTTP/1.1 404 Not Found', true, true]);
  assert.equal(parseResponseHead(req(['HTTP/1.0 200 OK', 'Connection: keep-alive', 'Content-Length: 0'])).close, false);
  const c = parseResponseHead(req(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Trailer: X-T', 'Connection: x-int', 'X-Int: 1', 'X-Keep: 2']));
  assert.deepEqual([c.chunked, c.contentLength, c.lines], [true, -1, 'X-Keep: 2\r\n']);
  const d = parseResponseHead(req(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip']));
  assert.equal(d.closeDelimited, true);
  const e = parseResponseHead(req(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Content-Length: 10']));
  assert.deepEqual([e.chunked, e.contentLength, e.close], [true, -1, true], 'TE wins over CL; connection not reused');
  assert.equal(parseResponseHead('HTTP/1.1 204').status, 204);
  assert.equal(parseResponseHead(req(['HTTP/1.1 200 OK'])).closeDelimited, true);
  for (const h of ['HTTP/1.1 20 OK', 'HTTP/2 200 OK', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2', 'HTTP/1.1 200 OK\r\nX: a\nb', 'SSH-2.0-OpenSSH']) {
    assert.equal(status(() => parseResponseHead(h)), 502, JSON.stringify(h));
  }
});

function decodeAll(pieces: Buffer[]): { payload: string; end: number; piece: number } {
  const d = new ChunkedDecoder();
  const out: Buffer[] = [];
  const sink = { chunkData: (b: Buffer, s: number, e: number) => void out.push(Buffer.from(b.subarray(s, e))) };
  for (let i = 0; i < pieces.length; i++) {
    const end = d.feed(pieces[i], 0, sink);
    if (end >= 0) return { payload: Buffer.concat(out).toString(), end, piece: i };
  }
  return { payload: Buffer.concat(out).toString(), end: -1, piece: -1 };
}

test('chunked decoding at every split point, with extensions and trailers', () => {
  const body = '5;name=value\r\nhello\r\n1A \r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n';
  const whole = Buffer.from(body + 'NEXT');
  for (let cut = 0; cut <= whole.length; cut++) {
    const r = decodeAll([whole.subarray(0, cut), whole.subarray(cut)]);
    assert.equal(r.payload, 'helloabcdefghijklmnopqrstuvwxyz', `cut at ${cut}`);
    const consumed = r.piece === 0 ? r.end : cut + r.end;
    assert.equal(consumed, body.length, `cut at ${cut}`);
  }
  // byte by byte
  const bytes = [...Buffer.from(body)].map((b) => Buffer.from([b]));
  assert.equal(decodeAll(bytes).payload, 'helloabcdefghijklmnopqrstuvwxyz');
});

test('chunked decoding refuses malformed framing', () => {
  const bad = ['x\r\n', '5\nhello\r\n0\r\n\r\n', '5\r\nhelloX\r\n', '5\r\nhello\n0\r\n\r\n', '1234567890abc\r\n', '0\r\nX: 1\n\r\n', '0\r\n\r\r', '5 x\r\n', ';\r\n', '5;a\0\r\n'];
  for (const b of bad) assert.throws(() => decodeAll([Buffer.from(b)]), Error, JSON.stringify(b));
  assert.deepEqual(decodeAll([Buffer.from('0\r\n\r\n')]), { payload: '', end: 5, piece: 0 });
});
