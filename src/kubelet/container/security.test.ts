import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, PodSpec } from '../../api/types/index.js';
import { securityContext, verifyRunAsNonRoot, verifySeccompProfile } from './resources.js';

const c = (sc: Container['securityContext'] = {}): Container => ({ name: 'app', image: 'x', securityContext: sc });
const spec = (sc: PodSpec['securityContext'] = {}): PodSpec => ({ containers: [], securityContext: sc });
const REF = 'web_default(1234)';

describe('runAsNonRoot at container start', () => {
  it('refuses an image that runs as root, with the kubelet text', () => {
    assert.equal(verifyRunAsNonRoot(spec({ runAsNonRoot: true }), c(), '', REF), 'container has runAsNonRoot and image will run as root (pod: "web_default(1234)", container: app)');
    assert.equal(verifyRunAsNonRoot(spec(), c({ runAsNonRoot: true }), '0:0', REF), 'container has runAsNonRoot and image will run as root (pod: "web_default(1234)", container: app)');
  });
  it('refuses runAsUser 0 and unverifiable user names; allows numeric non-root users', () => {
    assert.equal(verifyRunAsNonRoot(spec({ runAsNonRoot: true, runAsUser: 0 }), c(), '1000', REF), 'container\'s runAsUser breaks non-root policy (pod: "web_default(1234)", container: app)');
    assert.match(verifyRunAsNonRoot(spec({ runAsNonRoot: true }), c(), 'nginx', REF) ?? '', /image has non-numeric user \(nginx\), cannot verify user is non-root/);
    assert.equal(verifyRunAsNonRoot(spec({ runAsNonRoot: true }), c(), '101:101', REF), undefined);
    assert.equal(verifyRunAsNonRoot(spec({ runAsNonRoot: true }), c({ runAsUser: 1000 }), '', REF), undefined);
    assert.equal(verifyRunAsNonRoot(spec(), c(), '', REF), undefined);
  });
});

describe('seccomp profile for the runtime', () => {
  it('takes the container profile over the pod one', () => {
    assert.equal(securityContext(spec({ seccompProfile: { type: 'RuntimeDefault' } }), c()).seccompProfile, 'RuntimeDefault');
    assert.equal(securityContext(spec({ seccompProfile: { type: 'RuntimeDefault' } }), c({ seccompProfile: { type: 'Unconfined' } })).seccompProfile, 'Unconfined');
    assert.equal(securityContext(spec(), c()).seccompProfile, undefined);
  });
  it('a Localhost profile is a config error on this node', () => {
    assert.match(verifySeccompProfile(spec(), c({ seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } })) ?? '', /localhost seccomp profile "p.json" is not available/);
    assert.equal(verifySeccompProfile(spec({ seccompProfile: { type: 'RuntimeDefault' } }), c()), undefined);
  });
});
