// renderDeltaRules: what an incremental sync sends to nft when a service or an endpoint is
// added, changed or removed. Pure, no root needed (the kernel side is in nft.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDeltaRules, type Delta } from './delta.js';
import { compileRules, servicePortId, type CompiledRules, type ProxyEndpoint, type ProxyServicePort } from './rules.js';

const T = 'ip k8tst-svc';

function ep(ip: string, o: Partial<ProxyEndpoint> = {}): ProxyEndpoint {
  return { ip, port: 8080, local: true, ready: true, serving: true, terminating: false, ...o };
}
function svc(name: string, o: Partial<ProxyServicePort> = {}): ProxyServicePort {
  return {
    namespace: 'default', name, portName: 'http', protocol: 'tcp', port: 80, clusterIP: '10.43.0.10',
    externalIPs: [], externalTrafficLocal: false, internalTrafficLocal: false, endpoints: [ep('10.42.0.5')], ...o,
  };
}
function compile(services: ProxyServicePort[], previous?: CompiledRules): CompiledRules {
  return compileRules({ tableName: 'k8tst-svc', clusterCIDR: '10.42.0.0/16', nodeIPs: [], services }, previous);
}
/** Compiles `before`, then `after` reusing it (as the proxy does), and returns the delta. */
function delta(before: ProxyServicePort[], after: ProxyServicePort[]): Delta {
  const prev = compile(before);
  const d = renderDeltaRules(prev, compile(after, prev));
  assert.ok(d, 'a delta, not a full rebuild');
  return d;
}
function lines(d: Delta): string[] {
  return d.text.split('\n').filter(Boolean);
}
/** Index of the first line starting with `prefix` (fails when there is none). */
function at(d: Delta, prefix: string): number {
  const i = lines(d).findIndex((l) => l.startsWith(prefix));
  assert.ok(i >= 0, `no line starting with ${JSON.stringify(prefix)} in:\n${d.text}`);
  return i;
}

const web = svc('web');
const webId = servicePortId(web);
const db = svc('db', { clusterIP: '10.43.0.20', port: 5432, portName: '', endpoints: [ep('10.42.0.9', { port: 5432 })] });
const dbId = servicePortId(db);

test('nothing changed: empty delta, and unchanged ports keep their compiled object', () => {
  const prev = compile([web, db]);
  const next = compile([svc('web'), svc('db', { clusterIP: '10.43.0.20', port: 5432, portName: '', endpoints: [ep('10.42.0.9', { port: 5432 })] })], prev);
  assert.equal(next.ports.get(webId), prev.ports.get(webId));
  assert.equal(next.ports.get(dbId), prev.ports.get(dbId));
  assert.equal(renderDeltaRules(prev, next)?.text, '');
});

test('a changed cluster CIDR or table name is not reused; a new table name needs a full rebuild', () => {
  const prev = compile([web]);
  const other = compileRules({ tableName: 'k8tst-svc', clusterCIDR: '10.44.0.0/16', nodeIPs: [], services: [web] }, prev);
  assert.notEqual(other.ports.get(webId), prev.ports.get(webId));
  assert.match(renderDeltaRules(prev, other)!.text, /^flush chain ip k8tst-svc clusterip-.*\nadd rule ip k8tst-svc clusterip-\S+ ip saddr != 10\.44\.0\.0\/16 /);
  const renamed = compileRules({ tableName: 'k8tst-other', clusterCIDR: '10.42.0.0/16', nodeIPs: [], services: [web] }, prev);
  assert.equal(renderDeltaRules(prev, renamed), undefined);
});

test('service added: its chains and map element, nothing else', () => {
  const d = delta([web], [web, db]);
  assert.deepEqual(lines(d), [
    `add chain ${T} clusterip-${dbId}`,
    `add chain ${T} endpoint-${dbId}__10.42.0.9/5432`,
    `add chain ${T} svc-${dbId}`,
    `add rule ${T} clusterip-${dbId} ip saddr != 10.42.0.0/16 ct mark set ct mark | 0x00004000`,
    `add rule ${T} clusterip-${dbId} goto svc-${dbId}`,
    `add rule ${T} endpoint-${dbId}__10.42.0.9/5432 ip saddr 10.42.0.9 ct mark set ct mark | 0x00004000`,
    `add rule ${T} endpoint-${dbId}__10.42.0.9/5432 meta l4proto tcp dnat to 10.42.0.9:5432`,
    `add rule ${T} svc-${dbId} goto endpoint-${dbId}__10.42.0.9/5432`,
    `add element ${T} service-ips { 10.43.0.20 . tcp . 5432 : goto clusterip-${dbId} }`,
  ]);
  assert.doesNotMatch(d.text, new RegExp(webId));
  assert.doesNotMatch(d.text, /table|flush|delete/);
  assert.deepEqual(d.counts, { chainsAdded: 3, chainsRewritten: 0, chainsDeleted: 0, setsAdded: 0, setsDeleted: 0, elementsAdded: 1, elementsDeleted: 0 });
});

test('service removed: element deleted first, chains flushed, then deleted last', () => {
  const d = delta([web, db], [web]);
  assert.deepEqual(lines(d), [
    `delete element ${T} service-ips { 10.43.0.20 . tcp . 5432 }`,
    `flush chain ${T} clusterip-${dbId}`,
    `flush chain ${T} endpoint-${dbId}__10.42.0.9/5432`,
    `flush chain ${T} svc-${dbId}`,
    `delete chain ${T} clusterip-${dbId}`,
    `delete chain ${T} endpoint-${dbId}__10.42.0.9/5432`,
    `delete chain ${T} svc-${dbId}`,
  ]);
  assert.doesNotMatch(d.text, new RegExp(webId));
});

test('endpoint added: new endpoint chain, the service chain refilled, other chains untouched', () => {
  const d = delta([web, db], [svc('web', { endpoints: [ep('10.42.0.5'), ep('10.42.0.6')] }), db]);
  assert.deepEqual(lines(d), [
    `flush chain ${T} svc-${webId}`,
    `add chain ${T} endpoint-${webId}__10.42.0.6/8080`,
    `add rule ${T} endpoint-${webId}__10.42.0.6/8080 ip saddr 10.42.0.6 ct mark set ct mark | 0x00004000`,
    `add rule ${T} endpoint-${webId}__10.42.0.6/8080 meta l4proto tcp dnat to 10.42.0.6:8080`,
    `add rule ${T} svc-${webId} numgen random mod 2 vmap { 0 : goto endpoint-${webId}__10.42.0.5/8080, 1 : goto endpoint-${webId}__10.42.0.6/8080 }`,
  ]);
});

test('endpoint removed: service chain refilled before the endpoint chain is deleted', () => {
  const d = delta([svc('web', { endpoints: [ep('10.42.0.5'), ep('10.42.0.6')] })], [web]);
  assert.deepEqual(lines(d), [
    `flush chain ${T} svc-${webId}`,
    `flush chain ${T} endpoint-${webId}__10.42.0.6/8080`,
    `add rule ${T} svc-${webId} goto endpoint-${webId}__10.42.0.5/8080`,
    `delete chain ${T} endpoint-${webId}__10.42.0.6/8080`,
  ]);
});

test('session affinity: sets of unchanged endpoints are never touched, a removed endpoint’s set goes', () => {
  const aff = (ips: string[]) => svc('web', { affinityTimeoutSeconds: 600, endpoints: ips.map((ip) => ep(ip)) });
  const set = (ip: string) => `affinity-${webId}__${ip}/8080`;
  const added = delta([aff(['10.42.0.5', '10.42.0.6'])], [aff(['10.42.0.5', '10.42.0.6', '10.42.0.7'])]);
  assert.ok(lines(added).includes(`add set ${T} ${set('10.42.0.7')} { type ipv4_addr; flags dynamic,timeout; timeout 600s; }`));
  assert.ok(lines(added).includes(`add rule ${T} svc-${webId} ip saddr @${set('10.42.0.5')} goto endpoint-${webId}__10.42.0.5/8080`));
  for (const kept of ['10.42.0.5', '10.42.0.6']) {
    assert.ok(!added.text.includes(`set ${T} ${set(kept)}`), `${kept}: set neither deleted nor re-added`);
    assert.ok(!added.text.includes(`chain ${T} endpoint-${webId}__${kept}/8080`), `${kept}: endpoint chain untouched`);
  }

  const removed = delta([aff(['10.42.0.5', '10.42.0.6'])], [aff(['10.42.0.5'])]);
  assert.ok(at(removed, `flush chain ${T} svc-${webId}`) < at(removed, `delete set ${T} ${set('10.42.0.6')}`));
  assert.ok(at(removed, `flush chain ${T} endpoint-${webId}__10.42.0.6/8080`) < at(removed, `delete set ${T} ${set('10.42.0.6')}`));
  assert.equal(lines(removed).at(-1), `delete set ${T} ${set('10.42.0.6')}`);
  assert.ok(!removed.text.includes(`set ${T} ${set('10.42.0.5')}`), 'the remaining endpoint’s set is neither deleted nor re-added');

  // Another service changing never touches this one's sets.
  const other = delta([aff(['10.42.0.5']), db], [aff(['10.42.0.5']), svc('db', { ...db, endpoints: [] })]);
  assert.doesNotMatch(other.text, /affinity-/);
});

test('affinity timeout changed: the sets are recreated after the chains using them are flushed', () => {
  const d = delta([svc('web', { affinityTimeoutSeconds: 600 })], [svc('web', { affinityTimeoutSeconds: 60 })]);
  const set = `affinity-${webId}__10.42.0.5/8080`;
  const del = at(d, `delete set ${T} ${set}`);
  assert.ok(at(d, `flush chain ${T} svc-${webId}`) < del);
  assert.ok(at(d, `flush chain ${T} endpoint-${webId}__10.42.0.5/8080`) < del);
  assert.ok(del < at(d, `add set ${T} ${set} { type ipv4_addr; flags dynamic,timeout; timeout 60s; }`));
  assert.ok(at(d, `add set ${T} ${set}`) < at(d, `add rule ${T} svc-${webId} ip saddr @${set}`));
});

test('service IP changed: old key deleted, new key added, chains kept', () => {
  const d = delta([web], [svc('web', { clusterIP: '10.43.0.11' })]);
  assert.deepEqual(lines(d), [
    `delete element ${T} service-ips { 10.43.0.10 . tcp . 80 }`,
    `add element ${T} service-ips { 10.43.0.11 . tcp . 80 : goto clusterip-${webId} }`,
  ]);
});

test('last endpoint gone: dispatch moves to the reject map, the chains go', () => {
  const d = delta([svc('web', { nodePort: 30080 })], [svc('web', { nodePort: 30080, endpoints: [] })]);
  assert.equal(at(d, `delete element ${T} service-ips { 10.43.0.10 . tcp . 80 }`), 0);
  assert.ok(lines(d).includes(`delete element ${T} service-nodeports { tcp . 30080 }`));
  assert.ok(lines(d).includes(`add element ${T} no-endpoint-services { 10.43.0.10 . tcp . 80 : goto reject-chain }`));
  assert.ok(lines(d).includes(`add element ${T} no-endpoint-nodeports { tcp . 30080 : goto reject-chain }`));
  for (const c of [`clusterip-${webId}`, `external-${webId}`, `svc-${webId}`, `endpoint-${webId}__10.42.0.5/8080`]) {
    assert.ok(at(d, `flush chain ${T} ${c}`) < at(d, `delete chain ${T} ${c}`));
  }
  assert.ok(at(d, 'add element') < at(d, 'delete chain'));
  assert.doesNotMatch(d.text, /add (chain|rule)/);
});

test('verdict of a key changed (traffic policy): element deleted and re-added, a new chain first', () => {
  // externalTrafficPolicy Cluster → Local: the external chain now also uses a local- chain.
  const d = delta([svc('web', { nodePort: 30080 })], [svc('web', { nodePort: 30080, externalTrafficLocal: true })]);
  assert.ok(lines(d).includes(`flush chain ${T} external-${webId}`));
  assert.ok(lines(d).includes(`add chain ${T} local-${webId}`));
  assert.ok(at(d, `add chain ${T} local-${webId}`) < at(d, `add rule ${T} external-${webId} goto local-${webId}`));
  assert.doesNotMatch(d.text, /element/, 'the map still points at the same external chain');
});

test('a key two services claim goes to the first by id; the other takes it over when that one goes', () => {
  const a = svc('a', { clusterIP: '10.43.0.1', externalIPs: ['192.0.2.9'] });
  const b = svc('b', { clusterIP: '10.43.0.2', externalIPs: ['192.0.2.9'] });
  const [first, second] = [a, b].sort((x, y) => (servicePortId(x) < servicePortId(y) ? -1 : 1));
  const both = compile([a, b]);
  assert.equal(both.maps['service-ips'].get('192.0.2.9 . tcp . 80'), `goto external-${servicePortId(first)}`);
  const d = renderDeltaRules(both, compile([second], both))!;
  assert.ok(lines(d).includes(`delete element ${T} service-ips { ${first.clusterIP} . tcp . 80, 192.0.2.9 . tcp . 80 }`));
  assert.ok(lines(d).includes(`add element ${T} service-ips { 192.0.2.9 . tcp . 80 : goto external-${servicePortId(second)} }`));
});

test('many services, one endpoint changed: the delta is a few lines', () => {
  const many = (gen: number) =>
    Array.from({ length: 1000 }, (_, i) =>
      svc(`s${i}`, {
        clusterIP: `10.43.${Math.floor(i / 250)}.${(i % 250) + 1}`, nodePort: 30000 + i,
        endpoints: Array.from({ length: 10 }, (_, j) => ep(`10.42.${Math.floor((i * 10 + j) / 250)}.${((i * 10 + j) % 250) + 1}`, { port: i === 500 && j === 3 ? 9000 + gen : 8080 })),
      }),
    );
  const d = delta(many(0), many(1));
  const s500 = servicePortId(svc('s500'));
  assert.deepEqual(d.counts, { chainsAdded: 1, chainsRewritten: 1, chainsDeleted: 1, setsAdded: 0, setsDeleted: 0, elementsAdded: 0, elementsDeleted: 0 });
  assert.ok(lines(d).every((l) => l.includes(s500)));
  assert.ok(d.text.length < 2000, `${d.text.length} bytes`);
});
