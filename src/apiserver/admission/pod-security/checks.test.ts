import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec } from '../../../api/types/index.js';
import { evaluatePod, formatViolations } from './checks.js';
import { namespacePolicy, defaultPodSecurityConfig, parseLevelVersion } from './policy.js';

const meta = { name: 'p' };
const plain: PodSpec = { containers: [{ name: 'c', image: 'nginx' }] };
const restricted: PodSpec = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
};

describe('PodSecurity checks', () => {
  it('privileged allows anything; baseline allows a plain root pod', () => {
    assert.deepEqual(evaluatePod('privileged', meta, { ...plain, hostNetwork: true }), []);
    assert.deepEqual(evaluatePod('baseline', meta, plain), []);
  });

  it('baseline reports every violation in upstream order', () => {
    const spec: PodSpec = {
      hostNetwork: true, hostPID: true,
      securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }], seccompProfile: { type: 'Unconfined' } },
      volumes: [{ name: 'root', hostPath: { path: '/' } }, { name: 'e', emptyDir: {} }],
      containers: [
        { name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }], securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'CHOWN'] } } },
        { name: 'b', image: 'x', securityContext: { procMount: 'Unmasked', seLinuxOptions: { type: 'spc_t' } } },
      ],
    };
    assert.equal(
      formatViolations(evaluatePod('baseline', meta, spec)),
      'non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), ' +
        'host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "root"), hostPort (container "a" uses hostPort 8080), ' +
        'privileged (container "a" must not set securityContext.privileged=true), procMount (container "b" must not set securityContext.procMount to "Unmasked"), ' +
        'seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "spc_t"), ' +
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined"), forbidden sysctls (kernel.msgmax)',
    );
  });

  it('restricted adds privilege escalation, non-root, seccomp, capabilities and volume types', () => {
    assert.deepEqual(evaluatePod('restricted', meta, restricted), []);
    const vs = evaluatePod('restricted', meta, { ...plain, volumes: [{ name: 'h', hostPath: { path: '/tmp' } }] });
    assert.deepEqual(vs.map((v) => v.reason), ['allowPrivilegeEscalation != false', 'unrestricted capabilities', 'hostPath volumes', 'restricted volume types', 'runAsNonRoot != true', 'seccompProfile']);
    assert.equal(vs[3].detail, 'volume "h" uses restricted volume type "hostPath"');
    const root = evaluatePod('restricted', meta, { ...restricted, securityContext: { ...restricted.securityContext, runAsUser: 0 } });
    assert.equal(formatViolations(root), 'runAsUser=0 (pod must not set runAsUser=0)');
    const caps = evaluatePod('restricted', meta, { ...restricted, containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['SYS_TIME'] } } }] });
    assert.equal(formatViolations(caps), 'unrestricted capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add)');
  });

  it('namespace labels override the default; bad labels fail closed', () => {
    const d = defaultPodSecurityConfig().defaults;
    assert.deepEqual(namespacePolicy(undefined, d).policy.enforce, { level: 'baseline', version: 'latest' });
    const p = namespacePolicy({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn-version': 'v1.30' }, d);
    assert.deepEqual(p.policy.enforce, { level: 'privileged', version: 'latest' });
    assert.deepEqual(p.policy.warn, { level: 'restricted', version: 'v1.30' });
    const bad = namespacePolicy({ 'pod-security.kubernetes.io/enforce': 'nope' }, d);
    assert.equal(bad.policy.enforce.level, 'restricted');
    assert.equal(bad.errors.length, 1);
    assert.deepEqual(parseLevelVersion('baseline:v1.32', 'x'), { level: 'baseline', version: 'v1.32' });
    assert.throws(() => parseLevelVersion('strict', '--pod-security-enforce'), /--pod-security-enforce: level must be one of privileged, baseline, restricted/);
  });
});
