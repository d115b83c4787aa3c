import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestTarget } from './request-target.js';

test('an origin-form target is a path, even when it starts with // (fuzz: //%2F was a 500, //host/api/... served /api/...)', () => {
  assert.equal(parseRequestTarget('//%2F', 'https://localhost')?.pathname, '//%2F');
  assert.equal(parseRequestTarget('//a:b/api', 'https://localhost')?.pathname, '//a:b/api');
  const u = parseRequestTarget('//localhost/api/v1/namespaces?limit=1', 'https://localhost')!;
  assert.equal(u.pathname, '//localhost/api/v1/namespaces');
  assert.equal(u.searchParams.get('limit'), '1');
  assert.equal(parseRequestTarget('/api/v1/pods?watch=1', 'https://localhost')?.pathname, '/api/v1/pods');
  assert.equal(parseRequestTarget(undefined, 'https://localhost')?.pathname, '/');
});

test('absolute-form targets keep their path; what is no URL at all is undefined', () => {
  assert.equal(parseRequestTarget('http://x/api/v1', 'https://localhost')?.pathname, '/api/v1');
  assert.equal(parseRequestTarget('http://[/x', 'https://localhost'), undefined);
});
