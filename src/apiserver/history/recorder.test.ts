import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../storage/index.js';
import { HistoryRecorder, HISTORY_PREFIX } from './recorder.js';

const CM = '/registry/core/configmaps/default/k8ts-test-a';

async function historyKeys(s: MemoryStore): Promise<string[]> {
  return (await s.list(HISTORY_PREFIX)).items.map((i) => i.key);
}

describe('HistoryRecorder', { timeout: 20_000 }, () => {
  it('records puts and deletes with their writer; writes nothing while nothing changes', async () => {
    const s = new MemoryStore();
    const h = new HistoryRecorder(s, { flushIntervalMs: 3_600_000 });
    await h.start();
    const a = await s.create(CM, JSON.stringify({ metadata: { name: 'k8ts-test-a' }, data: { x: '1' } }));
    h.noteWriter(CM, a.modRevision, 'alice', 'kubectl-create');
    const b = await s.update(CM, JSON.stringify({ metadata: { name: 'k8ts-test-a' }, data: { x: '2' } }), a.modRevision);
    h.noteWriter(CM, b.modRevision, 'bob', 'kubectl-edit');
    await s.delete(CM, b.modRevision);
    h.noteWriter(CM, b.modRevision, 'carol', undefined, true);
    // Excluded: events always, leases by default, and allocator keys.
    await s.create('/registry/core/events/default/e1', '{}');
    await s.create('/registry/coordination.k8s.io/leases/kube-node-lease/n1', '{}');
    await s.create('/registry/ranges/serviceips/10.43.0.1', '');
    // Before a flush the batch is served too.
    const pending = await h.query((k) => k === CM);
    assert.deepEqual(pending.map((r) => [r.op, r.u, r.m?.[0]]), [['Create', 'alice', 'kubectl-create'], ['Update', 'bob', 'kubectl-edit'], ['Delete', 'carol', undefined]]);
    await h.flush();
    assert.equal((await historyKeys(s)).length, 1);
    const rev = s.currentRevision();
    await h.flush();
    assert.equal(s.currentRevision(), rev, 'an empty batch writes nothing');
    assert.equal((await h.query(() => true, '/registry/core/configmaps/other')).length, 0, 'the bloom filter skips the segment');
    assert.equal((await h.query((k) => k === CM, CM)).length, 3);
    const all = await h.query(() => true);
    assert.deepEqual(all.map((r) => r.k), [CM, CM, CM]);
    assert.equal(all[2].v, JSON.stringify({ metadata: { name: 'k8ts-test-a' }, data: { x: '2' } }), 'a Delete keeps the last value');
    await h.stop();
  });

  it('a write the write path did not note gets the newest managedFields manager at flush', async () => {
    const s = new MemoryStore();
    const h = new HistoryRecorder(s, { flushIntervalMs: 3_600_000 });
    await h.start();
    await s.create(CM, JSON.stringify({ metadata: { name: 'a', managedFields: [{ manager: 'helm', operation: 'Update', time: '2026-12-06T10:00:00Z' }] } }));
    await h.flush();
    const [r] = await h.query((k) => k === CM);
    assert.equal(r.u, undefined);
    assert.deepEqual(r.m, ['helm']);
    await h.stop();
  });

  it('a watch that ends is resumed after the last revision seen: nothing written meanwhile is missed', async () => {
    const s = new MemoryStore();
    let end: ((e: Error) => void) | undefined;
    const store = {
      currentRevision: () => s.currentRevision(),
      compactedRevision: () => s.compactedRevision(),
      list: s.list.bind(s), get: s.get.bind(s), count: s.count.bind(s), create: s.create.bind(s), update: s.update.bind(s), delete: s.delete.bind(s),
      compact: s.compact.bind(s), close: s.close.bind(s),
      watch: (prefix: string, o: Parameters<MemoryStore['watch']>[1]) => {
        const h = s.watch(prefix, o);
        end = (e) => {
          h.cancel();
          o.onError?.(e);
        };
        return h;
      },
    };
    const h = new HistoryRecorder(store, { flushIntervalMs: 3_600_000 });
    await h.start();
    await s.create(CM, '{"metadata":{"name":"a"}}');
    end!(new Error('k8ts-test: connection lost'));
    await s.create(`${CM}-2`, '{"metadata":{"name":"a-2"}}');
    const deadline = Date.now() + 5000;
    while ((await h.query(() => true)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual((await h.query(() => true)).map((r) => r.k), [CM, `${CM}-2`]);
    await h.stop();
  });

  it('prunes by size, oldest first, and by age', async () => {
    let now = 1_000_000;
    const s = new MemoryStore();
    const h = new HistoryRecorder(s, { flushIntervalMs: 3_600_000, maxBytes: 1, retentionMs: 10_000, now: () => now });
    await h.start();
    await s.create(CM, '{"metadata":{"name":"a"}}');
    await h.flush();
    // Over the size bound right away: the segment goes, and history starts after it.
    assert.deepEqual(await historyKeys(s), []);
    assert.ok(h.retainedSince() > 1);
    await h.stop();

    const s2 = new MemoryStore();
    const h2 = new HistoryRecorder(s2, { flushIntervalMs: 3_600_000, retentionMs: 10_000, now: () => now });
    await h2.start();
    await s2.create(CM, '{"metadata":{"name":"a"}}');
    await h2.flush();
    now += 5_000;
    await h2.prune();
    assert.equal((await historyKeys(s2)).length, 1, 'younger than the retention');
    now += 6_000;
    await h2.prune();
    assert.equal((await historyKeys(s2)).length, 0, 'older than the retention');
    await h2.stop();
  });

  it('a restarted recorder keeps what was flushed and resumes after it', async () => {
    const s = new MemoryStore();
    const h = new HistoryRecorder(s, { flushIntervalMs: 3_600_000 });
    await h.start();
    await s.create(CM, '{"metadata":{"name":"a"}}');
    await h.stop();
    // A change while no recorder runs is picked up from storage by the next one.
    const cur = await s.get(CM);
    await s.update(CM, '{"metadata":{"name":"a"},"data":{"y":"1"}}', cur!.modRevision);
    const h2 = new HistoryRecorder(s, { flushIntervalMs: 3_600_000 });
    await h2.start();
    await new Promise((r) => setImmediate(r));
    const recs = await h2.query((k) => k === CM);
    assert.deepEqual(recs.map((r) => r.op), ['Create', 'Update']);
    await h2.stop();
  });
});

describe('HistoryRecorder and encryption at rest', { timeout: 20_000 }, () => {
  it('reads encrypted values through decrypt: a Secret keeps its keys with redacted values, anything else only its metadata', async () => {
    const { buildEncryptionConfig, parseEncryptionConfig } = await import('../encryption/index.js');
    const config = buildEncryptionConfig(parseEncryptionConfig({
      apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration',
      resources: [{ resources: ['secrets', 'configmaps'], providers: [{ aescbc: { keys: [{ name: 'k1', secret: Buffer.alloc(32, 7).toString('base64') }] } }] }],
    }));
    const decrypt = (key: string, stored: string): string => config.transformerFor('', key.split('/')[3])!.fromStorage(stored, key).value;
    const s = new MemoryStore();
    const h = new HistoryRecorder(s, { flushIntervalMs: 3_600_000, decrypt });
    const blind = new HistoryRecorder(s, { flushIntervalMs: 3_600_000 });
    await h.start();
    await blind.start();
    const sec = '/registry/core/secrets/default/k8ts-test-s';
    const cm = '/registry/core/configmaps/default/k8ts-test-c';
    const enc = (key: string, o: unknown): string => config.transformerFor('', key.split('/')[3])!.toStorage(JSON.stringify(o), key);
    await s.create(sec, enc(sec, { kind: 'Secret', metadata: { name: 'k8ts-test-s' }, data: { password: 'c2VjcmV0' } }));
    await s.create(cm, enc(cm, { kind: 'ConfigMap', metadata: { name: 'k8ts-test-c' }, data: { plan: 'the plan' } }));
    const got = await h.query(() => true);
    assert.deepEqual(got.map((r) => JSON.parse(r.v)), [
      { kind: 'Secret', metadata: { name: 'k8ts-test-s' }, data: { password: '<redacted>' } },
      { kind: 'ConfigMap', metadata: { name: 'k8ts-test-c' } },
    ]);
    assert.ok(!got.some((r) => r.v.includes('the plan') || r.v.includes('c2VjcmV0')));
    assert.deepEqual((await blind.query(() => true)).map((r) => r.v), ['{}', '{}'], 'without decrypt nothing encrypted is kept');
    await h.stop();
    await blind.stop();
  });
});
