import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidr } from './cidr.js';
import { HostIpam } from './ipam.js';

describe('HostIpam: addresses picked in memory', { timeout: 30_000 }, () => {
  it('100 concurrent allocations get distinct addresses, one file each, owners on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k8ts-test-ipam-'));
    try {
      const ipam = new HostIpam(dir, parseCidr('10.199.8.0/24'));
      const owners = Array.from({ length: 100 }, (_, i) => `sb-${i}`);
      const ips = await Promise.all(owners.map((o) => ipam.allocate(o)));
      assert.equal(new Set(ips).size, 100);
      for (let i = 0; i < 100; i++) assert.equal((await readFile(join(dir, ips[i]!), 'utf8')).trim(), owners[i]);
      assert.deepEqual(await Promise.all(owners.slice(0, 5).map((o) => ipam.allocate(o))), ips.slice(0, 5), 'idempotent per owner');
      await Promise.all(owners.map((o) => ipam.release(o)));
      assert.deepEqual((await readdir(dir)).filter((f) => f !== 'last'), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('skips and learns an address another writer reserved meanwhile; release is idempotent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k8ts-test-ipam-'));
    try {
      const ipam = new HostIpam(dir, parseCidr('10.199.7.0/29')); // .2 .. .6
      assert.equal(await ipam.allocate('a'), '10.199.7.2');
      await writeFile(join(dir, '10.199.7.3'), 'other\n', { flag: 'wx' }); // another writer, after our read
      assert.equal(await ipam.allocate('b'), '10.199.7.4', 'the taken address is skipped');
      assert.equal(await ipam.allocate('other'), '10.199.7.3', 'and its owner is known');
      await ipam.release('b');
      await ipam.release('b');
      await ipam.release('never-allocated');
      assert.deepEqual([...(await ipam.allocations()).keys()].sort(), ['10.199.7.2', '10.199.7.3']);
      assert.equal(await new HostIpam(dir, parseCidr('10.199.7.0/29')).allocate('a'), '10.199.7.2', 'a new instance finds owners on disk');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
