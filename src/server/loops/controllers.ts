// The controller-manager loop: every built-in controller and the scheduler, each set behind its
// own Lease (kube-controller-manager, kube-scheduler), meeting the rest of the server only
// through the API on the loopback socket.
import { RestClient } from '../../client/rest-client.js';
import { SharedInformerFactory, stripManagedFields } from '../../client/informers/index.js';
import { startControllerManager, type LeaseTimings } from '../../controller-manager/index.js';
import type { ControllerRegistration } from '../../client/index.js';
import type { ControllerName } from '../../controllers/names.js';
import type { RunningLoop } from '../protocol.js';
import { spinHookRegistration } from '../test-hooks.js';

export interface ControllersLoopOptions {
  loopbackSocket: string;
  identity: string;
  disabled: string[];
  clusterCIDR: string;
  caPem: string;
  nodeMonitorGracePeriodMs: number;
  storageRoot: string;
  leaseTimings: LeaseTimings;
}

export async function runLoop(o: ControllersLoopOptions, signal: AbortSignal): Promise<RunningLoop> {
  const disabled = new Set(o.disabled);
  const client = new RestClient({ transport: { kind: 'unix', socketPath: o.loopbackSocket }, userAgent: 'k8ts-controller-manager' });
  // Controllers never read managedFields; like kube-controller-manager's informers, these drop
  // them (a large share of every cached pod) and updates sent without them keep the stored ones.
  const informers = new SharedInformerFactory(client, { transform: stripManagedFields });
  const managers: Array<{ stopped: Promise<void> }> = [];
  if (!disabled.has('controllers')) {
    const { controllerRegistrations, CONTROLLER_NAMES, controllerUser } = await import('../../controllers/index.js');
    // Each controller writes as its kube-system service account (the loopback identity, in
    // system:masters, may impersonate); informers and the Lease stay on the loopback identity.
    const known = new Set<string>(CONTROLLER_NAMES);
    const clientFor = (name: string) => (known.has(name) ? client.impersonating(controllerUser(name as ControllerName)) : client);
    const controllers: ControllerRegistration[] = controllerRegistrations({
      clusterCIDR: o.clusterCIDR,
      caPem: o.caPem,
      nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs,
      storageRoot: o.storageRoot,
    }).filter((c) => !disabled.has(c.name));
    const spin = spinHookRegistration();
    if (spin) controllers.push(spin);
    managers.push(startControllerManager({ client, informers, signal, leaseName: 'kube-controller-manager', identity: o.identity, controllers, clientFor, leaseTimings: o.leaseTimings }));
  }
  if (!disabled.has('scheduler')) {
    const { registration } = await import('../../scheduler/index.js');
    const scheduler = client.impersonating('system:kube-scheduler');
    managers.push(startControllerManager({ client, informers, signal, leaseName: 'kube-scheduler', identity: o.identity, controllers: [registration], clientFor: () => scheduler, leaseTimings: o.leaseTimings }));
  }
  return {
    close: async () => {
      // Leaders release their Leases (client-go's ReleaseOnCancel) so the next start leads at once; at most 2 s.
      await Promise.race([Promise.all(managers.map((m) => m.stopped)), new Promise((r) => setTimeout(r, 2000))]);
      client.close();
    },
  };
}
