// Measuring how much a cluster writes and burns while it should be quiet, and checking that
// pod statuses are written only on change:
//
// - `watchObjects` follows a watch (e.g. all pods) and keeps every event;
// - `statusWriteViolations` finds, per pod, consecutive versions that differ in nothing but
//   the resourceVersion/managedFields (a status written again with the same content) and
//   conditions whose lastTransitionTime moved while their status stayed (the status storm);
// - `storageRevision` reads the store's global revision exactly, by writing a ConfigMap;
// - `processTreeCpuSeconds` sums utime+stime of a process and its descendants (/proc).
import { request } from 'node:https';
import { readdirSync, readFileSync } from 'node:fs';
import { api, type Creds } from './http.js';

export interface WatchEvent {
  type: string;
  object: {
    metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
    spec?: unknown;
    status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }>; [k: string]: unknown };
  };
}

export interface ObjectWatch {
  readonly events: WatchEvent[];
  stop(): void;
}

/** Follows `GET path?watch=1&resourceVersion=rv` and keeps its events (until stop()). */
export function watchObjects(creds: Creds, path: string, resourceVersion: string): ObjectWatch {
  const events: WatchEvent[] = [];
  const url = new URL(`${path}${path.includes('?') ? '&' : '?'}watch=1&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`, creds.server);
  let buf = '';
  const req = request(url, { ca: creds.ca, cert: creds.cert, key: creds.key, agent: false }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line) as WatchEvent);
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { events, stop: () => req.destroy() };
}

const strip = (o: WatchEvent['object']): string => {
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
  return JSON.stringify({ meta, spec: o.spec });
};

/** Per object uid, in order: where a status was written twice with the same content, or a transition time moved alone. */
export function statusWriteViolations(events: readonly WatchEvent[]): string[] {
  const last = new Map<string, WatchEvent['object']>();
  const out: string[] = [];
  for (const ev of events) {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
    const o = ev.object;
    const uid = o.metadata.uid ?? '';
    const prev = last.get(uid);
    last.set(uid, o);
    if (!prev || ev.type !== 'MODIFIED') continue;
    const who = `${o.metadata.namespace}/${o.metadata.name} rv ${prev.metadata.resourceVersion}→${o.metadata.resourceVersion}`;
    if (strip(prev) === strip(o) && JSON.stringify(prev.status) === JSON.stringify(o.status)) out.push(`${who}: written again with the same content`);
    for (const c of o.status?.conditions ?? []) {
      const p = prev.status?.conditions?.find((x) => x.type === c.type);
      if (p && p.status === c.status && p.lastTransitionTime !== c.lastTransitionTime) {
        out.push(`${who}: ${c.type} stayed ${c.status} but lastTransitionTime moved ${p.lastTransitionTime}→${c.lastTransitionTime}`);
      }
    }
  }
  return out;
}

/** The store's current revision: the resourceVersion of a ConfigMap write of our own (one write). */
export async function storageRevision(creds: Creds, namespace = 'default'): Promise<number> {
  const name = 'k8ts-test-revision-probe';
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { at: String(Date.now()) } });
  let r = await api(creds, 'PUT', `/api/v1/namespaces/${namespace}/configmaps/${name}`, body);
  if (r.status === 404) r = await api(creds, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, body);
  if (r.status >= 300) throw new Error(`revision probe: ${r.status} ${r.body}`);
  return Number(r.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion);
}

/**
 * CPU seconds (user + system, all threads) used so far by the server `pid` and the processes
 * below it running the same program (event loops split into child processes); containers,
 * conmon and runc are not the server's own work and are left out.
 */
export function processTreeCpuSeconds(pid: number): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid ... utime(14) stime(15).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      /* exited meanwhile */
    }
  }
  let total = 0;
  for (const [p, t] of ticks) {
    if (comm.get(p) !== comm.get(pid)) continue;
    for (let q: number | undefined = p; q !== undefined && q > 1; q = parent.get(q)) {
      if (q === pid) {
        total += t;
        break;
      }
    }
  }
  return total / 100; // USER_HZ: 100 on Linux
}
