// ServerPool: sticky choice, failure marking with back-off, rotation, learned servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerPool, serversFromEndpoints } from './server-pool.js';

const A = 'https://10.0.0.1:6443';
const B = 'https://10.0.0.2:6443';
const C = 'https://10.0.0.3:6443';

function pool(servers: string[], extra: { onSwitch?: (f: string, t: string) => void; onServersChanged?: (s: readonly string[]) => void } = {}) {
  const clock = { t: 1_000_000 };
  const p = new ServerPool(servers, { now: () => clock.t, minBackoffMs: 1000, maxBackoffMs: 30_000, ...extra });
  return { p, clock };
}

test('the configured server is current until it fails; the pool sticks to the server it moved to', { timeout: 5000 }, () => {
  const switches: string[] = [];
  const { p } = pool([A, B, C], { onSwitch: (f, t) => switches.push(`${f}->${t}`) });
  assert.equal(p.current(), A);
  assert.equal(p.current(), A);
  p.markFailed(A);
  assert.equal(p.current(), B);
  assert.equal(p.current(), B, 'sticky');
  p.markOk(A);
  assert.equal(p.current(), B, 'a recovered server does not take the traffic back');
  assert.deepEqual(switches, [`${A}->${B}`]);
});

test('failing the current server moves to the next healthy one, wrapping, skipping backed-off ones', { timeout: 5000 }, () => {
  const { p, clock } = pool([A, B, C]);
  p.markFailed(B); // not current: only backed off
  assert.equal(p.current(), A);
  clock.t += 100;
  p.markFailed(A);
  assert.equal(p.current(), C, 'B is backed off');
  clock.t += 100;
  p.markFailed(C);
  // every server backed off: the one whose back-off ends first (B, failed first)
  assert.equal(p.current(), B);
});

test('back-off doubles per consecutive failure up to the cap, and a success resets it', { timeout: 5000 }, () => {
  const { p, clock } = pool([A, B]);
  p.markFailed(A);
  assert.equal(p.isHealthy(A), false);
  clock.t += 999;
  assert.equal(p.isHealthy(A), false);
  clock.t += 1;
  assert.equal(p.isHealthy(A), true, 'healthy again after 1 s');
  p.markFailed(A);
  clock.t += 1999;
  assert.equal(p.isHealthy(A), false, 'second failure: 2 s');
  clock.t += 1;
  assert.equal(p.isHealthy(A), true);
  for (let i = 0; i < 10; i++) p.markFailed(A);
  clock.t += 29_999;
  assert.equal(p.isHealthy(A), false);
  clock.t += 1;
  assert.equal(p.isHealthy(A), true, 'capped at 30 s');
  p.markOk(A);
  p.markFailed(A);
  clock.t += 1000;
  assert.equal(p.isHealthy(A), true, 'a success resets the count');
});

test('a current server in back-off is left once another is healthy; it comes back when the others fail', { timeout: 5000 }, () => {
  const { p, clock } = pool([A, B]);
  p.markFailed(A);
  assert.equal(p.current(), B);
  clock.t += 5000;
  p.markFailed(B);
  assert.equal(p.current(), A, 'A’s back-off has passed');
});

test('setServers keeps the configured server first, dedupes, reports changes and leaves a dropped current server', { timeout: 5000 }, () => {
  const changes: Array<readonly string[]> = [];
  const { p } = pool([A], { onServersChanged: (s) => changes.push(s) });
  p.setServers([B, C, B, 'not a url', 'http://10.0.0.9:6443']);
  assert.deepEqual(p.servers(), [A, B, C]);
  p.setServers([C, B]);
  assert.deepEqual(p.servers(), [A, C, B]);
  p.setServers([C, B]);
  assert.equal(changes.length, 2, 'no change, no report');
  p.markFailed(A);
  assert.equal(p.current(), C);
  p.setServers([B]);
  assert.deepEqual(p.servers(), [A, B]);
  assert.equal(p.current(), B, 'C left the list: the next healthy server');
  p.setServers([]);
  assert.deepEqual(p.servers(), [A], 'the configured server is never dropped');
  assert.equal(p.current(), A);
});

test('the constructor normalises URLs and refuses an empty list', { timeout: 5000 }, () => {
  const { p } = pool(['https://10.0.0.1:6443/', A, B]);
  assert.deepEqual(p.servers(), [A, B]);
  assert.throws(() => new ServerPool([]), /at least one server/);
});

test('serversFromEndpoints: every address with the https port', { timeout: 5000 }, () => {
  assert.deepEqual(
    serversFromEndpoints({ subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443 }] }] }),
    [A, B],
  );
  assert.deepEqual(serversFromEndpoints({ subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 6443 }] }] }), ['https://[fd00::1]:6443']);
  assert.deepEqual(serversFromEndpoints({}), []);
});
