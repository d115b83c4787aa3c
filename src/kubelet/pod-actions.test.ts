import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodActions, nextInitContainer } from './pod-actions.js';
import { Backoff } from './backoff.js';
import { normalizeImage } from './images/image-ref.js';
import { fakeClock } from '../client/testing/index.js';
import type { ContainerStatus, PodSandboxStatus } from '../runtime/types.js';
import type { Pod } from '../api/types/index.js';
import type { RuntimePod } from './runtime-pod.js';

const pod = (spec: Partial<Pod['spec']>): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'app' }], ...spec } });
const sandbox = (state: 'ready' | 'notready', attempt = 0): PodSandboxStatus => ({ id: `sb${attempt}`, state, createdAt: attempt, ip: '10.0.0.1', netnsPath: '', config: { name: 'p', namespace: 'default', uid: 'u', attempt, hostname: 'p', hostNetwork: false, portMappings: [], labels: {}, annotations: {}, cgroupParent: '' } });
const ctr = (name: string, state: ContainerStatus['state'], exitCode?: number, attempt = 0): ContainerStatus => ({ id: `${name}${attempt}`, sandboxId: 'sb0', name, attempt, state, exitCode, image: 'i', imageRef: 'i', createdAt: attempt, logPath: '', labels: {} });
const rp = (sandboxes: PodSandboxStatus[], containers: ContainerStatus[]): RuntimePod => ({ uid: 'u', sandboxes, containers });
const noProbe = () => undefined;

test('computePodActions: new pod creates a sandbox and starts the first init container', () => {
  const a = computePodActions(pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] }), rp([], []), noProbe);
  assert.equal(a.createSandbox, true);
  assert.equal(a.nextInit?.name, 'i1');
  assert.deepEqual(a.containersToStart, []);
});

test('nextInitContainer: in order, failed first, done when the last succeeded', () => {
  const p = pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
  assert.equal(nextInitContainer(p, rp([sandbox('ready')], [ctr('i1', 'exited', 0)])).next?.name, 'i2');
  assert.equal(nextInitContainer(p, rp([sandbox('ready')], [ctr('i1', 'running')])).done, false);
  assert.equal(nextInitContainer(p, rp([sandbox('ready')], [ctr('i1', 'exited', 1)])).failed?.name, 'i1');
  assert.equal(nextInitContainer(p, rp([sandbox('ready')], [ctr('i2', 'exited', 0), ctr('i1', 'exited', 0)])).done, true);
});

test('computePodActions: restart policies and liveness kills', () => {
  const sb = [sandbox('ready')];
  assert.deepEqual(computePodActions(pod({ restartPolicy: 'Always' }), rp(sb, [ctr('app', 'exited', 0)]), noProbe).containersToStart.map((c) => c.name), ['app']);
  assert.equal(computePodActions(pod({ restartPolicy: 'OnFailure' }), rp(sb, [ctr('app', 'exited', 0)]), noProbe).killPod, true);
  assert.deepEqual(computePodActions(pod({ restartPolicy: 'OnFailure' }), rp(sb, [ctr('app', 'exited', 2)]), noProbe).containersToStart.map((c) => c.name), ['app']);
  assert.equal(computePodActions(pod({ restartPolicy: 'Never' }), rp(sb, [ctr('app', 'exited', 2)]), noProbe).killPod, true);
  const live = computePodActions(pod({}), rp(sb, [ctr('app', 'running')]), () => 'liveness');
  assert.equal(live.containersToKill[0].message, 'Container app failed liveness probe, will be restarted');
  assert.deepEqual(live.containersToStart.map((c) => c.name), ['app']);
  // A Never pod whose sandbox died is not brought back.
  const dead = computePodActions(pod({ restartPolicy: 'Never' }), rp([sandbox('notready')], [ctr('app', 'exited', 0)]), noProbe);
  assert.equal(dead.createSandbox, false);
});

test('computePodActions: an ephemeral container starts once, never restarts, and keeps no pod alive', () => {
  const sb = [sandbox('ready')];
  const p = pod({ ephemeralContainers: [{ name: 'dbg' }] });
  assert.deepEqual(computePodActions(p, rp(sb, [ctr('app', 'running')]), noProbe).ephemeralToStart.map((c) => c.name), ['dbg']);
  assert.deepEqual(computePodActions(p, rp(sb, [ctr('app', 'running'), ctr('dbg', 'exited', 1)]), noProbe).ephemeralToStart, []);
  // A pod being deleted, or one whose app containers are done, starts none.
  assert.deepEqual(computePodActions({ ...p, metadata: { ...p.metadata, deletionTimestamp: 'now' } }, rp(sb, [ctr('app', 'running')]), noProbe).ephemeralToStart, []);
  const done = computePodActions(pod({ restartPolicy: 'Never', ephemeralContainers: [{ name: 'dbg' }] }), rp(sb, [ctr('app', 'exited', 0), ctr('dbg', 'running')]), noProbe);
  assert.equal(done.killPod, true);
  assert.deepEqual(done.ephemeralToStart, []);
});

test('Backoff: doubles to the max, resets after twice the max without failures', () => {
  const clock = fakeClock(0);
  const b = new Backoff(clock, 10_000, 300_000);
  assert.equal(b.remainingSince('k', 0), 0);
  assert.equal(b.next('k'), 10_000);
  assert.equal(b.remainingSince('k', 0), 10_000);
  clock.advance(4000);
  assert.equal(b.remainingSince('k', 0), 6000);
  for (const want of [20_000, 40_000, 80_000, 160_000, 300_000, 300_000]) assert.equal(b.next('k'), want);
  clock.advance(600_001);
  assert.equal(b.next('k'), 10_000);
});

test('normalizeImage', () => {
  assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImage('library/nginx:1.14-alpine'), 'docker.io/library/nginx:1.14-alpine');
  assert.equal(normalizeImage('k8s.gcr.io/echoserver:1.4'), 'k8s.gcr.io/echoserver:1.4');
  assert.equal(normalizeImage('localhost:5000/a/b'), 'localhost:5000/a/b:latest');
  assert.throws(() => normalizeImage('Nginx'));
});
