import assert from 'node:assert/strict';
import { it } from 'node:test';
import { liveServers } from './endpoint-reconciler.js';

it('liveServers keeps the servers renewed within the TTL, sorted and unique', () => {
  const now = Date.parse('2026-12-06T12:00:30Z');
  const at = (s: number): string => new Date(now - s * 1000).toISOString();
  const leases = [
    { ip: '10.0.0.3', port: 6443, renewTime: at(1) },
    { ip: '10.0.0.1', port: 6443, renewTime: at(14) },
    { ip: '10.0.0.2', port: 6443, renewTime: at(15) },
    { ip: '10.0.0.4', port: 6443, renewTime: at(60) },
    { ip: '10.0.0.3', port: 6443, renewTime: at(2) },
  ];
  assert.deepEqual(liveServers(leases, now, 15_000), ['10.0.0.1', '10.0.0.3']);
  assert.deepEqual(liveServers([], now, 15_000), []);
});
