import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryStore } from '../../storage/index.js';
import { isStatusError } from '../../api/status.js';
import { buildEncryptionConfig, defaultEncryptionConfigText, loadEncryptionConfig, parseEncryptionConfig } from './config.js';
import { TransformingStore } from './transforming-store.js';

const k32 = (): string => randomBytes(32).toString('base64');
type Provider = Record<string, unknown>;
const cfg = (resources: string[], ...providers: Provider[]): Record<string, unknown> => ({ kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1', resources: [{ resources, providers }] });
const aescbc = (...keys: Array<[string, string]>): Provider => ({ aescbc: { keys: keys.map(([name, secret]) => ({ name, secret })) } });

const SECRET = JSON.stringify({ metadata: { name: 's1', namespace: 'default' }, data: { password: Buffer.from('hunter2-topsecret').toString('base64') } });
const KEY = '/registry/secrets/default/s1';

test('each provider round-trips, writes upstream\'s prefix, and hides the plaintext', { timeout: 10_000 }, async () => {
  for (const [type, bytes] of [['aescbc', 32], ['aescbc', 16], ['aesgcm', 24], ['secretbox', 32]] as const) {
    const c = await loadEncryptionConfig(JSON.stringify(cfg(['secrets'], { [type]: { keys: [{ name: 'k1', secret: randomBytes(bytes).toString('base64') }] } })));
    const t = c.transformerFor('', 'secrets')!;
    const stored = t.toStorage(SECRET, KEY);
    assert.ok(stored.startsWith(`k8s:enc:${type}:v1:k1:`), stored.slice(0, 30));
    assert.ok(!stored.includes('hunter2') && !stored.includes(Buffer.from('hunter2-topsecret').toString('base64')));
    assert.notEqual(t.toStorage(SECRET, KEY), stored, `${type}: a random IV/nonce per write`);
    assert.deepEqual(t.fromStorage(stored, KEY), { value: SECRET, stale: false });
  }
});

test('the YAML form of the file is read too', { timeout: 10_000 }, async () => {
  const key = k32();
  const c = await loadEncryptionConfig(`kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n  - resources: [secrets, configmaps]\n    providers:\n      - aesgcm:\n          keys:\n            - name: a\n              secret: ${key}\n      - identity: {}\n`);
  assert.ok(c.transformerFor('', 'configmaps'));
  assert.equal(c.transformerFor('', 'pods'), undefined);
});

test('aesgcm binds the value to its storage key', () => {
  const t = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], { aesgcm: { keys: [{ name: 'g', secret: k32() }] } }))).transformerFor('', 'secrets')!;
  const stored = t.toStorage(SECRET, KEY);
  assert.throws(() => t.fromStorage(stored, '/registry/secrets/default/other'), (e) => isStatusError(e) && e.code === 500 && /aesgcm key "g"/.test(e.message));
});

test('the first key writes, every listed key reads; values under an older key are stale', () => {
  const [a, b] = [k32(), k32()];
  const old = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key1', a])))).transformerFor('', 'secrets')!;
  const rotated = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key2', b], ['key1', a])))).transformerFor('', 'secrets')!;
  const v1 = old.toStorage(SECRET, KEY);
  assert.deepEqual(rotated.fromStorage(v1, KEY), { value: SECRET, stale: true });
  assert.equal(rotated.isStale(v1), true);
  const v2 = rotated.toStorage(SECRET, KEY);
  assert.ok(v2.startsWith('k8s:enc:aescbc:v1:key2:'));
  assert.equal(rotated.isStale(v2), false);
  // Plaintext stays readable through identity, and is stale while a key writes.
  const withIdentity = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key1', a]), { identity: {} }))).transformerFor('', 'secrets')!;
  assert.deepEqual(withIdentity.fromStorage(SECRET, KEY), { value: SECRET, stale: true });
  // identity first: encrypted values are read, stale, and rewritten as plaintext.
  const decrypting = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], { identity: {} }, aescbc(['key1', a])))).transformerFor('', 'secrets')!;
  assert.equal(decrypting.toStorage(SECRET, KEY), SECRET);
  assert.deepEqual(decrypting.fromStorage(v1, KEY), { value: SECRET, stale: true });
});

test('decrypt problems are 500s naming the key, never garbage', () => {
  const [a, b] = [k32(), k32()];
  const t1 = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key1', a])))).transformerFor('', 'secrets')!;
  const v1 = t1.toStorage(SECRET, KEY);
  const missing = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key2', b]), { identity: {} }))).transformerFor('', 'secrets')!;
  assert.throws(() => missing.fromStorage(v1, KEY), (e) => isStatusError(e) && e.code === 500 && /aescbc key "key1"/.test(e.message) && /no longer lists/.test(e.message));
  const changed = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key1', b])))).transformerFor('', 'secrets')!;
  assert.throws(() => changed.fromStorage(v1, KEY), (e) => isStatusError(e) && e.code === 500 && /key "key1"/.test(e.message));
  assert.throws(() => t1.fromStorage(SECRET, KEY), (e) => isStatusError(e) && e.code === 500 && /identity/.test(e.message));
  assert.throws(() => t1.fromStorage(v1.slice(0, -8), KEY), (e) => isStatusError(e) && e.code === 500);
});

test('resources and wildcards match as upstream; the first entry that names a resource decides', () => {
  const doc = {
    kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1',
    resources: [
      { resources: ['events'], providers: [{ identity: {} }] },
      { resources: ['secrets', 'deployments.apps'], providers: [aescbc(['s', k32()])] },
      { resources: ['*.batch'], providers: [aescbc(['b', k32()])] },
      { resources: ['*.'], providers: [aescbc(['core', k32()])] },
      { resources: ['*.*'], providers: [aescbc(['all', k32()])] },
    ],
  };
  const c = buildEncryptionConfig(parseEncryptionConfig(doc));
  const key = (g: string, r: string): string | undefined => c.transformerFor(g, r)?.writeKey;
  assert.equal(key('', 'events'), 'identity');
  assert.equal(key('', 'secrets'), 'aescbc:s');
  assert.equal(key('apps', 'deployments'), 'aescbc:s');
  assert.equal(key('batch', 'jobs'), 'aescbc:b');
  assert.equal(key('', 'configmaps'), 'aescbc:core');
  assert.equal(key('apps', 'statefulsets'), 'aescbc:all');
  assert.equal(key('example.com', 'widgets'), 'aescbc:all');
});

test('bad configs are refused with the field and the fix', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ ...cfg(['secrets'], { identity: {} }), kind: 'EncryptionConfig' }, /kind must be EncryptionConfiguration/],
    [cfg(['secrets'], aescbc(['k', Buffer.alloc(20).toString('base64')])), /resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: aescbc needs a key of 16, 24, 32 bytes, got 20/],
    [cfg(['secrets'], { secretbox: { keys: [{ name: 'k', secret: Buffer.alloc(16).toString('base64') }] } }), /secretbox needs a key of 32 bytes/],
    [cfg(['secrets'], aescbc(['k', 'not base64!'])), /not valid base64/],
    [cfg(['secrets'], aescbc(['k', k32()], ['k', k32()])), /"k" appears twice/],
    [cfg(['secrets'], { aescbc: { keys: [] }, identity: {} }), /exactly one provider type/],
    [cfg(['secrets'], { kms: { name: 'x' } }), /kms provider is not supported/],
    [cfg(['secrets'], { rot13: {} }), /unknown provider type "rot13"/],
    [cfg(['*.*', 'secrets'], { identity: {} }), /overlaps "\*\.\*" in the same list/],
    [cfg(['*'], { identity: {} }), /"\*" alone is not allowed/],
    [cfg([], { identity: {} }), /at least one resource/],
    [{ kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1', resources: [{ resources: ['*.apps'], providers: [{ identity: {} }] }, { resources: ['deployments.apps'], providers: [{ identity: {} }] }] }, /already covered by "\*\.apps"/],
  ];
  for (const [doc, re] of bad) assert.throws(() => parseEncryptionConfig(doc), (e) => e instanceof Error && re.test(e.message), `${JSON.stringify(doc)} → ${re}`);
});

test('the default config for a new cluster: Secrets under a random aescbc key, identity to read older values', { timeout: 10_000 }, async () => {
  const text = defaultEncryptionConfigText();
  assert.notEqual(text, defaultEncryptionConfigText(), 'a fresh key each time');
  const c = await loadEncryptionConfig(text);
  assert.equal(c.transformerFor('', 'secrets')?.writeKey, 'aescbc:key1');
  assert.equal(c.transformerFor('', 'configmaps'), undefined);
  assert.deepEqual(c.transformerFor('', 'secrets')!.fromStorage(SECRET, KEY), { value: SECRET, stale: true });
});

test('TransformingStore: the backend holds ciphertext; reads, watches and deletes see plaintext', { timeout: 10_000 }, async () => {
  const inner = new MemoryStore();
  const [a, b] = [k32(), k32()];
  const t1 = buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key1', a])))).transformerFor('', 'secrets')!;
  const s = new TransformingStore(inner, t1);
  const rotated = new TransformingStore(inner, buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key2', b], ['key1', a])))).transformerFor('', 'secrets')!);
  const seen: string[] = [];
  const h = rotated.watch('/registry/secrets/', { afterRevision: inner.currentRevision(), onEvent: (ev) => seen.push(ev.type === 'put' ? ev.kv.value : `delete ${ev.prev.value}`) });
  const kv = await s.create(KEY, SECRET);
  assert.equal(kv.value, SECRET);
  assert.ok((await inner.get(KEY))!.value.startsWith('k8s:enc:aescbc:v1:key1:'));
  assert.equal((await s.get(KEY))!.value, SECRET);
  assert.deepEqual((await s.list('/registry/secrets/')).items.map((i) => i.value), [SECRET]);
  assert.equal(await s.isStale(KEY), false);
  assert.equal(await rotated.isStale(KEY), true);
  await rotated.update(KEY, SECRET, kv.modRevision);
  assert.ok((await inner.get(KEY))!.value.startsWith('k8s:enc:aescbc:v1:key2:'));
  assert.equal(await rotated.isStale(KEY), false);
  assert.equal((await rotated.delete(KEY)).value, SECRET);
  for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  h.cancel();
  assert.deepEqual(seen, [SECRET, SECRET, `delete ${SECRET}`]);
  await s.close();
});

test('TransformingStore: an event it cannot decrypt ends the watch through onError', { timeout: 10_000 }, async () => {
  const inner = new MemoryStore();
  const s = new TransformingStore(inner, buildEncryptionConfig(parseEncryptionConfig(cfg(['secrets'], aescbc(['key1', k32()])))).transformerFor('', 'secrets')!);
  const errors: string[] = [];
  const events: string[] = [];
  s.watch('/registry/secrets/', { afterRevision: inner.currentRevision(), onEvent: (ev) => events.push(ev.type), onError: (e) => errors.push(e.message) });
  await inner.create(KEY, 'k8s:enc:aescbc:v1:gone:AAAA');
  await inner.create('/registry/secrets/default/s2', SECRET);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, []);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /aescbc key "gone"/);
  await inner.close();
});
