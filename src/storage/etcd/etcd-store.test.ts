// The Store conformance suite on a real etcd (one etcd child for the file, one key prefix
// per fixture), plus what only etcd has: a shared cluster, the prefix, outages.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runStoreConformance, settle } from '../testing/store-conformance.js';
import { haveEtcd, startTestEtcd, type TestEtcd } from '../testing/etcd-process.js';
import { isStorageError, type StoreEvent } from '../types.js';
import { ERR_STORAGE_UNAVAILABLE } from '../../util/error-codes.js';
import { EtcdStore } from './etcd-store.js';
import { parseEtcdSpec } from './etcd-spec.js';
import { bounded } from '../../testing/bounded.js';

const skip = haveEtcd() ? false : 'no /usr/bin/etcd (Debian etcd-server)';
let etcd: TestEtcd | undefined;
before(async () => {
  if (!skip) etcd = await startTestEtcd();
}, { timeout: 30_000 });
after(async () => {
  await etcd?.stop();
});

let n = 0;
async function open(prefix = `/k8ts-test-${process.pid}-${n++}`, callTimeoutMs = 5000): Promise<EtcdStore> {
  const s = new EtcdStore(parseEtcdSpec(`${etcd!.spec}/?prefix=${prefix}`), { compactIntervalMs: 0, callTimeoutMs });
  await bounded(s.ready, 15_000, 'etcd store ready');
  return s;
}

if (!skip) runStoreConformance('EtcdStore', async () => ({ store: await open() }));

describe('EtcdStore', { skip, timeout: 120_000 }, () => {
  it('two stores on one etcd and prefix see each other\'s writes through their watches', async () => {
    const prefix = `/k8ts-test-shared-${process.pid}`;
    const a = await open(prefix);
    const b = await open(prefix);
    try {
      const got: StoreEvent[] = [];
      b.watch('/registry/', { afterRevision: b.currentRevision(), onEvent: (ev) => got.push(ev) });
      const kv = await a.create('/registry/core/pods/ns/x', '{"x":1}');
      await bounded((async () => { while (got.length < 1) await new Promise((r) => setTimeout(r, 20)); })(), 5000, 'event on the other store');
      assert.equal(got[0]!.type, 'put');
      assert.equal(b.currentRevision() >= kv.modRevision, true);
      assert.deepEqual({ ...(await b.get('/registry/core/pods/ns/x'))! }, { ...kv });
      // Optimistic concurrency holds across stores.
      await b.update('/registry/core/pods/ns/x', '{"x":2}', kv.modRevision);
      await assert.rejects(a.update('/registry/core/pods/ns/x', '{"x":3}', kv.modRevision), (e: unknown) => isStorageError(e) && e.code === 'ERR_STORAGE_CONFLICT');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keys are stored under the prefix as given (etcdctl get --prefix shows them)', async () => {
    const s = await open('/k8ts-test-layout');
    const other = await open('/k8ts-test-layoutx');
    try {
      await s.create('/registry/core/configmaps/default/c', 'v');
      await other.create('/registry/core/configmaps/default/d', 'w');
      const res = await fetch(`${etcd!.clientUrl}/v3/kv/range`, {
        method: 'POST',
        body: JSON.stringify({ key: Buffer.from('/k8ts-test-layout/').toString('base64'), range_end: Buffer.from('/k8ts-test-layout0').toString('base64') }),
      });
      const body = (await res.json()) as { kvs: Array<{ key: string; value: string }> };
      assert.deepEqual(body.kvs.map((kv) => Buffer.from(kv.key, 'base64').toString()), ['/k8ts-test-layout/registry/core/configmaps/default/c']);
      assert.equal(await s.count(''), 1);
    } finally {
      await s.close();
      await other.close();
    }
  });

  it('writes fail with ERR_STORAGE_UNAVAILABLE within the deadline while etcd is down, and work again after', async () => {
    const s = await open(undefined, 1500);
    try {
      await s.create('/k/before', '1');
      await etcd!.kill();
      await assert.rejects(bounded(s.create('/k/during', '1'), 10_000, 'write while etcd is down'), (e: unknown) => isStorageError(e, ERR_STORAGE_UNAVAILABLE));
      await etcd!.restart();
      const got: string[] = [];
      s.watch('/k/', { afterRevision: s.currentRevision(), onEvent: (ev) => got.push(ev.type === 'put' ? ev.kv.key : ev.key) });
      let kv;
      for (let i = 0; ; i++) {
        try {
          kv = await s.create('/k/after', '1');
          break;
        } catch (e) {
          if (i > 40) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      assert.equal((await s.get('/k/before'))?.value, '1');
      assert.equal(kv.modRevision, s.currentRevision());
      await settle();
      assert.deepEqual(got, ['/k/after']);
    } finally {
      await s.close();
    }
  });

  it('an unreachable endpoint fails ready with one line saying what to do', async () => {
    const s = new EtcdStore(parseEtcdSpec('etcd://127.0.0.1:1'), { compactIntervalMs: 0, callTimeoutMs: 1500 });
    await assert.rejects(bounded(s.ready, 10_000, 'ready'), (e: unknown) => {
      assert.ok(isStorageError(e, ERR_STORAGE_UNAVAILABLE));
      assert.match(e.message, /^cannot reach etcd at http:\/\/127\.0\.0\.1:1 .*: start etcd there or fix --datastore$|did not answer/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    await s.close();
  });
});
