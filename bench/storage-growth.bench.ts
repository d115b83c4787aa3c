// How big state.db (and its WAL) gets under steady churn: the status storm of issue 10 — the
// status of 50 pods rewritten at 150 writes/s, each write a new lastTransitionTime — against the
// SqliteStore with its automatic compaction, sampled over time.
//
//   node dist/bench/storage-growth.bench.js [--minutes 10] [--rate 150] [--pods 50]
//        [--compact-interval 300] [--retain 1000] [--max-uncompacted 10000] [--sample 15]
//
// --compact-interval (seconds) shortens the automatic compaction period (default: the server's,
// 5 minutes, as upstream) so a short run shows several compactions. The store is the one
// `k8ts server` opens (<data-dir>/state.db, same pragmas), in this process, so the figures are
// the storage's alone. --max-uncompacted 0 turns the early compaction off (the timer alone, as
// before issue 10) for comparison. Prints one line per sample, a summary, and `RESULT {...}` last.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../src/storage/index.js';
import { DEFAULT_COMPACT_INTERVAL_MS, DEFAULT_MAX_UNCOMPACTED_REVISIONS, DEFAULT_RETAIN_REVISIONS } from '../src/storage/auto-compaction.js';
import { podManifest } from './api/pods.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '150' },
    pods: { type: 'string', default: '50' },
    'compact-interval': { type: 'string', default: String(DEFAULT_COMPACT_INTERVAL_MS / 1000) },
    retain: { type: 'string', default: String(DEFAULT_RETAIN_REVISIONS) },
    'max-uncompacted': { type: 'string', default: String(DEFAULT_MAX_UNCOMPACTED_REVISIONS) },
    sample: { type: 'string', default: '15' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const pods = Number(values.pods);
const compactS = Number(values['compact-interval']);
const retain = Number(values.retain);
const maxUncompacted = Number(values['max-uncompacted']);
const sampleS = Number(values.sample);
for (const [k, v] of Object.entries({ minutes, rate, pods, compactS, retain, maxUncompacted, sampleS })) if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`--${k}: not a number`);

const MB = 1024 * 1024;
const size = (f: string): number => {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
};
const fmtMB = (b: number): string => (b / MB).toFixed(1).padStart(7);

/** A stored pod as the API server writes it: spec, status with conditions, managedFields (~4 KB). */
function podValue(i: number, flip: number): string {
  const m = podManifest(`web-${i}`, 'default');
  const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString().replace('.000', '');
  const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
    type,
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: t(flip % 2),
  }));
  return JSON.stringify({
    ...m,
    metadata: {
      ...m.metadata,
      uid: `6f1c1e2a-0000-4000-8000-${String(i).padStart(12, '0')}`,
      creationTimestamp: t(0),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8b6c5d', uid: '0b5e9a55-1111-4000-8000-000000000001', controller: true, blockOwnerDeletion: true }],
      managedFields: [
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: t(0), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:ownerReferences': {} }, 'f:spec': { 'f:containers': {} } } },
        { manager: 'k8ts-kubelet', operation: 'Update', apiVersion: 'v1', time: t(flip % 2), subresource: 'status', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:startTime': {} } } },
      ],
    },
    spec: { ...m.spec, nodeName: 'node-1' },
    status: {
      phase: 'Running',
      conditions,
      hostIP: '10.0.0.1',
      podIP: `10.42.0.${(i % 250) + 2}`,
      startTime: t(0),
      containerStatuses: ['web', 'log-shipper'].map((name) => ({ name, ready: true, restartCount: 0, image: 'nginx:1.25.3', imageID: 'sha256:' + 'ab'.repeat(32), containerID: `runc://${'cd'.repeat(32)}`, started: true, state: { running: { startedAt: t(0) } } })),
    },
  });
}

const dir = mkdtempSync(join(tmpdir(), 'k8ts-storage-growth-'));
const db = join(dir, 'state.db');
const store = new SqliteStore(db, { compactIntervalMs: compactS * 1000, retainRevisions: retain, maxUncompactedRevisions: maxUncompacted });
const samples: Array<{ s: number; revision: number; logRows: number; dbMB: number; walMB: number; freePages: number; pages: number }> = [];
try {
  const keys = Array.from({ length: pods }, (_, i) => `/registry/core/pods/default/web-${i}`);
  const revs: number[] = [];
  for (let i = 0; i < pods; i++) revs.push((await store.create(keys[i], podValue(i, 0))).modRevision);
  const valueBytes = Buffer.byteLength(podValue(0, 1));
  console.log(`storage growth: ${pods} pods (${(valueBytes / 1024).toFixed(1)} KB each), ${rate} status writes/s for ${minutes} min; compaction every ${compactS} s keeping ${retain} revisions, early past ${retain} + ${maxUncompacted || '∞'}; ${cpus().length} CPUs, node ${process.version}`);
  console.log('      s   revision   log rows  state.db MB  wal MB  free pages / pages');

  const t0 = Date.now();
  const sample = (): void => {
    const st = store.stats();
    const row = { s: Math.round((Date.now() - t0) / 1000), revision: store.currentRevision(), logRows: st.logRows, dbMB: size(db) / MB, walMB: size(db + '-wal') / MB, freePages: st.freelistCount, pages: st.pageCount };
    samples.push(row);
    console.log(`${String(row.s).padStart(7)} ${String(row.revision).padStart(10)} ${String(row.logRows).padStart(10)}  ${fmtMB(size(db))}     ${fmtMB(size(db + '-wal'))}  ${row.freePages} / ${row.pages}`);
  };
  sample();
  const end = t0 + minutes * 60_000;
  let written = 0;
  let nextSample = t0 + sampleS * 1000;
  // Paced in 20 ms ticks: each tick writes what the rate owes since the start.
  while (Date.now() < end) {
    const owed = Math.floor(((Date.now() - t0) / 1000) * rate) - written;
    for (let n = 0; n < owed; n++, written++) {
      const i = written % pods;
      revs[i] = (await store.update(keys[i], podValue(i, written + 1), revs[i])).modRevision;
    }
    if (Date.now() >= nextSample) {
      sample();
      nextSample += sampleS * 1000;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  sample();
  const secondHalf = samples.filter((x) => x.s >= (minutes * 60) / 2);
  const max = (xs: typeof samples, f: (x: (typeof samples)[number]) => number): number => Math.max(...xs.map(f));
  const summary = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    node: process.version,
    pods,
    rate,
    minutes,
    compactIntervalS: compactS,
    retainRevisions: retain,
    maxUncompactedRevisions: maxUncompacted,
    valueKB: Math.round(valueBytes / 102.4) / 10,
    writes: written,
    achievedRate: Math.round(written / ((Date.now() - t0) / 1000)),
    maxDbMB: Math.round(max(samples, (x) => x.dbMB) * 10) / 10,
    maxWalMB: Math.round(max(samples, (x) => x.walMB) * 10) / 10,
    maxDbPlusWalMB: Math.round(max(samples, (x) => x.dbMB + x.walMB) * 10) / 10,
    secondHalfMaxDbPlusWalMB: secondHalf.length ? Math.round(max(secondHalf, (x) => x.dbMB + x.walMB) * 10) / 10 : null,
    maxLogRows: max(samples, (x) => x.logRows),
    final: samples[samples.length - 1],
  };
  console.log(`\n${written} writes (${summary.achievedRate}/s); state.db at most ${summary.maxDbMB} MB, WAL at most ${summary.maxWalMB} MB, both at most ${summary.maxDbPlusWalMB} MB (second half: ${summary.secondHalfMaxDbPlusWalMB} MB); at most ${summary.maxLogRows} log rows`);
  console.log('RESULT ' + JSON.stringify(summary));
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
