// The dashboard page: preact components written with htm tagged templates (no JSX step).
// Everything it shows comes from the one watch stream (stream.js) or from API calls made
// with the user's token: pods/log?follow=true for logs, /dashboard/api/why for diagnoses.
import { h, render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { ClusterStore, follow, readLines } from './stream.js';
import { age, formatBytes, parseQuantity, podPhase, podReady, rollout, rolloutSettled, sortedEvents, topology } from './model.js';

const html = htm.bind(h);
const TOKEN_KEY = 'k8ts-dashboard-token';
const TABS = ['overview', 'topology', 'events', 'logs', 'why', 'nodes'];

function Login({ error, onToken }) {
  const [text, setText] = useState('');
  const submit = (e) => {
    e.preventDefault();
    if (text.trim()) onToken(text.trim());
  };
  return html`<main class="login">
    <form id="login" onSubmit=${submit}>
      <h1>k8ts dashboard</h1>
      <p>Paste a bearer token. <code>k8ts dashboard --token</code> prints one for a service account;
        or <code>kubectl create token NAME -n NAMESPACE</code>.</p>
      <textarea id="token" rows="5" autocomplete="off" spellcheck="false" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
      ${error && html`<p class="error" id="login-error">${error}</p>`}
      <button type="submit" id="login-submit">Sign in</button>
    </form>
  </main>`;
}

function useStore(store) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    store.listeners.add(l);
    return () => store.listeners.delete(l);
  }, [store]);
}

function Denied({ store, resources }) {
  const msgs = resources.filter((r) => store.denied.has(r)).map((r) => html`<li>${r}: ${store.denied.get(r)}</li>`);
  return msgs.length ? html`<ul class="denied">${msgs}</ul>` : null;
}

function Overview({ store, ns, onWhy }) {
  const inNs = (o) => ns === '' || o.metadata.namespace === ns;
  const kinds = [
    ['deployments', 'Deployment'],
    ['statefulsets', 'StatefulSet'],
    ['daemonsets', 'DaemonSet'],
    ['replicasets', 'ReplicaSet'],
  ];
  const rows = [];
  for (const [res, kind] of kinds) {
    for (const o of store.all(res).filter(inNs).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
      if (kind === 'ReplicaSet' && (o.spec?.replicas ?? 0) === 0 && (o.status?.replicas ?? 0) === 0) continue;
      const r = rollout(kind, o);
      const id = `${kind.toLowerCase()}/${o.metadata.namespace}/${o.metadata.name}`;
      rows.push(html`<tr data-workload=${id} class=${rolloutSettled(r) ? 'ok' : 'progress'}>
        <td>${kind}</td><td>${o.metadata.namespace}</td><td>${o.metadata.name}</td>
        <td class="desired">${r.desired}</td><td class="updated">${r.updated}</td><td class="ready">${r.ready}</td><td class="available">${r.available}</td>
        <td>${rolloutSettled(r) ? 'settled' : 'rolling'}</td>
        <td><button class="link" onClick=${() => onWhy(kind.toLowerCase(), o.metadata.name, o.metadata.namespace)}>why</button></td>
      </tr>`);
    }
  }
  const namespaces = store.all('namespaces');
  return html`<section id="overview">
    <h2>Namespaces</h2>
    <${Denied} store=${store} resources=${['namespaces']} />
    <ul class="namespaces">${namespaces.map((n) => html`<li data-namespace=${n.metadata.name}>${n.metadata.name} <small>${n.status?.phase ?? ''}</small></li>`)}</ul>
    <h2>Workloads</h2>
    <${Denied} store=${store} resources=${['deployments', 'statefulsets', 'daemonsets', 'replicasets']} />
    <table class="workloads">
      <thead><tr><th>kind</th><th>namespace</th><th>name</th><th>desired</th><th>updated</th><th>ready</th><th>available</th><th>rollout</th><th></th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
  </section>`;
}

const COL_X = { ingress: 20, service: 230, pod: 440, node: 700 };
const BOX = { w: 190, h: 34, gap: 12 };

function Topology({ store, ns, onPod, onWhy }) {
  const t = topology(ns, { ingresses: store.all('ingresses'), services: store.all('services'), pods: store.all('pods'), endpointslices: store.all('endpointslices') });
  const pos = new Map();
  let rowsMax = 0;
  for (const [col, list] of Object.entries(t.cols)) {
    list.forEach((n, i) => pos.set(n.id, { x: COL_X[col], y: 40 + i * (BOX.h + BOX.gap), n }));
    rowsMax = Math.max(rowsMax, list.length);
  }
  const height = 60 + rowsMax * (BOX.h + BOX.gap);
  const click = (n) => (n.kind === 'pod' ? onPod(n.ns, n.name) : n.kind !== 'node' ? onWhy(n.kind, n.name, n.ns) : onWhy('node', n.name, ''));
  return html`<section id="topology">
    <${Denied} store=${store} resources=${['ingresses', 'services', 'pods', 'endpointslices']} />
    <svg width="920" height=${height} viewBox=${`0 0 920 ${height}`} role="img" aria-label="Ingress to Service to Pods to Node">
      ${Object.keys(COL_X).map((c) => html`<text class="col" x=${COL_X[c]} y="20">${c === 'pod' ? 'pods' : c === 'node' ? 'nodes' : c === 'service' ? 'services' : 'ingresses'}</text>`)}
      ${t.edges.map(([a, b]) => {
        const p = pos.get(a);
        const q = pos.get(b);
        return html`<line class="edge" data-from=${a} data-to=${b} x1=${p.x + BOX.w} y1=${p.y + BOX.h / 2} x2=${q.x} y2=${q.y + BOX.h / 2} />`;
      })}
      ${[...pos.values()].map(
        ({ x, y, n }) => html`<g class=${`node ${n.kind} ${n.ok ? 'ok' : 'bad'}`} data-kind=${n.kind} data-id=${n.id} data-name=${n.name} transform=${`translate(${x},${y})`} onClick=${() => click(n)}>
          <rect width=${BOX.w} height=${BOX.h} rx="6" />
          <text x="8" y="14">${n.name.length > 26 ? `${n.name.slice(0, 25)}…` : n.name}</text>
          <text class="sub" x="8" y="28">${n.kind === 'pod' ? `${n.phase}${n.serving ? ' · serving' : ''}` : n.missing ? 'missing' : n.kind}</text>
        </g>`,
      )}
    </svg>
    <p class="hint">Click a pod for its logs, anything else for why.</p>
  </section>`;
}

function Events({ store, ns }) {
  const list = sortedEvents(store.all('events'), ns);
  return html`<section id="events">
    <${Denied} store=${store} resources=${['events']} />
    <table class="events">
      <thead><tr><th>age</th><th>type</th><th>reason</th><th>object</th><th>message</th></tr></thead>
      <tbody>${list.map((e) => html`<tr class=${e.type === 'Warning' ? 'warning' : ''}>
        <td>${age(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp)}</td><td>${e.type}</td><td>${e.reason}</td>
        <td>${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name}</td><td>${e.message}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

function Logs({ store, token, target, setTarget }) {
  const [lines, setLines] = useState([]);
  const [err, setErr] = useState('');
  const pre = useRef(null);
  const pod = target && store.objects.get('pods')?.get(`${target.ns}/${target.name}`);
  const containers = (pod?.spec?.containers ?? []).map((c) => c.name);
  const container = target?.container ?? containers[0];
  useEffect(() => {
    if (!target || !container) return undefined;
    const ac = new AbortController();
    setLines([]);
    setErr('');
    const url = `/api/v1/namespaces/${encodeURIComponent(target.ns)}/pods/${encodeURIComponent(target.name)}/log?follow=true&tailLines=200&container=${encodeURIComponent(container)}`;
    (async () => {
      try {
        const resp = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: ac.signal });
        if (!resp.ok) {
          const s = await resp.json().catch(() => ({}));
          return setErr(s.message ?? `HTTP ${resp.status}`);
        }
        let pending = [];
        let t;
        await readLines(resp.body, (l) => {
          pending.push(l);
          t ??= setTimeout(() => {
            const add = pending;
            pending = [];
            t = undefined;
            setLines((old) => old.concat(add).slice(-1000));
          }, 50);
        });
      } catch (e) {
        if (!ac.signal.aborted) setErr(e.message);
      }
    })();
    return () => ac.abort();
  }, [target?.ns, target?.name, container, token]);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [lines]);
  const pods = store.all('pods');
  return html`<section id="logs">
    <label>pod <select id="log-pod" value=${target ? `${target.ns}/${target.name}` : ''} onChange=${(e) => {
      const [n, p] = e.target.value.split('/');
      setTarget(p ? { ns: n, name: p } : undefined);
    }}>
      <option value="">choose a pod</option>
      ${pods.map((p) => html`<option value=${`${p.metadata.namespace}/${p.metadata.name}`}>${p.metadata.namespace}/${p.metadata.name}</option>`)}
    </select></label>
    ${containers.length > 1 && html`<label> container <select value=${container} onChange=${(e) => setTarget({ ...target, container: e.target.value })}>${containers.map((c) => html`<option>${c}</option>`)}</select></label>`}
    ${err && html`<p class="error">${err}</p>`}
    <pre id="log-lines" ref=${pre}>${lines.join('\n')}</pre>
  </section>`;
}

const WHY_KINDS = ['deployment', 'replicaset', 'statefulset', 'daemonset', 'job', 'pod', 'service', 'ingress', 'persistentvolumeclaim', 'node'];

function Why({ token, ask, ns }) {
  const [form, setForm] = useState({ kind: 'deployment', name: '', namespace: ns || 'default' });
  const [answer, setAnswer] = useState(undefined);
  const run = async (q) => {
    setAnswer({ pending: true });
    const p = new URLSearchParams({ kind: q.kind, name: q.name, namespace: q.namespace || 'default' });
    try {
      const resp = await fetch(`api/why?${p}`, { headers: { Authorization: `Bearer ${token}` } });
      const body = await resp.json();
      setAnswer(resp.ok ? body : { error: body.message ?? `HTTP ${resp.status}` });
    } catch (e) {
      setAnswer({ error: e.message });
    }
  };
  useEffect(() => {
    if (ask) {
      setForm({ kind: ask.kind, name: ask.name, namespace: ask.namespace || 'default' });
      run(ask);
    }
  }, [ask]);
  return html`<section id="why">
    <form onSubmit=${(e) => (e.preventDefault(), run(form))}>
      <select value=${form.kind} onChange=${(e) => setForm({ ...form, kind: e.target.value })}>${WHY_KINDS.map((k) => html`<option>${k}</option>`)}</select>
      <input placeholder="name" value=${form.name} onInput=${(e) => setForm({ ...form, name: e.target.value })} />
      <input placeholder="namespace" value=${form.namespace} onInput=${(e) => setForm({ ...form, namespace: e.target.value })} />
      <button type="submit">why</button>
    </form>
    ${answer?.pending && html`<p>asking…</p>`}
    ${answer?.error && html`<p class="error" id="why-error">${answer.error}</p>`}
    ${answer?.cause && html`<div id="why-answer" class=${answer.healthy ? 'ok' : 'bad'}>
      <p class="cause">${answer.cause}</p>
      ${answer.chain?.length > 0 && html`<p class="chain">chain: ${answer.chain.join(' → ')}</p>`}
      <ul>${(answer.evidence ?? []).map((e) => html`<li>${e}</li>`)}</ul>
    </div>`}
  </section>`;
}

function Nodes({ store }) {
  const pods = store.all('pods');
  return html`<section id="nodes">
    <${Denied} store=${store} resources=${['nodes', 'nodes/proxy']} />
    <table class="nodes">
      <thead><tr><th>node</th><th>ready</th><th>pods</th><th>CPU used</th><th>memory used</th><th>CPU requested / allocatable</th><th>memory requested / allocatable</th><th>kubelet</th></tr></thead>
      <tbody>${store.all('nodes').map((n) => {
        const mine = pods.filter((p) => p.spec?.nodeName === n.metadata.name && !['Succeeded', 'Failed'].includes(p.status?.phase));
        let cpu = 0;
        let mem = 0;
        for (const p of mine) for (const c of p.spec?.containers ?? []) {
          cpu += parseQuantity(c.resources?.requests?.cpu) ?? 0;
          mem += parseQuantity(c.resources?.requests?.memory) ?? 0;
        }
        const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status === 'True';
        // From the kubelet's /metrics/resource (the pods' cgroups), over the stream every 10 s.
        const st = store.stats.get(n.metadata.name);
        const alloc = parseQuantity(n.status?.allocatable?.cpu);
        return html`<tr data-node=${n.metadata.name} class=${ready ? 'ok' : 'bad'}>
          <td>${n.metadata.name}</td><td>${ready ? 'Ready' : 'NotReady'}</td><td>${mine.length}</td>
          <td class="cpu-used" title=${st?.error ?? ''}>${st?.cpuCores !== undefined ? `${st.cpuCores.toFixed(3)} cores${alloc ? ` (${((100 * st.cpuCores) / alloc).toFixed(1)}%)` : ''}` : st?.error ? 'no stats' : '…'}</td>
          <td class="memory-used" title=${st?.error ?? ''}>${st?.memoryBytes !== undefined ? formatBytes(st.memoryBytes) : st?.error ? 'no stats' : '…'}</td>
          <td>${cpu.toFixed(2)} / ${parseQuantity(n.status?.allocatable?.cpu)?.toFixed(2) ?? '—'} cores</td>
          <td>${formatBytes(mem)} / ${formatBytes(parseQuantity(n.status?.allocatable?.memory))}</td>
          <td>${n.status?.nodeInfo?.kubeletVersion ?? ''}</td></tr>`;
      })}</tbody>
    </table>
  </section>`;
}

function Dashboard({ token, onLogout }) {
  const store = useMemo(() => new ClusterStore(), [token]);
  useStore(store);
  const [tab, setTab] = useState(() => (TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'overview'));
  const [ns, setNs] = useState('');
  const [streamNs, setStreamNs] = useState('');
  const [state, setState] = useState('connecting');
  const [logTarget, setLogTarget] = useState(undefined);
  const [whyAsk, setWhyAsk] = useState(undefined);
  useEffect(() => {
    const ac = new AbortController();
    follow(token, streamNs, store, ac.signal, setState).then((r) => r === 'unauthorized' && onLogout('the server rejected the token'));
    return () => ac.abort();
  }, [token, streamNs]);
  const go = (t) => {
    setTab(t);
    history.replaceState(null, '', `#${t}`);
  };
  const onPod = (n, p) => (setLogTarget({ ns: n, name: p }), go('logs'));
  const onWhy = (kind, name, namespace) => (setWhyAsk({ kind, name, namespace }), go('why'));
  const namespaces = store.all('namespaces').map((n) => n.metadata.name).sort();
  const nsDenied = store.denied.has('namespaces') || store.denied.has('pods');
  return html`<div class="app">
    <header>
      <strong>k8ts</strong>
      <nav>${TABS.map((t) => html`<button data-tab=${t} class=${t === tab ? 'active' : ''} onClick=${() => go(t)}>${t}</button>`)}</nav>
      <span class="ns">namespace
        ${nsDenied
          ? html`<input id="ns-input" placeholder="namespace" value=${streamNs} onChange=${(e) => (setStreamNs(e.target.value.trim()), setNs(e.target.value.trim()))} />`
          : html`<select id="ns" value=${ns} onChange=${(e) => setNs(e.target.value)}><option value="">all</option>${namespaces.map((n) => html`<option>${n}</option>`)}</select>`}
      </span>
      <span id="state" class=${state === 'live' ? 'live' : 'stale'}>${state}</span>
      <span id="user">${store.user}</span>
      <button id="logout" onClick=${() => onLogout('')}>sign out</button>
    </header>
    ${tab === 'overview' && html`<${Overview} store=${store} ns=${ns} onWhy=${onWhy} />`}
    ${tab === 'topology' && html`<${Topology} store=${store} ns=${ns} onPod=${onPod} onWhy=${onWhy} />`}
    ${tab === 'events' && html`<${Events} store=${store} ns=${ns} />`}
    ${tab === 'logs' && html`<${Logs} store=${store} token=${token} target=${logTarget} setTarget=${setLogTarget} />`}
    ${tab === 'why' && html`<${Why} token=${token} ask=${whyAsk} ns=${ns} />`}
    ${tab === 'nodes' && html`<${Nodes} store=${store} />`}
  </div>`;
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [error, setError] = useState('');
  const login = (t) => {
    sessionStorage.setItem(TOKEN_KEY, t);
    setError('');
    setToken(t);
  };
  const logout = (why) => {
    sessionStorage.removeItem(TOKEN_KEY);
    setError(why);
    setToken('');
  };
  return token ? html`<${Dashboard} token=${token} onLogout=${logout} />` : html`<${Login} error=${error} onToken=${login} />`;
}

render(html`<${App} />`, document.getElementById('root'));
