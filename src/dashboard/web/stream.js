// The page's side of the one watch stream (../mux.ts): a fetch whose body never ends, read line
// by line into an in-memory copy of the objects the page shows. EventSource cannot send an
// Authorization header, so the stream is a plain fetch; there is no polling anywhere.

/** key of an object in its resource's map */
export const keyOf = (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class ClusterStore {
  constructor() {
    this.objects = new Map(); // resource -> Map<key, object>
    this.denied = new Map(); // resource -> message
    this.synced = new Set();
    this.stats = new Map(); // node -> {cpuCores, memoryBytes, pods} or {error}
    this.user = '';
    this.listeners = new Set();
    this.scheduled = false;
  }
  all(resource) {
    return [...(this.objects.get(resource)?.values() ?? [])];
  }
  apply(f) {
    switch (f.type) {
      case 'HELLO':
        this.user = f.user;
        break;
      case 'SYNC':
        this.objects.set(f.resource, new Map(f.items.map((o) => [keyOf(o), o])));
        this.synced.add(f.resource);
        break;
      case 'ADDED':
      case 'MODIFIED': {
        let m = this.objects.get(f.resource);
        if (!m) this.objects.set(f.resource, (m = new Map()));
        m.set(keyOf(f.object), f.object);
        break;
      }
      case 'DELETED':
        this.objects.get(f.resource)?.delete(keyOf(f.object));
        break;
      case 'STATS':
        this.stats.set(f.node, f.error ? { ...this.stats.get(f.node), error: f.error } : f);
        break;
      case 'DENIED':
        this.denied.set(f.resource, f.message);
        this.synced.add(f.resource);
        break;
      default:
        return;
    }
    this.changed();
  }
  /** Coalesces a burst of frames into one render on the next frame. */
  changed() {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    }, 16);
  }
  reset() {
    this.objects.clear();
    this.denied.clear();
    this.synced.clear();
    this.stats.clear();
    this.changed();
  }
}

/**
 * Opens the stream and feeds `store` until `signal` aborts. Resolves with 'unauthorized' when
 * the token is rejected, else reconnects after a drop (with a short back-off).
 */
export async function follow(token, namespace, store, signal, onState) {
  let backoff = 500;
  while (!signal.aborted) {
    try {
      const q = namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
      const resp = await fetch(`api/stream${q}`, { headers: { Authorization: `Bearer ${token}` }, signal, cache: 'no-store' });
      if (resp.status === 401) return 'unauthorized';
      if (!resp.ok) throw new Error(`stream: ${resp.status} ${(await resp.text()).slice(0, 200)}`);
      onState('live');
      backoff = 500;
      store.reset();
      await readLines(resp.body, (line) => store.apply(JSON.parse(line)));
    } catch (e) {
      if (signal.aborted) return 'stopped';
      onState(`reconnecting: ${e.message}`);
    }
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 10_000);
  }
  return 'stopped';
}

/** Calls onLine for each complete line of a byte stream. */
export async function readLines(body, onLine) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
  }
  if (buf.trim()) onLine(buf);
}
