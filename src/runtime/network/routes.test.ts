import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoutes, routeDelta } from './routes.js';

test('route delta adds, moves and removes pod routes', () => {
  const lines = routeDelta(
    [
      { cidr: '10.42.1.0/24', via: '192.168.77.11' },
      { cidr: '10.42.2.0/24', via: '192.168.77.12' },
      { cidr: '10.42.3.0/24', via: '192.168.77.13' },
    ],
    [
      { cidr: '10.42.1.0/24', via: '192.168.77.11' },
      { cidr: '10.42.2.0/24', via: '192.168.77.22' },
      { cidr: '10.42.4.0/24', via: '192.168.77.14' },
    ],
  );
  assert.deepEqual(lines, ['route replace 10.42.2.0/24 via 192.168.77.22 proto 233', 'route replace 10.42.4.0/24 via 192.168.77.14 proto 233', 'route del 10.42.3.0/24 proto 233']);
});

test('routes are read from ip -j output', () => {
  const json = '[{"dst":"10.42.1.0/24","gateway":"192.168.77.11","dev":"eth0","protocol":"233","flags":[]},{"dst":"default","dev":"eth0"}]';
  assert.deepEqual(parseRoutes(json), [{ cidr: '10.42.1.0/24', via: '192.168.77.11' }]);
  assert.deepEqual(parseRoutes(''), []);
});
