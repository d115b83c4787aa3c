// The README's example controller, run against newTestContext(): a reconcile's writes
// reach the informers before the next reconcile, and nothing waits on real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, enqueueObject } from '../controller.js';
import type { ControllerRegistration } from '../controller-types.js';
import { isDeletedFinalStateUnknown } from '../informer-types.js';
import { R } from '../resources.js';
import { isAlreadyExists } from '../../api/status.js';
import { newTestContext } from './test-context.js';
import { waitForIdle } from './settle.js';

let controller: Controller | undefined;

const serviceAccounts: ControllerRegistration = {
  name: 'serviceaccount',
  register(ctx) {
    const namespaces = ctx.informers.informerFor(R.namespaces);
    const accounts = ctx.informers.informerFor(R.serviceaccounts);
    const recorder = ctx.recorder('serviceaccount-controller');
    const c = new Controller({
      name: 'serviceaccount', signal: ctx.signal, clock: ctx.clock,
      async reconcile(ns) {
        const namespace = namespaces.lister.get(undefined, ns);
        if (!namespace || namespace.metadata.deletionTimestamp) return;
        if (accounts.lister.get(ns, 'default')) return;
        try {
          await ctx.client.create(R.serviceaccounts, ns, { metadata: { name: 'default' } });
          recorder.event(namespace, 'Normal', 'Created', 'Created service account default');
        } catch (e) {
          if (!isAlreadyExists(e)) throw e; // thrown errors are retried with back-off
        }
      },
    });
    namespaces.addEventHandler({ onAdd: (o) => enqueueObject(c, o), onUpdate: (_old, o) => enqueueObject(c, o) });
    accounts.addEventHandler({ onDelete: (o) => c.enqueue((isDeletedFinalStateUnknown(o) ? o.obj : o).metadata.namespace ?? '') });
    c.run();
    controller = c;
  },
};

test('a controller under newTestContext sees its own writes', async () => {
  const t = newTestContext();
  t.client.seed(R.namespaces, { metadata: { name: 'team-a' } });
  await serviceAccounts.register(t.ctx);
  await waitForIdle(controller!);
  assert.deepEqual(t.client.objects(R.serviceaccounts).map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['team-a/default']);
  assert.deepEqual(t.recorder.events, [{
    type: 'Normal', reason: 'Created', message: 'Created service account default',
    object: { kind: 'Namespace', name: 'team-a' }, component: 'serviceaccount-controller',
  }]);

  t.client.clearActions();
  await t.client.delete(R.serviceaccounts, 'team-a', 'default');
  await waitForIdle(controller!);
  assert.deepEqual(t.client.actions.map((a) => `${a.verb} ${a.resource}`), ['delete serviceaccounts', 'create serviceaccounts']);

  await t.client.create(R.namespaces, undefined, { metadata: { name: 'team-b' } });
  await waitForIdle(controller!);
  assert.equal(t.client.objects(R.serviceaccounts).length, 2);
  t.abort();
  assert.ok(controller!.queue.shuttingDownNow());
});
