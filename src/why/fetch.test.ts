import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/status.js';
import type { KList, KObject } from '../api/types/index.js';
import type { ListOptions, ResourceRef } from '../client/index.js';
import { fetchFacts, type WhySource } from './fetch.js';
import { WhyInputError } from './resolve.js';
import { pod } from './testing/fixtures.js';

const forbidden = (what: string) => new StatusError({ code: 403, reason: 'Forbidden', message: `${what} is forbidden` });

function source(objects: Record<string, KObject[]>, deny: string[] = []): WhySource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async get<T extends KObject>(res: ResourceRef, _ns: string | undefined, name: string): Promise<T> {
      asked.push(`get ${res.resource}/${name}`);
      if (deny.includes(res.resource)) throw forbidden(res.resource);
      const o = (objects[res.resource] ?? []).find((x) => x.metadata.name === name);
      if (!o) throw new StatusError({ code: 404, reason: 'NotFound', message: 'not found' });
      return o as T;
    },
    async list<T extends KObject>(res: ResourceRef, _ns?: string, opts?: ListOptions): Promise<KList<T>> {
      asked.push(`list ${res.resource}${opts?.labelSelector ? `?${opts.labelSelector}` : ''}${opts?.fieldSelector ? `?${opts.fieldSelector}` : ''}`);
      if (deny.includes(res.resource)) throw forbidden(res.resource);
      return { apiVersion: 'v1', kind: 'List', metadata: {}, items: (objects[res.resource] ?? []) as T[] };
    },
    async logTail(r) {
      asked.push(`log ${r.pod}/${r.container}${r.previous ? ' previous' : ''}`);
      if (deny.includes('pods/log')) throw forbidden('pods/log');
      return 'boom\n';
    },
  };
}

const crashing = pod('p', { ready: false, containerStatus: { restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } } });

test('fetch: the subject, its events and the previous log tail of a crashed container', async () => {
  const src = source({ pods: [crashing] });
  const { subject, facts } = await fetchFacts(src, { kind: 'pod', name: 'p' }, 'default');
  assert.equal(subject.kind, 'pod');
  assert.equal(facts.logs.get('p/app'), 'boom\n');
  assert.deepEqual(src.asked.sort(), ['get pods/p', 'list events?involvedObject.name=p', 'log p/app previous']);
});

test('fetch: a missing or unreadable subject is bad input; unreadable lists and logs are named, not fatal', async () => {
  await assert.rejects(fetchFacts(source({}), { kind: 'deployment', name: 'x' }, 'shop'), (e: unknown) => e instanceof WhyInputError && e.message === 'deployment "x" not found in namespace shop');
  await assert.rejects(fetchFacts(source({}, ['deployments']), { kind: 'deployment', name: 'x' }, 'shop'), (e: unknown) => e instanceof WhyInputError && /^you may not read deployments in namespace shop: /.test(e.message));
  const { facts } = await fetchFacts(source({ pods: [crashing] }, ['events', 'pods/log']), { kind: 'pod', name: 'p' }, 'default');
  assert.deepEqual([...facts.unreadable], ['events', 'pods/log']);
  assert.equal(facts.logs.size, 0);
});

test('fetch: a deployment lists replicasets and pods by its selector', async () => {
  const dep = { metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 0, selector: { matchLabels: { app: 'web' } } } } as KObject;
  const src = source({ deployments: [dep] });
  await fetchFacts(src, { kind: 'deployment', name: 'web' }, 'default');
  // Healthy (0 replicas wanted, none there): no events read.
  assert.deepEqual(src.asked.sort(), ['get deployments/web', 'list pods?app=web', 'list replicasets?app=web']);
  const broken = { ...dep, metadata: { ...dep.metadata, uid: 'd' }, spec: { ...(dep.spec as object), replicas: 1 } } as KObject;
  const src2 = source({ deployments: [broken] });
  await fetchFacts(src2, { kind: 'deployment', name: 'web' }, 'default');
  assert.ok(src2.asked.includes('list events?type=Warning'), src2.asked.join(', '));
});
