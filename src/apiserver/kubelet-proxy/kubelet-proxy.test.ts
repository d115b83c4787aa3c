import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { containerFor, kubeletPath, kubeletTarget, statusFromKubelet } from './kubelet-proxy.js';

const pod = (containers: string[], init: string[] = []): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
});

test('container defaulting and validation as upstream', () => {
  assert.equal(containerFor(pod(['only']), null), 'only');
  assert.throws(() => containerFor(pod(['a', 'b'], ['i']), null), /a container name must be specified for pod p, choose one of: \[a b\] or one of the init containers: \[i\]/);
  assert.throws(() => containerFor(pod(['a']), 'z'), /container z is not valid for pod p/);
  assert.equal(containerFor(pod(['a'], ['i']), 'i'), 'i');
});

test('kubelet paths keep the query, minus container', () => {
  const u = new URL('https://x/api/v1/namespaces/ns/pods/p/exec?command=ls&command=-l&container=a&stdout=true');
  assert.equal(kubeletPath('exec', pod(['a', 'b']), u), '/exec/ns/p/a?command=ls&command=-l&stdout=true');
  assert.equal(kubeletPath('log', pod(['a']), new URL('https://x/?follow=true&insecureSkipTLSVerifyBackend=true')), '/containerLogs/ns/p/a?follow=true');
  assert.equal(kubeletPath('portforward', pod(['a']), new URL('https://x/')), '/portForward/ns/p');
  // PodPortForwardOptions' ports reach the kubelet as port, as upstream's PortForwardLocation.
  assert.equal(kubeletPath('portforward', pod(['a']), new URL('https://x/?ports=8080&ports=9090')), '/portForward/ns/p?port=8080&port=9090');
  assert.equal(kubeletPath('proxy', pod(['a']), new URL('https://x/')), undefined);
});

test('kubelet target from the Node: InternalIP first, daemon endpoint port', () => {
  const node = (status: unknown): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: status as Record<string, unknown> });
  assert.deepEqual(kubeletTarget(node({ addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: '10.0.0.5' }], daemonEndpoints: { kubeletEndpoint: { Port: 11250 } } })), { host: '10.0.0.5', port: 11250 });
  assert.deepEqual(kubeletTarget(node({ addresses: [{ type: 'Hostname', address: 'n' }] })), { host: 'n', port: 10250 });
  assert.equal(kubeletTarget(node({})), undefined);
});

test('kubelet error bodies become Status like GenericHttpResponseChecker', () => {
  const text = statusFromKubelet(400, Buffer.from('container "c" in pod "p" is waiting to start: ContainerCreating'), 'text/plain');
  assert.equal(text.code, 400);
  assert.equal(text.reason, 'BadRequest');
  assert.equal(text.message, 'container "c" in pod "p" is waiting to start: ContainerCreating');
  const json = statusFromKubelet(403, Buffer.from(JSON.stringify({ kind: 'Status', apiVersion: 'v1', code: 403, reason: 'Forbidden', message: 'nope' })), 'application/json');
  assert.equal(json.code, 403);
  assert.equal(json.message, 'nope');
  assert.equal(statusFromKubelet(500, Buffer.from('boom'), undefined).reason, 'InternalError');
});
