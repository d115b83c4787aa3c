import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuditLog } from './audit-log.js';
import { parseAuditPolicy } from './policy.js';
import type { AuditLogWriter } from './log-writer.js';
import type { AuditRequest } from './record.js';

function setup(rules: unknown[], extra: Record<string, unknown> = {}): { log: AuditLog; lines: any[] } {
  const lines: any[] = [];
  const writer = { write: (l: string) => lines.push(JSON.parse(l)), close: async () => undefined } as unknown as AuditLogWriter;
  return { log: new AuditLog(parseAuditPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules, ...extra }), writer), lines };
}

function fakeRes(): ServerResponse {
  const res = new EventEmitter() as unknown as ServerResponse;
  res.statusCode = 200;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  res.getHeader = ((k: string) => headers[k.toLowerCase()]) as ServerResponse['getHeader'];
  res.write = (() => true) as unknown as ServerResponse['write'];
  res.end = (() => res) as unknown as ServerResponse['end'];
  return res;
}

function request(o: Partial<AuditRequest> = {}): AuditRequest {
  const req = { url: '/api/v1/namespaces/ns1/configmaps', headers: { 'user-agent': 'ua/1', 'x-forwarded-for': '10.0.0.9' }, socket: { remoteAddress: '::ffff:127.0.0.1' } } as unknown as IncomingMessage;
  return {
    auditID: 'id-1',
    req,
    res: fakeRes(),
    receivedAt: new Date('2026-12-06T10:00:00.123Z'),
    user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
    verb: 'create',
    resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'ns1' },
    longRunning: false,
    ...o,
  };
}

test('stages, impersonation, request and response objects at RequestResponse, managedFields omitted', () => {
  const { log, lines } = setup([{ level: 'RequestResponse' }], { omitManagedFields: true });
  const r = request({ authenticatedUser: { username: 'admin', groups: ['system:masters'] } });
  const rec = log.begin(r)!;
  rec.authorized(true, 'RBAC: allowed');
  rec.requestObject({ metadata: { name: 'cm1', managedFields: [{ manager: 'x' }] }, data: { a: '1' } });
  r.res.statusCode = 201;
  r.res.write('{"metadata":{"name":"cm1",');
  r.res.end('"managedFields":[]},"data":{"a":"1"}}');
  rec.complete(r.res);
  rec.complete(r.res); // once
  assert.deepEqual(lines.map((l) => l.stage), ['RequestReceived', 'ResponseComplete']);
  const ev = lines[1];
  assert.equal(ev.user.username, 'admin');
  assert.equal(ev.impersonatedUser.username, 'alice');
  assert.deepEqual(ev.sourceIPs, ['10.0.0.9', '127.0.0.1']);
  assert.deepEqual(ev.objectRef, { resource: 'configmaps', namespace: 'ns1', name: 'cm1', apiVersion: 'v1' });
  assert.deepEqual(ev.requestObject, { metadata: { name: 'cm1' }, data: { a: '1' } });
  assert.deepEqual(ev.responseObject, { metadata: { name: 'cm1' }, data: { a: '1' } });
  assert.deepEqual(ev.responseStatus, { metadata: {}, code: 201 });
  assert.equal(ev.requestReceivedTimestamp, '2026-12-06T10:00:00.123000Z');
  assert.deepEqual(ev.annotations, { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed' });
  assert.equal(lines[0].requestObject, undefined);
});

test('Metadata keeps no bodies; a failure records its Status; a bug is a Panic event; None logs nothing', () => {
  const { log, lines } = setup([{ level: 'None', users: ['bob'] }, { level: 'Metadata' }]);
  assert.equal(log.begin(request({ user: { username: 'bob', groups: [] } })), undefined);
  const a = request();
  const rec = log.begin(a)!;
  rec.authorized(false, '');
  rec.requestObject({ metadata: { name: 'x' }, data: { secret: 's3cr3t' } });
  a.res.statusCode = 403;
  rec.complete(a.res, { status: { kind: 'Status', status: 'Failure', message: 'no', reason: 'Forbidden', code: 403 } });
  const ev = lines.at(-1);
  assert.equal(ev.requestObject, undefined);
  assert.deepEqual(ev.responseStatus, { metadata: {}, status: 'Failure', message: 'no', reason: 'Forbidden', code: 403 });
  assert.equal(ev.annotations['authorization.k8s.io/decision'], 'forbid');
  assert.ok(!JSON.stringify(lines).includes('s3cr3t'));
  const b = request({ auditID: 'id-2' });
  log.begin(b)!.panic(b.res, new Error('boom'));
  const p = lines.at(-1);
  assert.equal(p.stage, 'Panic');
  assert.equal(p.responseStatus.code, 500);
  assert.match(p.responseStatus.message, /boom/);
});

test('a long-running request logs ResponseStarted, and omitStages drops stages', () => {
  const { log, lines } = setup([{ level: 'Metadata', omitStages: ['RequestReceived'] }]);
  const w = request({ verb: 'watch', longRunning: true });
  const rec = log.begin(w)!;
  rec.responseStarted(w.res);
  rec.complete(w.res);
  assert.deepEqual(lines.map((l) => l.stage), ['ResponseStarted', 'ResponseComplete']);
});
