// The API server over HTTPS: a real `k8ts server --runtime simulated` (child process, random
// port, sqlite store, controllers and a simulated node running) gets create, update, patch
// (json, merge, strategic, apply), delete and list requests for several kinds, with bodies of
// random shapes in JSON, YAML and protobuf, hostile query strings and unknown fields.
//
// Asserted on every answer: no 5xx (503/504 only as load shedding; and upstream's bare 500 with
// an empty reason for a strategic merge patch that cannot be merged), every 4xx (any error) is
// a Status whose code matches; after a refused write, the object is as it was before (no
// half-written object: same uid and user-owned fields, or still absent). At the end: the
// server answers, and its RSS grew by less than END_RSS_SLACK_MB over the baseline taken after
// BASELINE_AFTER requests (the server's caches and heaps have grown to their working size).
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { startCluster, type TestCluster } from '../../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds, type HttpResult } from '../../helpers/http.js';
import { encodeK8sProtobufObject } from '../../../src/api/schema/protobuf-encode.js';
import type { FuzzTarget } from '../target.js';
import { KINDS, FIELD_NAMES, type FuzzKind } from '../kinds.js';
import { almost, mutatedBytes, hostileString, jsonText, yamlText, shallow } from '../arbitraries.js';
import { patchDoc } from './patches.js';
import { queryString } from './query.js';

const NS = 'default';
const POOL = 6;
/** Requests before the RSS baseline is taken (the server has warmed up by then). */
const BASELINE_AFTER = 5000;
/** RSS growth allowed between the warmed-up baseline and the end of the run. */
export const END_RSS_SLACK_MB = 150;

type Verb = 'create' | 'update' | 'patch' | 'apply' | 'delete' | 'list';
type Format = 'json' | 'yaml' | 'protobuf';
const CT: Record<Format, string> = { json: 'application/json', yaml: 'application/yaml', protobuf: 'application/vnd.kubernetes.protobuf' };
const PATCH_CT = { json: 'application/json-patch+json', merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', apply: 'application/apply-patch+yaml' } as const;

function serialize(obj: unknown, fmt: Format, fallback: Record<string, unknown>): Buffer {
  if (fmt === 'json') return Buffer.from(jsonText(obj));
  if (fmt === 'yaml') return Buffer.from(yamlText(obj));
  try {
    return encodeK8sProtobufObject(shallow(obj) as Record<string, unknown>) ?? encodeK8sProtobufObject(fallback)!;
  } catch {
    return encodeK8sProtobufObject(fallback)!;
  }
}

export interface EndpointCase {
  k: number;
  verb: Verb;
  name: string;
  fmt: Format;
  /** An exact body (create/update) or a patch document. */
  body: Buffer;
  contentType: string;
  query: string;
  /** update: send the live resourceVersion (else none or a stale one). */
  liveRV: boolean;
}

const isWellFormed = (s: string): boolean => {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
};
const poolName = fc.oneof({ weight: 8, arbitrary: fc.nat(POOL - 1).map((i) => `k8ts-fuzz-${i}`) }, { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0 && s !== '.' && s !== '..' && isWellFormed(s)) });
const goodQuery = fc.constantFrom('', '', '', 'fieldValidation=Strict', 'fieldValidation=Warn', 'fieldValidation=Ignore', 'dryRun=All', 'fieldManager=k8ts-fuzz');

export const endpointCase: fc.Arbitrary<EndpointCase> = fc
  .record({ k: fc.nat(KINDS.length - 1), verb: fc.constantFrom<Verb>('create', 'create', 'update', 'patch', 'patch', 'apply', 'delete', 'list'), name: poolName, fmt: fc.constantFrom<Format>('json', 'json', 'yaml', 'protobuf'), query: fc.oneof({ weight: 3, arbitrary: goodQuery }, { weight: 1, arbitrary: queryString }), liveRV: fc.boolean(), corrupt: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) })
  .chain((c) => {
    const kind = KINDS[c.k];
    const sample = kind.sample(c.name);
    let body: fc.Arbitrary<Buffer>;
    let contentType: fc.Arbitrary<string> = fc.constant(CT[c.fmt]);
    if (c.verb === 'create' || c.verb === 'update') {
      const obj = almost(sample, FIELD_NAMES);
      body = c.corrupt ? mutatedBytes(obj.map((o) => serialize(o, c.fmt, sample))) : obj.map((o) => serialize(o, c.fmt, sample));
    } else if (c.verb === 'patch' || c.verb === 'apply') {
      const type = c.verb === 'apply' ? 'apply' : c.fmt === 'json' ? 'json' : c.fmt === 'yaml' ? 'merge' : 'strategic';
      body = patchDoc(c.k, type, c.name).map((p) => Buffer.from(jsonText(p)));
      contentType = fc.constant(PATCH_CT[type]);
      if (c.corrupt) body = mutatedBytes(body);
    } else if (c.verb === 'delete') {
      body = fc.oneof(fc.constant(Buffer.alloc(0)), fc.record({ kind: fc.constant('DeleteOptions'), apiVersion: fc.constant('v1'), gracePeriodSeconds: fc.oneof(fc.integer(), fc.constant(0)), propagationPolicy: fc.oneof(fc.constantFrom('Orphan', 'Background', 'Foreground'), hostileString), preconditions: fc.record({ uid: hostileString }) }, { requiredKeys: [] }).map((o) => Buffer.from(JSON.stringify(o))));
      contentType = fc.constant(CT.json);
    } else {
      body = fc.constant(Buffer.alloc(0));
    }
    return fc.record({ k: fc.constant(c.k), verb: fc.constant(c.verb), name: fc.constant(c.name), fmt: fc.constant(c.fmt), body, contentType, query: fc.constant(c.query), liveRV: fc.constant(c.liveRV) });
  });

/** The user-owned part of an object: what a refused write must leave alone. */
function fingerprint(o: Record<string, any>): string {
  const spec = o.spec && typeof o.spec === 'object' ? { ...o.spec, nodeName: undefined } : o.spec;
  return JSON.stringify({ uid: o.metadata?.uid, labels: o.metadata?.labels, spec, data: o.data, binaryData: o.binaryData, type: o.type });
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Upstream's bare 500 for a strategic merge patch that cannot be merged (see isUpstreamPatch500). */
function isUpstreamPatch500(r: HttpResult): boolean {
  try {
    const s = JSON.parse(r.body);
    return r.status === 500 && s.kind === 'Status' && (s.reason ?? '') === '';
  } catch {
    return false;
  }
}

function assertAnswer(r: HttpResult, what: string, strategicPatch = false): void {
  const ok = r.status < 500 || r.status === 503 || r.status === 504 || (strategicPatch && isUpstreamPatch500(r));
  assert.ok(ok, `${what}: ${r.status} ${r.body.slice(0, 600)}`);
  if (r.status >= 400) {
    let s: any;
    try {
      s = JSON.parse(r.body);
    } catch {
      assert.fail(`${what}: ${r.status} without a Status body: ${JSON.stringify(r.body.slice(0, 300))}`);
    }
    assert.equal(s.kind, 'Status', `${what}: ${r.status} body is not a Status: ${r.body.slice(0, 300)}`);
    assert.equal(s.code, r.status, `${what}: Status code ${s.code} differs from the HTTP status ${r.status}`);
    assert.equal(typeof s.message, 'string', `${what}: Status without a message`);
  }
}

/** Answers by HTTP status and the server's RSS, for the run's summary. */
export const endpointStats = { codes: new Map<number, number>(), baselineMB: 0, endMB: 0, held: '' };
const codes = endpointStats.codes;

export const endpointTarget: FuzzTarget = {
  name: 'endpoint',
  about: 'a real k8ts server (simulated runtime) over HTTPS: random create/update/patch/apply/delete/list; no 5xx, Status on every 4xx, no half-written objects, alive with flat RSS at the end',
  weight: 8,
  open: async () => {
    // A fixed watch-cache size: the default keeps every event of the last 75 s (upstream's
    // dynamic window), which under a fuzzer's write rate is memory the end-of-run check would
    // take for a leak.
    const c: TestCluster = await startCluster({ extraArgs: ['--runtime', 'simulated', '--default-watch-cache-size', '20'] });
    const creds: Creds = credsFromKubeconfig(c.kubeconfig);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const call = (method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<HttpResult> =>
      api(creds, method, path, body, { Accept: 'application/json', ...headers }, { agent, timeoutMs: 30_000 });
    const item = (kind: FuzzKind, name: string): string => `${kind.collection(NS)}/${encodeURIComponent(name)}`;
    let runs = 0;
    let baseline = 0;
    const pid = c.proc.pid!;
    const one = async (x: EndpointCase): Promise<boolean> => {
      const kind = KINDS[x.k];
      const path = item(kind, x.name);
      const before = x.verb === 'list' ? undefined : await call('GET', path);
      if (before) assertAnswer(before, `GET ${path}`);
      const q = x.query ? `?${x.query}` : '';
      let r: HttpResult;
      switch (x.verb) {
        case 'create':
          r = await call('POST', `${kind.collection(NS)}${q}`, x.body, { 'Content-Type': x.contentType });
          break;
        case 'update': {
          let body = x.body;
          if (x.liveRV && before?.status === 200 && x.fmt === 'json') {
            try {
              const o = JSON.parse(body.toString('utf8'));
              if (o && typeof o === 'object' && o.metadata && typeof o.metadata === 'object') {
                o.metadata.resourceVersion = before.json().metadata.resourceVersion;
                body = Buffer.from(JSON.stringify(o));
              }
            } catch { /* a corrupted body stays as it is */ }
          }
          r = await call('PUT', `${path}${q}`, body, { 'Content-Type': x.contentType });
          break;
        }
        case 'patch':
          r = await call('PATCH', `${path}${q}`, x.body, { 'Content-Type': x.contentType });
          break;
        case 'apply':
          r = await call('PATCH', `${path}?fieldManager=k8ts-fuzz${x.query ? `&${x.query}` : ''}`, x.body, { 'Content-Type': x.contentType });
          break;
        case 'delete':
          r = await call('DELETE', `${path}${q}`, x.body.length ? x.body : undefined, x.body.length ? { 'Content-Type': x.contentType } : {});
          break;
        case 'list': {
          const qs = new URLSearchParams(x.query);
          qs.delete('watch');
          r = await call('GET', `${kind.collection(NS)}?${qs.toString()}`);
          break;
        }
      }
      codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
      assertAnswer(r, `${x.verb} ${kind.kind} ${JSON.stringify(x.name)}`, x.contentType === PATCH_CT.strategic);
      if (before && r.status >= 400 && x.verb !== 'list') {
        const after = await call('GET', path);
        assertAnswer(after, `GET ${path}`);
        const terminating = before.status === 200 && before.json().metadata?.deletionTimestamp;
        if (!terminating) {
          assert.equal(after.status, before.status, `a refused ${x.verb} (${r.status}) changed whether ${path} exists: ${before.status} → ${after.status}`);
          if (after.status === 200) assert.equal(fingerprint(after.json()), fingerprint(before.json()), `a refused ${x.verb} (${r.status} ${r.body.slice(0, 200)}) changed ${path}`);
        }
      }
      if (++runs === BASELINE_AFTER) baseline = rssMB(pid);
      if (process.env.K8TS_FUZZ_RSS_TRACE && runs % 1000 === 0) {
        const m = (await call('GET', '/metrics', undefined, { Accept: 'text/plain' })).body;
        const mb = (name: string): string => (Number(new RegExp(`^${name} (\\S+)`, 'm').exec(m)?.[1] ?? NaN) / 2 ** 20).toFixed(0);
        console.log(`endpoint: ${runs} requests, server RSS ${rssMB(pid).toFixed(0)} MB, heap used ${mb('nodejs_heap_size_used_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB`);
      }
      return true;
    };
    return {
      property: fc.asyncProperty(endpointCase, one),
      finish: async () => {
        const ready = await call('GET', '/readyz');
        assert.equal(ready.status, 200, `the server is not ready after the run: ${ready.body}`);
        const cm = await call('POST', `/api/v1/namespaces/${NS}/configmaps`, Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'k8ts-fuzz-end-' }, data: { ok: '1' } })), { 'Content-Type': 'application/json' });
        assert.equal(cm.status, 201, `a plain create failed after the run: ${cm.body}`);
        // What the server holds, to tell a leak from objects the run made (events, pods...).
        const counts: string[] = [];
        for (const [name, path] of [['events', '/api/v1/events'], ['pods', '/api/v1/pods'], ['replicasets', '/apis/apps/v1/replicasets'], ['jobs', '/apis/batch/v1/jobs']]) {
          const l = await call('GET', `${path}?limit=1`);
          if (l.status === 200) counts.push(`${name} ${(l.json().items?.length ?? 0) + (l.json().metadata?.remainingItemCount ?? 0)}`);
        }
        const metrics = await call('GET', '/metrics', undefined, { Accept: 'text/plain' });
        const heap = /^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics.body);
        if (process.env.K8TS_FUZZ_RSS_TRACE) {
          const per = new Map<string, number>();
          for (const line of metrics.body.split('\n')) if (line && !line.startsWith('#')) { const n = line.split(/[{ ]/)[0]; per.set(n, (per.get(n) ?? 0) + 1); }
          console.log(`endpoint: /metrics ${metrics.body.length} bytes; most series: ${[...per.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        }
        endpointStats.held = `${counts.join(', ')}${heap ? `; heap used ${(Number(heap[1]) / 2 ** 20).toFixed(0)} MB` : ''}`;
        endpointStats.baselineMB = baseline;
        if (baseline) {
          const end = (endpointStats.endMB = rssMB(pid));
          assert.ok(end - baseline < END_RSS_SLACK_MB, `server RSS grew from ${baseline.toFixed(0)} MB to ${end.toFixed(0)} MB over ${runs} requests (${endpointStats.held})`);
        }
      },
      close: async () => {
        agent.destroy();
        await c.stop();
        c.cleanup();
      },
    };
  },
};

/** The endpoint run's answers and RSS, one line. */
export function describeEndpoint(): string {
  const answers = [...codes.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${v}`).join(' ');
  const rss = endpointStats.baselineMB ? `RSS ${endpointStats.baselineMB.toFixed(0)} MB after ${BASELINE_AFTER} requests, ${endpointStats.endMB.toFixed(0)} MB at the end` : `RSS not checked (fewer than ${BASELINE_AFTER} requests)`;
  return `answers ${answers || 'none'}; ${rss}; held: ${endpointStats.held}`;
}
