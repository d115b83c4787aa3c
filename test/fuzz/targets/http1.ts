// Ingress HTTP/1.1 request heads (src/ingress/http1.ts), differential against node:http's
// parser (llhttp) on the same bytes: a real http.Server on 127.0.0.1 gets the head over a
// socket and records what it parsed (or its clientError). Heads are built from request-line
// and header pieces, real and hostile, joined with CRLF and now and then a bare CR or LF.
//
// Asserted: anything the proxy accepts, node accepts too, with the same method, target, Host,
// framing (Content-Length / chunked), X-Forwarded-For and forwarded header lines; anything
// node refuses, the proxy refuses. The proxy may refuse more than node (it is stricter on
// purpose where a lenient parser invites request smuggling); those cases are counted by reason.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { parseRequestHead, HeadError, type RequestHead } from '../../../src/ingress/http1.js';
import { decodeOrFail, type FuzzTarget } from '../target.js';
import { hostileString } from '../arbitraries.js';

const tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const token = fc.string({ unit: fc.constantFrom(...tchars), minLength: 1, maxLength: 12 });
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 });
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') }, { weight: 1, arbitrary: fc.constantFrom('get', 'CONNECT', 'TRACE', 'G ET', '') }, { weight: 1, arbitrary: token }, { weight: 1, arbitrary: latin1 });
const target = fc.oneof(
  { weight: 6, arbitrary: fc.webPath().map((p) => p || '/') },
  { weight: 2, arbitrary: fc.webUrl({ withQueryParameters: true }) },
  { weight: 1, arbitrary: fc.constantFrom('*', '/a b', '/a\tb', '/%00', '/?x=\u00e9', '//x', '/a#f', '') },
  { weight: 1, arbitrary: latin1.map((s) => `/${s}`) },
);
const version = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.10', 'HTTP/1', 'HTTP/1.1 ', '') });
const headerName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('Host', 'host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Upgrade', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Real-Ip', 'Keep-Alive', 'TE', 'Trailer', 'Accept', 'X-Custom', 'Cookie', 'Date') },
  { weight: 2, arbitrary: token },
  { weight: 1, arbitrary: latin1 },
);
const headerValue = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('example.com', 'a.example:8080', '0', '5', '007', '-1', '1,1', ' 5 ', 'chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'close', 'keep-alive', 'Upgrade', 'websocket', 'x-custom', '1.2.3.4', '*/*', '', ' spaced ', 'a\tb') },
  { weight: 2, arbitrary: latin1 },
  { weight: 1, arbitrary: hostileString.map((s) => Buffer.from(s, 'utf8').toString('latin1')) },
);
const eol = fc.oneof({ weight: 20, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\r\r\n') });
const sep = fc.oneof({ weight: 10, arbitrary: fc.constant(': ') }, { weight: 1, arbitrary: fc.constantFrom(':', ' : ', ':\t', ': \t', '') });
const header = fc.tuple(headerName, sep, headerValue, eol, fc.option(fc.constantFrom(' folded', '\tfolded'), { freq: 30 })).map(([n, s, v, e, fold]) => `${n}${s}${v}${e}${fold ? `${fold}\r\n` : ''}`);

/** A head without its final blank line; a stray CRLFCRLF inside is cut so both parsers see one head. */
export const requestHead = fc
  .tuple(method, fc.constantFrom(' ', ' ', ' ', '  ', '\t'), target, fc.constantFrom(' ', ' ', ' ', '  '), version, eol, fc.boolean(), fc.array(header, { maxLength: 8 }))
  .map(([m, s1, t, s2, v, e, host, headers]) => {
    let head = `${m}${s1}${t}${s2}${v}${e}${host ? 'Host: example.com\r\n' : ''}${headers.join('')}`;
    const cut = head.indexOf('\r\n\r\n');
    if (cut >= 0) head = head.slice(0, cut + 2);
    return head.endsWith('\r\n') ? head.slice(0, -2) : head;
  });

interface NodeView {
  ok: boolean;
  error?: string;
  method?: string;
  url?: string;
  raw?: string[];
  headers?: IncomingMessage['headers'];
}

const REMOVED = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer']);

/** The header lines the proxy forwards, as [name, value] pairs. */
function ourLines(h: RequestHead): string[][] {
  return h.lines.split('\r\n').filter((l) => l).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()];
  });
}

function nodeLines(raw: string[], connection: string | undefined): string[][] {
  const extra = new Set((connection ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
  const out: string[][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i].toLowerCase();
    if (REMOVED.has(n) || extra.has(n)) continue;
    out.push([raw[i], raw[i + 1].trim()]);
  }
  return out;
}

/** Why the proxy refused where node accepted: counted in the run's summary. */
export const stricterThanNode = new Map<string, number>();
/** What node refused for its own reasons while the proxy accepted (allowed, counted). */
export const nodeOnlyRefusals = new Map<string, number>();

export const http1Target: FuzzTarget = {
  name: 'http1-differential',
  about: "Ingress request heads: parseRequestHead against node:http (llhttp) on the same bytes; never accepts what node refuses, same method/target/headers when both accept",
  weight: 2,
  open: async () => {
    // What node parsed, by the client's port (a late clientError of one connection must not
    // be taken for the next one's).
    const views = new Map<number, NodeView>();
    const record = (req: IncomingMessage): void => {
      views.set(req.socket.remotePort!, { ok: true, method: req.method, url: req.url, raw: req.rawHeaders, headers: req.headers });
    };
    const server: Server = createServer({ requireHostHeader: true }, (req, res) => {
      record(req);
      res.writeHead(200, { connection: 'close' });
      res.end();
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => { record(req); socket.destroy(); });
    server.on('connect', (req: IncomingMessage, socket: Socket) => { record(req); socket.destroy(); });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      const port = socket.remotePort;
      if (port !== undefined && !views.has(port)) views.set(port, { ok: false, error: `${err.code ?? err.message}${(err as { reason?: string }).reason ? ` (${(err as { reason?: string }).reason})` : ''}` });
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const nodeParse = (head: string): Promise<NodeView> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port });
        let local = 0;
        const timer = setTimeout(() => { s.destroy(); reject(new Error('node:http neither answered nor refused within 3 s')); }, 3000);
        s.on('connect', () => {
          local = s.localPort!;
          views.delete(local);
          s.end(Buffer.from(`${head}\r\n\r\n`, 'latin1'));
        });
        s.on('error', () => undefined);
        s.on('data', () => undefined);
        s.on('close', () => {
          clearTimeout(timer);
          const v = views.get(local);
          views.delete(local);
          resolve(v ?? { ok: false, error: 'closed without a parse' });
        });
      });
    return {
      property: fc.asyncProperty(requestHead, async (head) => {
        const ours = decodeOrFail(() => parseRequestHead(head), HeadError);
        const node = await nodeParse(head);
        if (ours instanceof Error) {
          if (node.ok) stricterThanNode.set(ours.message, (stricterThanNode.get(ours.message) ?? 0) + 1);
          return true;
        }
        // llhttp knows a fixed list of methods; RFC 9110 allows any token (extension methods),
        // which the proxy forwards. That refusal is node's, not a parse difference.
        if (!node.ok && node.error?.startsWith('HPE_INVALID_METHOD')) {
          nodeOnlyRefusals.set('extension method', (nodeOnlyRefusals.get('extension method') ?? 0) + 1);
          return true;
        }
        assert.ok(node.ok, `the proxy accepted a head node:http refuses (${node.error}): ${JSON.stringify(head)} (${Buffer.from(head, "latin1").toString("hex")})`);
        assert.equal(ours.method, node.method, 'method');
        assert.equal(ours.target, node.url, 'target');
        assert.equal(ours.host, node.headers!.host, 'Host');
        const cl = node.headers!['content-length'];
        assert.equal(ours.contentLength, cl === undefined ? -1 : Number(cl), 'Content-Length');
        assert.equal(ours.chunked, /(^|,)\s*chunked\s*$/i.test(String(node.headers!['transfer-encoding'] ?? '')), 'chunked');
        assert.equal(ours.forwardedFor, node.headers!['x-forwarded-for'] ?? '', 'X-Forwarded-For');
        assert.deepEqual(ourLines(ours), nodeLines(node.raw!, node.headers!.connection), 'forwarded header lines');
        return true;
      }),
      close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    };
  },
};
