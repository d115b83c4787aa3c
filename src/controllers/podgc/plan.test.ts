import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { planPodGC } from './plan.js';

const NOW = Date.UTC(2024, 0, 1, 1);
function pod(name: string, opts: { node?: string; phase?: string; created?: string; deleting?: string } = {}): KObject {
  return { metadata: { name, namespace: 'ns', uid: name, creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z', deletionTimestamp: opts.deleting }, spec: { nodeName: opts.node }, status: { phase: opts.phase ?? 'Running' } };
}
const node = (name: string, ready: string, taints: unknown[] = []): KObject => ({ metadata: { name }, spec: { taints }, status: { conditions: [{ type: 'Ready', status: ready }] } });

test('plans each kind of pod garbage', () => {
  const nodes = new Map([['ok', node('ok', 'True')], ['down', node('down', 'Unknown')], ['oos', node('oos', 'False', [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }])]]);
  const pods = [
    pod('t-old', { node: 'ok', phase: 'Succeeded', created: '2024-01-01T00:00:01Z' }),
    pod('t-new', { node: 'ok', phase: 'Failed', created: '2024-01-01T00:00:02Z' }),
    pod('orphan', { node: 'gone' }),
    pod('young-orphan', { node: 'new-gone' }),
    pod('unscheduled', { deleting: '2024-01-01T00:30:00Z' }),
    pod('due', { node: 'down', deleting: '2024-01-01T00:59:00Z' }),
    pod('not-due', { node: 'down', deleting: '2024-01-01T01:10:00Z' }),
    pod('oos', { node: 'oos', deleting: '2024-01-01T01:10:00Z' }),
    pod('ready-node', { node: 'ok', deleting: '2024-01-01T00:00:00Z' }),
  ];
  const plan = planPodGC({ pods, nodeByName: (n) => nodes.get(n), isNodeGone: (n) => n === 'gone', threshold: 1, now: NOW });
  assert.deepEqual(plan.map((a) => `${a.pod.metadata.name}:${a.reason}`), [
    'orphan:orphaned', 'unscheduled:unscheduledTerminating', 'due:terminatingOnNotReadyNode', 'oos:terminatingOnNotReadyNode', 't-old:terminated',
  ]);
});
