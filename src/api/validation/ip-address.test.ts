import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidIPAddress, isValidIPv4Address, isValidIPv6Address } from './names.js';

test('API IP address rules: dotted decimal without leading zeros, IPv6 without zone', { timeout: 5000 }, () => {
  for (const ok of ['0.0.0.0', '10.42.0.7', '255.255.255.255']) assert.ok(isValidIPv4Address(ok), ok);
  for (const bad of ['010.1.1.1', '1.1.1.01', '256.1.1.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '']) assert.ok(!isValidIPv4Address(bad), bad);
  for (const ok of ['::', '::1', 'fd00::7', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4']) assert.ok(isValidIPv6Address(ok), ok);
  for (const bad of ['fe80::1%eth0', '1::2::3', '10.0.0.1', '']) assert.ok(!isValidIPv6Address(bad), bad);
  assert.ok(isValidIPAddress('10.0.0.1') && isValidIPAddress('::1') && !isValidIPAddress('x'));
});
