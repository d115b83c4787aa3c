import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, LimitRangeItem, Pod } from '../../api/types/index.js';
import { applyContainerDefaults, podLimitViolations } from './limit-ranger.js';

const item: LimitRangeItem = { type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' }, min: { memory: '16Mi' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '4' } };

describe('LimitRanger', () => {
  it('fills missing limits and requests; a limit the pod set is its own request', () => {
    const cs: Container[] = [{ name: 'a', image: 'x' }, { name: 'b', image: 'x', resources: { limits: { cpu: '800m' } } }];
    const note = applyContainerDefaults(cs, [item]);
    assert.deepEqual(cs[0].resources, { limits: { cpu: '500m' }, requests: { memory: '16Mi', cpu: '100m' } });
    assert.deepEqual(cs[1].resources, { limits: { cpu: '800m' }, requests: { memory: '16Mi', cpu: '800m' } });
    assert.equal(note, 'LimitRanger plugin set: memory, cpu request for container a; cpu limit for container a; memory request for container b');
  });

  it('checks min, max and the limit/request ratio', () => {
    const pod = (limits: Record<string, string>, requests: Record<string, string>): Pod => ({ metadata: {}, spec: { containers: [{ name: 'a', image: 'x', resources: { limits, requests } }] } });
    assert.deepEqual(podLimitViolations(pod({ cpu: '1' }, { cpu: '500m', memory: '16Mi' }), [item]), []);
    assert.deepEqual(podLimitViolations(pod({ cpu: '2' }, { cpu: '2', memory: '16Mi' }), [item]), ['maximum cpu usage per Container is 1, but limit is 2']);
    assert.deepEqual(podLimitViolations(pod({ cpu: '1' }, { cpu: '100m' }), [item]), [
      'minimum memory usage per Container is 16Mi.  No request is specified',
      'cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000',
    ]);
  });
});
