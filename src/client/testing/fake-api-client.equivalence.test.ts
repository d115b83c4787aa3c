// The fake client against the real API server (memory store, in this process): the same
// calls, the same observable outcome, for every rule the fake claims to share with the server
// (patches, selectors, generation, status on update, DELETE plans, graceful pod deletion,
// binding, no-op writes). A difference here means the fake drifted; the server is the truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiClient } from './fake-api-client.js';
import { R } from '../resources.js';
import type { ApiClient } from '../types.js';
import type { KObject } from '../../api/types/index.js';
import { isStatusError } from '../../api/status.js';
import { startTestApi } from '../../testing/test-api.js';

const NS = 'eq';

const pod = (name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'nginx' }], ...extra },
});

const replicaSet = (name: string): KObject => ({
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

/** The reason of a failed call, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isStatusError(e)) return `${e.code} ${e.reason}`;
    throw e;
  }
}

const containers = (o: KObject): string[] => ((o.spec as { containers: { name: string; image: string }[] }).containers).map((c) => `${c.name}=${c.image}`);
const names = (items: readonly KObject[]): string[] => items.map((o) => o.metadata.name ?? '').sort();

/** Runs every rule through `c` and returns what a client can observe of each. */
async function observe(c: ApiClient): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};

  // generation: tracked kinds count spec changes only; untracked kinds have none.
  const rs = await c.create(R.replicasets, NS, replicaSet('rs'));
  const relabelled = await c.update(R.replicasets, NS, { ...rs, metadata: { ...rs.metadata, labels: { x: 'y' } } });
  const scaled = await c.update(R.replicasets, NS, { ...relabelled, spec: { ...(relabelled.spec as object), replicas: 3 } });
  const noop = await c.update(R.replicasets, NS, scaled);
  seen.generation = [rs.metadata.generation, relabelled.metadata.generation, scaled.metadata.generation];
  seen.noopKeepsRv = noop.metadata.resourceVersion === scaled.metadata.resourceVersion;
  const cm = await c.create(R.configmaps, NS, { metadata: { name: 'cm' }, data: { a: '1' } });
  const cm2 = await c.update(R.configmaps, NS, { ...cm, data: { a: '2' } });
  seen.configMapGeneration = [cm.metadata.generation, cm2.metadata.generation];

  // status: an update of a kind with /status keeps the stored status; /status writes only status.
  const withStatus = await c.updateStatus(R.replicasets, NS, { ...noop, status: { replicas: 2 } });
  const ignored = await c.update(R.replicasets, NS, { ...withStatus, status: { replicas: 9 } });
  seen.statusOnUpdate = ignored.status;
  seen.statusWriteKeepsSpec = ((await c.updateStatus(R.replicasets, NS, { ...ignored, spec: { replicas: 7 }, status: { replicas: 1 } })).spec as { replicas: number }).replicas;

  // patches: merge, JSON, strategic (containers merge by name), apply (status untouched on the main resource).
  await c.create(R.pods, NS, pod('p', { app: 'a', tier: 'web' }));
  await c.patch(R.pods, NS, 'p', 'merge', { metadata: { labels: { l: '1' } } });
  await c.patch(R.pods, NS, 'p', 'json', [{ op: 'add', path: '/metadata/annotations', value: { k: 'v' } }]);
  const p = await c.patch(R.pods, NS, 'p', 'strategic', { spec: { containers: [{ name: 'b', image: 'redis' }] } });
  seen.patched = { labels: p.metadata.labels, annotations: p.metadata.annotations, containers: containers(p) };
  seen.badJsonPatch = await outcome(c.patch(R.pods, NS, 'p', 'json', [{ op: 'test', path: '/metadata/name', value: 'other' }]));
  seen.patchRvPrecondition = await outcome(c.patch(R.pods, NS, 'p', 'merge', { metadata: { resourceVersion: '1' } }));
  const applied = await c.patch(R.replicasets, NS, 'rs', 'apply',
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 4 }, status: { replicas: 42 } },
    { fieldManager: 'eq-test', force: true });
  seen.apply = { replicas: (applied.spec as { replicas: number }).replicas, status: applied.status };

  // selectors: label set and set-based requirements, field selectors, and an unsupported field.
  await c.create(R.pods, NS, pod('q', { app: 'b' }));
  await c.create(R.pods, NS, pod('r', { app: 'c', x: '1' }));
  seen.labelSelected = names((await c.list(R.pods, NS, { labelSelector: 'app in (a,b),!x' })).items);
  seen.emptySelector = names((await c.list(R.pods, NS, { labelSelector: '' })).items);
  seen.fieldSelected = names((await c.list(R.pods, NS, { fieldSelector: 'metadata.name!=p' })).items);
  seen.badField = await outcome(c.list(R.pods, NS, { fieldSelector: 'spec.nope=1' }));

  // binding: sets nodeName and PodScheduled; a bound pod cannot be bound again.
  await c.createSubresource(R.pods, NS, 'q', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'q' }, target: { kind: 'Node', name: 'n1' } });
  const bound = await c.get(R.pods, NS, 'q');
  const scheduled = ((bound.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).find((x) => x.type === 'PodScheduled');
  seen.bound = { nodeName: (bound.spec as { nodeName?: string }).nodeName, scheduled: scheduled?.status };
  seen.rebind = await outcome(c.createSubresource(R.pods, NS, 'q', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'q' }, target: { kind: 'Node', name: 'n2' } }));

  // DELETE: a bound pod goes gracefully (kept until deleted with grace 0); an unbound one at once.
  await c.delete(R.pods, NS, 'q');
  const terminating = await c.get(R.pods, NS, 'q');
  seen.gracefulPod = { grace: terminating.metadata.deletionGracePeriodSeconds, marked: !!terminating.metadata.deletionTimestamp };
  await c.delete(R.pods, NS, 'q', { gracePeriodSeconds: 0 });
  seen.afterGraceZero = await outcome(c.get(R.pods, NS, 'q'));
  await c.delete(R.pods, NS, 'r');
  seen.unboundPod = await outcome(c.get(R.pods, NS, 'r'));

  // DELETE: the propagation policy's finalizer keeps the object; finalizers hold it until removed.
  for (const [name, policy] of [['orphan', 'Orphan'], ['foreground', 'Foreground'], ['background', 'Background']] as const) {
    await c.create(R.configmaps, NS, { metadata: { name } });
    await c.delete(R.configmaps, NS, name, { propagationPolicy: policy });
    const left = await c.get(R.configmaps, NS, name).catch(() => undefined);
    seen[`policy${policy}`] = left ? { finalizers: left.metadata.finalizers, marked: !!left.metadata.deletionTimestamp } : 'gone';
  }
  await c.create(R.configmaps, NS, { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  await c.delete(R.configmaps, NS, 'held');
  const held = await c.get(R.configmaps, NS, 'held');
  seen.heldMarked = !!held.metadata.deletionTimestamp;
  await c.update(R.configmaps, NS, { ...held, metadata: { ...held.metadata, finalizers: [] } });
  seen.releasedGone = await outcome(c.get(R.configmaps, NS, 'held'));
  seen.uidPrecondition = await outcome(c.delete(R.configmaps, NS, 'cm', { preconditions: { uid: 'not-the-uid' } }));
  return seen;
}

test('the fake client and the real API server agree on every shared rule', { timeout: 60_000 }, async () => {
  const api = await startTestApi();
  let real: Record<string, unknown>;
  try {
    await api.client.create(R.namespaces, undefined, { metadata: { name: NS } });
    real = await observe(api.client);
  } finally {
    await api.stop();
  }
  const fake = await observe(new FakeApiClient({ gracefulPodDeletion: true }));
  assert.deepEqual(fake, real);
  // The scenario checks something: the server's answers are the expected upstream ones.
  assert.deepEqual(real.generation, [1, 1, 2]);
  assert.deepEqual(real.configMapGeneration, [undefined, undefined]);
  assert.deepEqual(real.policyOrphan, { finalizers: ['orphan'], marked: true });
  assert.equal(real.badField, '400 BadRequest');
});
