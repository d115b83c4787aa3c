// Writes through the etcd store while one member of a 3-member etcd is killed (issue 16): four
// writers create keys back to back; after 2 s the leader (or a follower) gets SIGKILL. Prints
// the writes per second before and after, the longest write, and how many failed.
//   node dist/bench/etcd-member-kill.bench.js [--victim leader|follower] [--rounds 3]
// Needs /usr/bin/etcd; no host lock (free ports on 127.0.0.1).
import { parseArgs } from 'node:util';
import { etcdLeaderIndex as leaderIndex, startTestEtcdCluster } from '../src/storage/testing/etcd-process.js';
import { EtcdStore, parseEtcdSpec } from '../src/storage/index.js';

const { values } = parseArgs({ options: { victim: { type: 'string', default: 'leader' }, rounds: { type: 'string', default: '3' } } });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function round(victim: string): Promise<{ before: number; after: number; longestMs: number; failed: number }> {
  const etcd = await startTestEtcdCluster(3);
  const store = new EtcdStore(parseEtcdSpec(etcd.spec));
  try {
    await store.ready;
    let stop = false;
    let n = 0;
    let longest = 0;
    let failed = 0;
    const done: number[] = [];
    const writers = [0, 1, 2, 3].map(async (w) => {
      while (!stop) {
        const t = Date.now();
        try {
          await store.create(`/registry/k8ts-bench/${w}-${n++}`, 'v');
          done.push(Date.now());
        } catch {
          failed++;
        }
        longest = Math.max(longest, Date.now() - t);
      }
    });
    await sleep(2000);
    const li = await leaderIndex(etcd.clientUrls);
    const killedAt = Date.now();
    longest = 0;
    await etcd.killMember(victim === 'leader' ? li : (li + 1) % 3);
    await sleep(8000);
    stop = true;
    await Promise.all(writers);
    const before = done.filter((t) => t < killedAt && t >= killedAt - 2000).length / 2;
    const after = done.filter((t) => t >= killedAt + 3000 && t < killedAt + 8000).length / 5;
    return { before, after, longestMs: longest, failed };
  } finally {
    await store.close();
    await etcd.stop();
  }
}

for (let i = 1; i <= Number(values.rounds); i++) {
  const r = await round(values.victim!);
  console.log(`round ${i}: ${values.victim} killed: ${r.before.toFixed(0)} writes/s before, ${r.after.toFixed(0)} after; longest write ${r.longestMs} ms; ${r.failed} failed`);
  console.log(`RESULT ${JSON.stringify({ bench: 'etcd-member-kill', victim: values.victim, ...r })}`);
}
