// k8ts on a 3-member etcd: kill one member (a follower, then the leader) under a steady stream
// of kubectl writes; writes go on, none fails, no acknowledged write is lost, and the member
// catches up once it is back.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../helpers/cluster.js';
import { etcdLeaderIndex as leaderIndex, haveEtcd, startTestEtcdCluster } from '../../src/storage/testing/etcd-process.js';

const skip = haveEtcd() ? false : 'no /usr/bin/etcd (Debian etcd-server)';

/** Keys under /registry/core/configmaps/<ns>/ as one member sees them locally (serializable read). */
async function memberCount(clientUrl: string, ns: string): Promise<number> {
  const key = `/registry/core/configmaps/${ns}/`;
  const end = key.slice(0, -1) + '0';
  const res = await fetch(`${clientUrl}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64'), range_end: Buffer.from(end).toString('base64'), count_only: true, serializable: true }),
    signal: AbortSignal.timeout(5000),
  });
  return Number(((await res.json()) as { count?: string }).count ?? 0);
}

/** A member that does not lead. */
async function followerIndex(clientUrls: readonly string[]): Promise<number> {
  return ((await leaderIndex(clientUrls)) + 1) % clientUrls.length;
}

it('3 etcd members: a follower killed under kubectl writes: every write succeeds, it catches up', { skip, timeout: 180_000 }, () => killUnderWrites(followerIndex, 0));

// The leader's death drops the proposals the followers hold (etcd answers them only after its
// 7 s request timeout) and the answers of the writes it was serving: the store sends such
// writes again once the new leader is elected, settling any that were applied already.
it('3 etcd members: the leader killed under kubectl writes: every write succeeds, it catches up', { skip, timeout: 180_000 }, () => killUnderWrites(leaderIndex, 0));

async function killUnderWrites(pick: (clientUrls: readonly string[]) => Promise<number>, maxFailed: number): Promise<void> {
  const etcd = await startTestEtcdCluster(3);
  const c = await startCluster({ datastore: etcd.spec, extraArgs: ['--runtime', 'simulated', '--simulated-nodes', '0'] });
  try {
    const ns = 'k8ts-test-members';
    await c.k(['create', 'namespace', ns]);
    const acked: string[] = [];
    const failed: string[] = [];
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        const name = `w-${n++}`;
        const r = await c.kubectl(['create', 'configmap', name, '-n', ns, '--from-literal=i=' + n], { timeoutMs: 30_000 });
        (r.code === 0 ? acked : failed).push(r.code === 0 ? name : `${name}: ${r.stderr.trim()}`);
      }
    })();
    const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    await wait(3000);
    const victim = await pick(etcd.clientUrls);
    await etcd.killMember(victim);
    const atKill = acked.length;
    await wait(6000);
    const whileDown = acked.length - atKill;
    await etcd.restartMember(victim);
    await wait(3000);
    stop = true;
    await writer;
    assert.ok(failed.length <= maxFailed, `at most ${maxFailed} write(s) failed: ${failed.join('; ')}`);
    for (const f of failed) assert.match(f, /Internal error occurred: etcd (create|update)/, 'a lost answer is a 500 naming etcd');
    assert.ok(whileDown >= 5, `writes went on while a member was down (${whileDown})`);
    // Every acknowledged write is there.
    const names = new Set((await c.k(['get', 'configmaps', '-n', ns, '-o', 'name'])).split('\n').filter(Boolean).map((l) => l.replace('configmap/', '')));
    for (const a of acked) assert.ok(names.has(a), `acknowledged ${a} is missing`);
    // The restarted member caught up: it holds as many of the keys as the others.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const counts = await Promise.all(etcd.clientUrls.map((u) => memberCount(u, ns)));
      if (counts.every((x) => x === names.size)) break;
      if (Date.now() > deadline) assert.fail(`members hold ${counts.join(", ")} keys, the API lists ${names.size}`);
      await wait(500);
    }
  } finally {
    await c.stop();
    c.cleanup();
    await etcd.stop();
  }
}
