import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepFreeze } from '../../client/testing/index.js';
import {
  findBestMatch, isVolumeBoundToClaim, nodeSelectorTermMatches, volumeNodeAffinityAllows, volumeSatisfiesClaimProblem,
  type MatchOptions,
} from './matching.js';
import type { AccessMode } from './types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/types/index.js';

function pv(name: string, storage: string, extra: Partial<NonNullable<PersistentVolume['spec']>> = {}, more: { labels?: Record<string, string>; phase?: string } = {}): PersistentVolume {
  return deepFreeze({
    metadata: { name, labels: more.labels },
    spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'] as AccessMode[], storageClassName: 'manual', ...extra },
    status: { phase: (more.phase ?? 'Available') as 'Available' },
  });
}

function claim(storage: string, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim {
  return deepFreeze({
    metadata: { name: 'data', namespace: 'ns', uid: 'uid-1' },
    spec: { accessModes: ['ReadWriteOnce'] as AccessMode[], resources: { requests: { storage } }, storageClassName: 'manual', ...extra },
  });
}

const opts: MatchOptions = { className: 'manual', delayBinding: false };
const names = (v: PersistentVolume | undefined): string | undefined => v?.metadata.name;

test('the smallest Available volume of the class that is big enough wins', () => {
  const vols = [pv('big', '10Gi'), pv('small', '500Mi'), pv('fit', '2Gi'), pv('fit2', '1Gi')];
  assert.equal(names(findBestMatch(claim('1Gi'), vols, opts)), 'fit2');
  assert.equal(names(findBestMatch(claim('1.5Gi'), vols, opts)), 'fit');
  assert.equal(names(findBestMatch(claim('20Gi'), vols, opts)), undefined);
});

test('class, phase, claimRef, volumeMode, selector and deletion exclude volumes', () => {
  const c = claim('1Gi');
  assert.equal(findBestMatch(c, [pv('a', '1Gi', { storageClassName: 'other' })], opts), undefined, 'other class');
  assert.equal(findBestMatch(c, [pv('a', '1Gi', { storageClassName: undefined })], opts), undefined, 'no class vs manual');
  assert.equal(names(findBestMatch(claim('1Gi', { storageClassName: '' }), [pv('a', '1Gi', { storageClassName: undefined })], { ...opts, className: '' })), 'a');
  assert.equal(findBestMatch(c, [pv('a', '1Gi', {}, { phase: 'Released' })], opts), undefined, 'not Available');
  assert.equal(findBestMatch(c, [pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'x' } })], opts), undefined, 'bound elsewhere');
  assert.equal(findBestMatch(c, [pv('a', '1Gi', { volumeMode: 'Block' })], opts), undefined, 'volumeMode');
  const sel = claim('1Gi', { selector: { matchLabels: { tier: 'gold' } } });
  assert.equal(names(findBestMatch(sel, [pv('plain', '1Gi'), pv('gold', '5Gi', {}, { labels: { tier: 'gold' } })], opts)), 'gold');
  const deleting = deepFreeze({ ...pv('a', '1Gi'), metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' } });
  assert.equal(findBestMatch(c, [deleting], opts), undefined, 'being deleted');
});

test('access modes: the volume must offer every requested mode; fewer modes are preferred', () => {
  const rwx = claim('1Gi', { accessModes: ['ReadWriteMany'] });
  assert.equal(findBestMatch(rwx, [pv('rwo', '1Gi')], opts), undefined);
  const both = pv('both', '1Gi', { accessModes: ['ReadWriteOnce', 'ReadWriteMany'] });
  const only = pv('only', '10Gi');
  assert.equal(names(findBestMatch(claim('1Gi'), [both, only], opts)), 'only', 'RWO-only set searched first, even if bigger');
  assert.equal(names(findBestMatch(rwx, [both, only], opts)), 'both');
});

test('a volume pre-bound to the claim wins, also when binding waits for a consumer', () => {
  const c = claim('1Gi');
  const pre = pv('pre', '5Gi', { claimRef: { namespace: 'ns', name: 'data' }, storageClassName: 'other' }, { phase: 'Pending' });
  const free = pv('free', '1Gi');
  assert.equal(names(findBestMatch(c, [free, pre], opts)), 'pre');
  assert.equal(names(findBestMatch(c, [free], { ...opts, delayBinding: true })), undefined, 'free volumes wait for a node');
  assert.equal(names(findBestMatch(c, [free, pre], { ...opts, delayBinding: true })), 'pre');
  const otherUid = pv('old', '5Gi', { claimRef: { namespace: 'ns', name: 'data', uid: 'uid-0' } });
  assert.equal(isVolumeBoundToClaim(otherUid, c), false, 'a claim of the same name but another uid');
  assert.equal(findBestMatch(claim('10Gi'), [pre], opts), undefined, 'pre-bound but too small');
});

test('node affinity: with a node, only volumes usable there match', () => {
  const pinned = (name: string, node: string): PersistentVolume => pv(name, '1Gi', {
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  });
  const n1 = { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } };
  const vols = [pinned('on-n2', 'n2'), pinned('on-n1', 'n1')];
  assert.equal(names(findBestMatch(claim('1Gi'), vols, { ...opts, delayBinding: true, node: n1 })), 'on-n1');
  assert.equal(volumeNodeAffinityAllows(pv('anywhere', '1Gi'), n1), true);
  assert.equal(nodeSelectorTermMatches({}, n1), false, 'an empty term matches nothing');
  assert.equal(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }, n1), true);
  assert.equal(nodeSelectorTermMatches({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }, { key: 'kubernetes.io/hostname', operator: 'Exists' }] }, n1), true);
  assert.equal(nodeSelectorTermMatches({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['3'] }] }, { name: 'x', labels: { gen: '4' } }), true);
  assert.equal(nodeSelectorTermMatches({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['3'] }] }, { name: 'x', labels: { gen: 'four' } }), false);
});

test('a claim naming its volume: why it cannot bind', () => {
  const v = pv('v', '1Gi');
  assert.equal(volumeSatisfiesClaimProblem(v, claim('1Gi'), 'manual'), undefined);
  assert.equal(volumeSatisfiesClaimProblem(v, claim('2Gi'), 'manual'), 'requested PV is too small');
  assert.equal(volumeSatisfiesClaimProblem(v, claim('1Gi'), 'fast'), 'storageClassName does not match');
  assert.equal(volumeSatisfiesClaimProblem(v, claim('1Gi', { volumeMode: 'Block' }), 'manual'), 'incompatible volumeMode');
  assert.equal(volumeSatisfiesClaimProblem(v, claim('1Gi', { accessModes: ['ReadOnlyMany'] }), 'manual'), 'incompatible accessMode');
});
