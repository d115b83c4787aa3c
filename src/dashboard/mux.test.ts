import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, KList } from '../api/types/index.js';
import { forbidden } from '../api/status.js';
import type { ResourceRef, WatchEventOf, WatchOptions, WatchStream } from '../client/index.js';
import { runStream, slim, type StreamClient, type StreamFrame } from './mux.js';

const obj = (name: string, rv: string, extra: Partial<KObject['metadata']> = {}): KObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name, namespace: 'ns', resourceVersion: rv, ...extra } });

/** A client whose pods watch delivers scripted events; services are forbidden; the rest are empty. */
function fakeClient(script: { pods: Array<Array<WatchEventOf>> }): StreamClient & { watches: string[]; lists: string[] } {
  const c = {
    watches: [] as string[],
    lists: [] as string[],
    async list<T extends KObject>(res: ResourceRef, ns?: string): Promise<KList<T>> {
      c.lists.push(`${res.resource}@${ns ?? ''}`);
      if (res.resource === 'services') throw forbidden('services is forbidden: User "u" cannot list resource "services"');
      const items = res.resource === 'pods' ? [obj('p1', '5', { managedFields: [{ manager: 'kubectl' }] })] : [];
      return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '5' }, items: items as T[] };
    },
    watch<T extends KObject>(res: ResourceRef, _ns: string | undefined, o: WatchOptions, on: (ev: WatchEventOf<T>) => void): WatchStream {
      c.watches.push(`${res.resource}@${o.resourceVersion}`);
      let stop!: () => void;
      const done = new Promise<void>((r) => (stop = r));
      const events = res.resource === 'pods' ? script.pods.shift() : undefined;
      if (events) {
        queueMicrotask(() => {
          for (const e of events) on(e as WatchEventOf<T>);
          stop();
        });
      }
      return { stop: () => stop(), done };
    },
    async request(): Promise<{ status: number; body: Buffer }> {
      return { status: 503, body: Buffer.from('{"message":"no kubelet"}') };
    },
  };
  return c;
}

test('one stream: SYNC per resource, watch events, DENIED for what RBAC refuses, relist on ERROR', { timeout: 10_000 }, async () => {
  const c = fakeClient({
    pods: [
      [{ type: 'ADDED', object: obj('p2', '6') }, { type: 'BOOKMARK', object: obj('', '7') }],
      [{ type: 'ERROR', object: { kind: 'Status', code: 410 } as unknown as KObject }],
    ],
  });
  const frames: StreamFrame[] = [];
  const ac = new AbortController();
  const run = runStream(c, 'ns', (f) => frames.push(f), ac.signal, 60_000);
  const until = async (ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ok(), JSON.stringify(frames));
  };
  // The pods watch: from the list's RV, then from the bookmark's after the watch ended, then a
  // relist after the 410 ERROR.
  await until(() => c.lists.filter((l) => l.startsWith('pods')).length === 2);
  ac.abort();
  await run;
  const pods = frames.filter((f) => 'resource' in f && f.resource === 'pods');
  assert.deepEqual(pods.map((f) => f.type), ['SYNC', 'ADDED', 'SYNC']);
  assert.deepEqual(c.watches.filter((w) => w.startsWith('pods')).slice(0, 2), ['pods@5', 'pods@7']);
  const sync = pods[0] as { items: KObject[] };
  assert.equal(sync.items[0].metadata.managedFields, undefined, 'managedFields dropped');
  const denied = frames.find((f) => f.type === 'DENIED');
  assert.deepEqual(denied, { type: 'DENIED', resource: 'services', message: 'services is forbidden: User "u" cannot list resource "services"' });
  assert.equal(c.lists.filter((l) => l.startsWith('services')).length, 1, 'a refused resource is not asked again');
  // Namespaced resources are listed in the namespace asked for; nodes and namespaces cluster-wide.
  assert.ok(c.lists.includes('pods@ns'));
  assert.ok(c.lists.includes('nodes@'));
});

test('slim drops managedFields and the last-applied annotation, keeps the rest', () => {
  const o = obj('a', '1', { managedFields: [{}], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'yes' }, labels: { app: 'x' } });
  const s = slim(o);
  assert.equal(s.metadata.managedFields, undefined);
  assert.deepEqual(s.metadata.annotations, { keep: 'yes' });
  assert.deepEqual(s.metadata.labels, { app: 'x' });
  assert.ok(o.metadata.managedFields, 'the input is not changed');
});
