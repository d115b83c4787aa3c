// Every controller the controller manager runs acts as a service account that the default
// policy binds to a system:controller:<sa> role naming that controller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROLLER_NAMES, CONTROLLER_SERVICE_ACCOUNTS, controllerUser } from '../../../controllers/names.js';
import { CONTROLLER_ROLES, defaultClusterRoleBindings, defaultClusterRoles } from './default-policy.js';

test('each controller has its service account, bound to a system:controller role that lists it', () => {
  const roles = new Set(defaultClusterRoles().map((r) => r.metadata.name));
  const bindings = defaultClusterRoleBindings();
  for (const name of CONTROLLER_NAMES) {
    const sa = CONTROLLER_SERVICE_ACCOUNTS[name];
    assert.equal(controllerUser(name), `system:serviceaccount:kube-system:${sa}`);
    const entry = CONTROLLER_ROLES.find((c) => c.serviceAccount === sa);
    assert.ok(entry?.controllers.includes(name), `${name}: a CONTROLLER_ROLES entry for ${sa} naming it`);
    assert.ok(roles.has(`system:controller:${sa}`), `${name}: ClusterRole system:controller:${sa}`);
    const b = bindings.find((x) => x.metadata.name === `system:controller:${sa}`);
    assert.deepEqual(b?.subjects, [{ apiGroup: '', kind: 'ServiceAccount', name: sa, namespace: 'kube-system' }]);
  }
});
