import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestHead, HeadError } from './http1.js';

// Fuzz (differential against node:http): the proxy accepted request-targets with bytes ≥ 0x80,
// which llhttp refuses ("Invalid char in url path"); a request-target is ASCII (RFC 9112 §3.2).
test('a request-target with a byte ≥ 0x80 is a 400; such bytes in header values stay allowed', () => {
  for (const t of ['/\u0080', '/caf\u00e9', '/a?q=\u00ff']) {
    assert.throws(() => parseRequestHead(`GET ${t} HTTP/1.1\r\nHost: a`), (e: unknown) => e instanceof HeadError && e.status === 400, t);
  }
  assert.equal(parseRequestHead('GET /caf%C3%A9 HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9').target, '/caf%C3%A9');
});
