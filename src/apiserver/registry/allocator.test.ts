import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../storage/index.js';
import { RangeAllocator, cidrRange, portRange, ipToInt, intToIp } from './allocator.js';

test('cidr ranges exclude network and broadcast addresses', () => {
  const r = cidrRange('ips', '10.43.0.0/16');
  assert.equal(r.size, 65534);
  assert.equal(r.at(0), '10.43.0.1');
  assert.equal(r.at(r.size - 1), '10.43.255.254');
  assert.equal(r.indexOf('10.43.0.0'), -1);
  assert.equal(r.indexOf('10.43.255.255'), -1);
  assert.equal(r.indexOf('10.44.0.1'), -1);
  assert.equal(r.indexOf('10.43.1.0'), 255);
  assert.equal(intToIp(ipToInt('192.168.1.7')), '192.168.1.7');
  assert.ok(Number.isNaN(ipToInt('1.2.3')));
});

test('concurrent allocations never hand out the same value; release frees it', async () => {
  const store = new MemoryStore();
  const a = new RangeAllocator(store, portRange('ports', 30000, 30009));
  const got = await Promise.all(Array.from({ length: 10 }, (_, i) => a.allocate(`svc-${i}`)));
  assert.equal(new Set(got).size, 10);
  assert.equal(await a.allocate('svc-x'), undefined, 'range is full');
  assert.equal(await a.claim(got[0]!, 'svc-x'), false);
  await a.release(got[0]!, 'svc-0');
  assert.equal(await a.claim(got[0]!, 'svc-x'), true);
  await store.close();
});

test('release by another owner is ignored; claim is idempotent for the same owner', async () => {
  const store = new MemoryStore();
  const a = new RangeAllocator(store, cidrRange('ips', '10.0.0.0/29'));
  assert.equal(await a.claim('10.0.0.3', 'ns/a'), true);
  assert.equal(await a.claim('10.0.0.3', 'ns/a'), true);
  await a.release('10.0.0.3', 'ns/b');
  assert.equal(await a.claim('10.0.0.3', 'ns/b'), false);
  await store.close();
});
