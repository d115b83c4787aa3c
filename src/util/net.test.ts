import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, formatIPv4Cidr, intToIPv4, ipv4ToInt, isIP, isIPv4, isIPv4Cidr, isIPv6, parseIPv4Cidr, InvalidCidrError } from './net.js';

test('isIPv4/isIPv6/isIP read addresses as node:net does (no leading zeros, no zones)', { timeout: 5000 }, () => {
  for (const ok of ['0.0.0.0', '10.42.0.7', '255.255.255.255']) assert.ok(isIPv4(ok), ok);
  for (const bad of ['010.1.1.1', '1.1.1.01', '256.1.1.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '', undefined, 7]) assert.ok(!isIPv4(bad), String(bad));
  for (const ok of ['::', '::1', 'fd00::7', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4']) assert.ok(isIPv6(ok), ok);
  for (const bad of ['fe80::1%eth0', '1::2::3', '10.0.0.1', '', undefined]) assert.ok(!isIPv6(bad), String(bad));
  assert.ok(isIP('10.0.0.1') && isIP('::1') && !isIP('x'));
});

test('ipv4ToInt/intToIPv4 round-trip; ipv4ToInt is NaN for what is not an IPv4 address', { timeout: 5000 }, () => {
  assert.equal(ipv4ToInt('192.168.1.7'), 0xc0a80107);
  assert.equal(ipv4ToInt('255.255.255.255'), 0xffffffff);
  assert.equal(intToIPv4(ipv4ToInt('10.43.0.10')), '10.43.0.10');
  assert.equal(intToIPv4(0xffffffff), '255.255.255.255');
  for (const bad of ['1.2.3', '01.2.3.4', '1.2.3.256', 'x', '']) assert.ok(Number.isNaN(ipv4ToInt(bad)), bad);
});

test('parseIPv4Cidr clears host bits, accepts /0../32 and throws on anything else', { timeout: 5000 }, () => {
  assert.deepEqual(parseIPv4Cidr('10.42.1.7/16'), { network: ipv4ToInt('10.42.0.0'), prefix: 16 });
  assert.equal(formatIPv4Cidr(parseIPv4Cidr('10.42.3.0/24')), '10.42.3.0/24');
  assert.equal(formatIPv4Cidr(parseIPv4Cidr('1.2.3.4/0')), '0.0.0.0/0');
  assert.equal(formatIPv4Cidr(parseIPv4Cidr('1.2.3.4/32')), '1.2.3.4/32');
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '10.0.0/8', '10.0.0.0/8/8', '010.0.0.0/8', '10.0.0.0/1.5', 'x/8']) {
    assert.throws(() => parseIPv4Cidr(bad), InvalidCidrError, bad);
    assert.ok(!isIPv4Cidr(bad), bad);
  }
  assert.ok(isIPv4Cidr('10.42.0.0/16'));
});

test('cidrContains', { timeout: 5000 }, () => {
  const c = parseIPv4Cidr('10.42.0.0/16');
  assert.ok(cidrContains(c, '10.42.0.0'));
  assert.ok(cidrContains(c, '10.42.255.255'));
  assert.ok(!cidrContains(c, '10.43.0.0'));
  assert.ok(!cidrContains(c, '10.41.255.255'));
  assert.ok(!cidrContains(c, 'junk'));
  assert.ok(cidrContains(parseIPv4Cidr('0.0.0.0/0'), '255.255.255.255'));
});
