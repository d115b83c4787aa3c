// Test-only hooks, enabled by environment variables that only tests set.
//
// K8TS_TEST_SPIN_CONTROLLER=1: the controller manager gets a `test-spin` controller whose
// reconcile of the ConfigMap `k8ts-test-spin` (any namespace) never returns — a synchronous hot
// loop, the failure mode that once froze the whole server. Tests use it to show that the other
// loops keep answering and that the stall is reported.
import { type ControllerRegistration, R, keyOf } from '../client/index.js';
import { Controller } from '../client/controller.js';

export const SPIN_CONFIGMAP = 'k8ts-test-spin';

export function spinHookRegistration(env: NodeJS.ProcessEnv = process.env): ControllerRegistration | undefined {
  if (env.K8TS_TEST_SPIN_CONTROLLER !== '1') return undefined;
  return {
    name: 'test-spin',
    register(ctx) {
      const c = new Controller({
        name: 'test-spin',
        signal: ctx.signal,
        reconcile: async (key) => {
          if (!key.endsWith(`/${SPIN_CONFIGMAP}`)) return;
          for (;;) {
            // spin: never yields to the event loop
          }
        },
      });
      ctx.informers.informerFor(R.configmaps).addEventHandler({ onAdd: (o) => c.enqueue(keyOf(o)) });
      c.run();
    },
  };
}
