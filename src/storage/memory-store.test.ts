import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from './memory-store.js';
import { runStoreConformance } from './testing/store-conformance.js';

runStoreConformance('MemoryStore', () => ({ store: new MemoryStore({ compactIntervalMs: 0 }) }));

describe('MemoryStore', () => {
  it('autoCompact keeps retainRevisions of history', async () => {
    const s = new MemoryStore({ compactIntervalMs: 0, retainRevisions: 5 });
    for (let i = 0; i < 20; i++) await s.create(`/k/${i}`, String(i));
    const point = await s.autoCompact();
    assert.equal(point, s.currentRevision() - 5);
    assert.equal(s.compactedRevision(), point + 1);
    assert.equal(await s.count('/k/'), 20);
    assert.equal(await s.autoCompact(), point);
    await s.close();
  });

  it('returns frozen values', async () => {
    const s = new MemoryStore({ compactIntervalMs: 0 });
    const kv = await s.create('/a', 'x');
    assert.ok(Object.isFrozen(kv));
    assert.ok(Object.isFrozen(await s.get('/a')));
    await s.close();
  });
});
