// A tiny stand-in for scheduler + kubelet in integration tests: binds each new pod (to the
// node its DaemonSet affinity names, else to `defaultNode`), then reports it Running and
// Ready, or Succeeded for Job pods; pods being deleted are deleted for good.
import type { Pod } from '../../../api/types/index.js';
import { isNotFound } from '../../../api/status.js';
import type { ControllerContext } from '../../../client/controller-types.js';
import { R } from '../../../client/resources.js';
import { rfc3339 } from '../../../util/time.js';

function targetNode(pod: Readonly<Pod>): string | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name') return f.values?.[0];
  return undefined;
}

export function startFakeKubelet(ctx: ControllerContext, defaultNode = 'node-1'): void {
  const { client } = ctx;
  const busy = new Set<string>();
  const inf = ctx.informers.informerFor<Pod>(R.pods);
  const handle = async (pod: Readonly<Pod>): Promise<void> => {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (busy.has(key)) return;
    busy.add(key);
    try {
      const ns = pod.metadata.namespace;
      const name = pod.metadata.name ?? '';
      if (pod.metadata.deletionTimestamp) {
        if (!pod.metadata.finalizers?.length) await client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 });
        return;
      }
      if (!pod.spec?.nodeName) {
        await client.createSubresource(R.pods, ns, name, 'binding', {
          apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: targetNode(pod) ?? defaultNode },
        });
        return;
      }
      const phase = pod.status?.phase;
      if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') return;
      const isJob = !!pod.metadata.labels?.['batch.kubernetes.io/job-name'];
      const now = rfc3339(Date.now());
      const fresh = await client.get<Pod>(R.pods, ns, name);
      await client.updateStatus(R.pods, ns, {
        ...fresh,
        status: {
          ...fresh.status,
          phase: isJob ? 'Succeeded' : 'Running',
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: isJob ? 'False' : 'True', lastTransitionTime: now },
          ],
        },
      });
    } catch (err) {
      if (!isNotFound(err)) setTimeout(() => void handle(pod), 50);
    } finally {
      busy.delete(key);
      // Changes that arrived while this one was handled are picked up from the cache.
      const latest = inf.lister.get(pod.metadata.namespace, pod.metadata.name ?? '');
      if (latest && latest !== pod) void handle(latest);
    }
  };
  inf.addEventHandler({ onAdd: (p) => void handle(p), onUpdate: (_o, n) => void handle(n) });
}

/** Polls `fn` until it returns a truthy value (integration tests only; real time). */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
