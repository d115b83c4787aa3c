// The nft layer and incremental sync against a real kernel. The kernel tests need root, nft, ip
// and nsenter; they run in a network namespace of their own (k8tsdev-proxy-<pid>, deleted in
// `after`), so the host's rules are never touched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { KObject } from '../api/types/index.js';
import type { InformerFactory } from '../client/controller-types.js';
import type { EventHandler, SharedInformer } from '../client/informer-types.js';
import { R } from '../client/resources.js';
import type { ResourceRef } from '../client/types.js';
import { renderDeltaRules } from './delta.js';
import { applyNft, parseAffinityListing, readAffinityEntries, runNft } from './nft.js';
import { startServiceProxy } from './proxy.js';
import { compileRules, renderFullRules, servicePortId, type CompiledRules, type ProxyServicePort } from './rules.js';
import { StaticInformer } from '../client/testing/static-informer.js';

test('parseAffinityListing: entries of affinity sets of our table only, junk skipped', () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { set: { family: 'ip', name: 'affinity-A__10.42.0.5/80', table: 't', type: 'ipv4_addr', flags: ['timeout'], timeout: 60,
        elem: [{ elem: { val: '192.0.2.7', expires: 41 } }, { elem: { val: '192.0.2.8', expires: 0 } }, { elem: { val: 'x } drop', expires: 9 } }, '192.0.2.10'] } },
      { set: { family: 'ip', name: 'affinity-B__10.42.0.6/80', table: 'other', elem: [{ elem: { val: '192.0.2.9', expires: 9 } }] } },
      { set: { family: 'ip', name: 'nodeport-ips', table: 't', elem: [{ elem: { val: '192.0.2.1', expires: 9 } }] } },
      { set: { family: 'ip', name: 'affinity-C__10.42.0.7/80', table: 't', type: 'ipv4_addr' } },
    ],
  });
  assert.deepEqual([...parseAffinityListing(json, 't')], [['affinity-A__10.42.0.5/80', [{ ip: '192.0.2.7', expiresSeconds: 41 }]]]);
  assert.equal(parseAffinityListing('not json', 't').size, 0);
});

// ---- kernel (root, in a network namespace of our own) ----

const NS = `k8tsdev-proxy-${process.pid}`;
const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const canKernel = process.getuid?.() === 0 && have('nft', ['--version']) && have('ip', ['-V']) && have('nsenter', ['--version']);
const skip = !canKernel && 'needs root, nft, ip and nsenter';
const servers: ChildProcess[] = [];

function sh(cmd: string, args: string[], allowFailure = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFailure) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const inNs = (cmd: string, ...args: string[]): [string, string[]] => ['nsenter', [`--net=/run/netns/${NS}`, '--', cmd, ...args]];
const nft = (...args: string[]) => sh(...inNs('nft', ...args));

before(() => {
  if (!canKernel) return;
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // Endpoints at .1/.3/.4, the client at .2, all local; the ClusterIPs (10.199.61.0/24) only need
  // a route (out of a veth pair that lives in the namespace too) for the nat output hook to see them.
  sh('ip', ['-n', NS, 'link', 'add', 'k8tsd0', 'type', 'veth', 'peer', 'name', 'k8tsd1']);
  for (const a of ['10.199.60.1', '10.199.60.2', '10.199.60.3', '10.199.60.4']) sh('ip', ['-n', NS, 'addr', 'add', `${a}/24`, 'dev', 'k8tsd0']);
  sh('ip', ['-n', NS, 'link', 'set', 'k8tsd1', 'up']);
  sh('ip', ['-n', NS, 'link', 'set', 'k8tsd0', 'up']);
  sh('ip', ['-n', NS, 'route', 'add', 'default', 'dev', 'k8tsd0']);
});

after(() => {
  for (const s of servers) s.kill('SIGKILL');
  if (canKernel) sh('ip', ['netns', 'delete', NS], true);
});

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connects from 10.199.60.2 inside the namespace; the server answers with the address it was reached at. */
function fetchFromClient(host: string, port: number): string {
  const script = `const s=require('net').connect({host:'${host}',port:${port},localAddress:'10.199.60.2'});let d='';s.setTimeout(2000,()=>s.destroy());s.on('data',c=>d+=c);s.on('close',()=>console.log(d.trim()||'FAIL'));s.on('error',()=>{})`;
  return sh(...inNs(process.execPath, '-e', script)).trim();
}

function affinityElements(table: string, set: string): string {
  return nft('list', 'set', 'ip', table, set);
}

test('kernel: full apply, one endpoint added as a delta, the sticky client keeps its endpoint', { skip }, async () => {
  const TABLE = 'k8tsdev-svc';
  const srv = spawn(...inNs(process.execPath, '-e', `require('net').createServer(s=>s.end(s.localAddress+'\\n')).listen(8080,'0.0.0.0',()=>console.log('up'))`), { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(srv);
  await new Promise<void>((res) => srv.stdout!.once('data', () => res()));

  const service = (name: string, clusterIP: string, affinity: boolean): KObject => ({
    metadata: { namespace: 'default', name, resourceVersion: '1' },
    spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...(affinity ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } } : {}) },
  });
  const slice = (svc: string, ips: string[]): KObject => ({
    metadata: { namespace: 'default', name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } }, addressType: 'IPv4',
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    endpoints: ips.map((ip) => ({ addresses: [ip], nodeName: 'n1', conditions: { ready: true, serving: true, terminating: false } })),
  });
  const services = new StaticInformer([service('web', '10.199.61.10', true), service('other', '10.199.61.11', false)]);
  const slices = new StaticInformer([slice('web', ['10.199.60.1', '10.199.60.3']), slice('other', ['10.199.60.4'])]);
  const informers = (): InformerFactory => ({
    informerFor: <T extends KObject>(r: ResourceRef) =>
      (r === R.services ? services : r === R.endpointslices ? slices : new StaticInformer([])) as unknown as SharedInformer<T>,
  });
  const webId = servicePortId({ namespace: 'default', name: 'web', protocol: 'tcp', portName: 'http', port: 80 });
  const otherId = servicePortId({ namespace: 'default', name: 'other', protocol: 'tcp', portName: 'http', port: 80 });
  const setOf = (ip: string) => `affinity-${webId}__${ip}/8080`;
  const sent: string[] = [];
  const logs: string[] = [];
  let crashed = false;
  const ac = new AbortController();
  const proxy = startServiceProxy({
    informers: informers(), nodeName: 'n1', nodeIPs: [], clusterCIDR: '10.199.60.0/24', signal: ac.signal, tableName: TABLE,
    routeLocalnetInterfaces: [], log: (l) => logs.push(l), netns: NS,
    // Records what is sent; after the simulated crash below, this instance no longer reaches the kernel.
    apply: async (r) => {
      if (crashed) return;
      sent.push(r);
      await applyNft(r, NS);
    },
  });
  const ac2 = new AbortController();
  try {
    await proxy.ready;
    assert.deepEqual([...logs], []);
    assert.equal(proxy.lastSync()?.kind, 'full');
    assert.match(sent[0], /^table ip k8tsdev-svc\ndelete table ip k8tsdev-svc\n/);

    // The client sticks to one endpoint, and that endpoint's affinity set records it.
    const first = fetchFromClient('10.199.61.10', 80);
    assert.match(first, /^10\.199\.60\.[13]$/);
    for (let i = 0; i < 4; i++) assert.equal(fetchFromClient('10.199.61.10', 80), first, 'sticky');
    assert.match(affinityElements(TABLE, setOf(first)), /elements = \{ 10\.199\.60\.2 expires/);
    assert.equal(fetchFromClient('10.199.61.11', 80), '10.199.60.4', 'the other service works');

    // One endpoint added: a delta that touches web only and leaves the affinity sets alone.
    slices.set([slice('web', ['10.199.60.1', '10.199.60.3', '10.199.60.4']), slice('other', ['10.199.60.4'])]);
    await until('delta applied', () => proxy.lastApplied().includes('numgen random mod 3'));
    const delta = sent.at(-1)!;
    assert.equal(sent.length, 2);
    assert.equal(proxy.lastSync()?.kind, 'delta');
    assert.doesNotMatch(delta, /table ip|delete set/, delta);
    assert.deepEqual(delta.match(/add set \S+ \S+ \S+/g), [`add set ip ${TABLE} ${setOf('10.199.60.4')}`], 'only the new endpoint gets a set');
    assert.doesNotMatch(delta, new RegExp(otherId), 'the other service is not touched');
    assert.ok(delta.includes(`add chain ip ${TABLE} endpoint-${webId}__10.199.60.4/8080\n`), delta);
    assert.ok(delta.includes(`flush chain ip ${TABLE} svc-${webId}\n`), delta);
    assert.ok(delta.length < 2000, `${delta.length} bytes`);
    assert.match(affinityElements(TABLE, setOf(first)), /elements = \{ 10\.199\.60\.2 expires/, 'affinity entry survived the delta');
    for (let i = 0; i < 5; i++) assert.equal(fetchFromClient('10.199.61.10', 80), first, 'still sticky with 3 endpoints');
    assert.match(nft('list', 'chain', 'ip', TABLE, `svc-${webId}`), /numgen random mod 3/);

    // Restart: a new proxy (the old one "crashed", leaving its table) rebuilds the table in full,
    // carrying the live affinity entries over.
    crashed = true;
    const proxy2 = startServiceProxy({
      informers: informers(), nodeName: 'n1', nodeIPs: [], clusterCIDR: '10.199.60.0/24', signal: ac2.signal, tableName: TABLE,
      routeLocalnetInterfaces: [], log: (l) => logs.push(l), netns: NS,
    });
    await proxy2.ready;
    assert.deepEqual([...logs], []);
    assert.equal(proxy2.lastSync()?.kind, 'full');
    assert.match(affinityElements(TABLE, setOf(first)), /elements = \{ 10\.199\.60\.2 expires/, 'affinity entry survived the restart');
    assert.equal(fetchFromClient('10.199.61.10', 80), first, 'still sticky after the restart');
    await proxy2.stop();
    assert.notEqual(spawnSync(...inNs('nft', 'list', 'table', 'ip', TABLE)).status, 0, 'table removed on stop');
  } finally {
    ac.abort();
    ac2.abort();
    await proxy.stop();
    sh(...inNs('nft', 'delete', 'table', 'ip', TABLE), true);
  }
});

test('kernel: a failed apply makes the next sync a full rebuild', { skip }, async () => {
  const TABLE = 'k8tsdev-fail';
  const services = new StaticInformer([
    { metadata: { namespace: 'default', name: 'web', resourceVersion: '1' }, spec: { clusterIP: '10.199.61.20', ports: [{ name: 'http', port: 80 }] } },
  ]);
  const informers: InformerFactory = {
    informerFor: <T extends KObject>(r: ResourceRef) => (r === R.services ? services : new StaticInformer([])) as unknown as SharedInformer<T>,
  };
  const ac = new AbortController();
  const proxy = startServiceProxy({
    informers, nodeName: 'n1', nodeIPs: [], clusterCIDR: '10.199.60.0/24', signal: ac.signal, tableName: TABLE, routeLocalnetInterfaces: [],
    log: () => undefined, netns: NS, minSyncIntervalMs: 60_000, // only the syncs this test asks for
  });
  try {
    await proxy.ready;
    assert.equal(proxy.lastSync()?.kind, 'full');
    nft('delete', 'table', 'ip', TABLE); // someone removes our table: the next delta cannot apply
    services.set([{ metadata: { namespace: 'default', name: 'web', resourceVersion: '2' }, spec: { clusterIP: '10.199.61.21', ports: [{ name: 'http', port: 80 }] } }]);
    await assert.rejects(proxy.syncOnce(), /exited 1/);
    await proxy.syncOnce();
    assert.equal(proxy.lastSync()?.kind, 'full');
    assert.match(nft('list', 'map', 'ip', TABLE, 'no-endpoint-services'), /10\.199\.61\.21 \. tcp \. 80 : goto reject-chain/);
  } finally {
    ac.abort();
    await proxy.stop();
  }
});

// ---- deltas equal full rebuilds, for random changes ----

/** The table as nft reports it, without handles, names of the table, or dynamic set contents. */
async function snapshot(table: string): Promise<unknown> {
  const doc = JSON.parse(await runNft(['-j', 'list', 'table', 'ip', table], undefined, NS)) as { nftables: Record<string, Record<string, unknown>>[] };
  const chains: Record<string, { def: unknown; rules: unknown[] }> = {};
  const sets: Record<string, unknown> = {};
  const strip = (o: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !['handle', 'table', 'family', ...keys].includes(k)));
  for (const item of doc.nftables) {
    const [kind, body] = Object.entries(item)[0];
    if (kind === 'chain') chains[body.name as string] = { def: strip(body), rules: [] };
    else if (kind === 'rule') chains[body.chain as string].rules.push(body.expr);
    else if (kind === 'set') sets[`set ${body.name}`] = strip(body, 'elem');
    else if (kind === 'map') sets[`map ${body.name}`] = { ...strip(body, 'elem'), elem: ((body.elem as unknown[]) ?? []).map((e) => JSON.stringify(e)).sort() };
  }
  const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { chains: sorted(chains), sets: sorted(sets) };
}

function randomServices(rnd: (n: number) => number): ProxyServicePort[] {
  const out: ProxyServicePort[] = [];
  for (let i = 0; i < 6; i++) {
    if (rnd(4) === 0) continue; // service absent in this state
    out.push({
      namespace: 'default', name: `s${i}`, portName: 'http', protocol: i % 3 === 2 ? 'udp' : 'tcp', port: 80,
      clusterIP: `10.199.62.${i + 1 + 10 * rnd(2)}`,
      nodePort: rnd(2) ? 30000 + i : undefined,
      externalIPs: rnd(3) === 0 ? ['192.0.2.50'] : [], // sometimes shared between services
      externalTrafficLocal: rnd(3) === 0,
      internalTrafficLocal: rnd(4) === 0,
      affinityTimeoutSeconds: rnd(3) === 0 ? [60, 600][rnd(2)] : undefined,
      endpoints: Array.from({ length: rnd(4) }, (_, j) => ({
        ip: `10.199.63.${j + 1 + rnd(3)}`, port: 8080, local: rnd(2) === 0, ready: rnd(4) > 0, serving: true, terminating: rnd(3) === 0,
      })),
    });
  }
  return out;
}

test('kernel: random changes applied as deltas leave the same table as a full rebuild', { skip }, async () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const state = (tableName: string, services: ProxyServicePort[]) => ({ tableName, clusterCIDR: '10.199.60.0/24', nodeIPs: [], services });
  let prev: CompiledRules = compileRules(state('k8tsdev-delta', randomServices(rnd)));
  await applyNft(renderFullRules(prev), NS);
  try {
    for (let step = 0; step < 25; step++) {
      const services = randomServices(rnd);
      const next = compileRules(state('k8tsdev-delta', services), prev);
      const delta = renderDeltaRules(prev, next);
      assert.ok(delta);
      await applyNft(delta.text, NS).catch((e: Error) => assert.fail(`step ${step}: ${e.message}\n${delta.text}`));
      await applyNft(renderFullRules(compileRules(state('k8tsdev-full', services))), NS);
      assert.deepEqual(await snapshot('k8tsdev-delta'), await snapshot('k8tsdev-full'), `step ${step}:\n${delta.text}`);
      prev = next;
    }
    assert.equal((await readAffinityEntries('k8tsdev-nosuch', NS)).size, 0, 'missing table: no entries, no error');
  } finally {
    for (const t of ['k8tsdev-delta', 'k8tsdev-full']) sh(...inNs('nft', 'delete', 'table', 'ip', t), true);
  }
});
