// @kubernetes/client-node (the official JavaScript client) with real containers (host lane,
// under flock /tmp/k8ts-host.lock): Watch from a resourceVersion, Exec over its WebSocket
// (stdout, stderr, stdin and the exit Status), Log with follow, and PortForward. Its typed
// client and informers are in test/integration/client-node.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { startReal, stopReal, runtimeSkipReason, readyTargetPod, eventually, type TestCluster } from './support.js';

const skip = runtimeSkipReason() ?? false;
const NS = 'js-real';
let c: TestCluster;
let kc: k8s.KubeConfig;

before(async () => {
  if (skip) return;
  c = await startReal();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  await readyTargetPod(c, NS, 'js-target');
});

after(async () => {
  await stopReal(c, [NS]);
});

function sink(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb(); } });
  return { stream, text: () => text };
}

describe('@kubernetes/client-node with real containers', { skip }, () => {
  it('Watch from a resourceVersion sees the changes after it, in order', { timeout: 60_000 }, async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const seen: string[] = [];
    const abort = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true }, (type, obj) => {
      if (obj?.metadata?.name === 'js-watched') seen.push(`${type}:${obj.data?.v}`);
    }, () => undefined);
    try {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'js-watched' }, data: { v: '1' } } });
      await core.patchNamespacedConfigMap({ name: 'js-watched', namespace: NS, body: { data: { v: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ name: 'js-watched', namespace: NS });
      await eventually(() => seen.length >= 3, 15_000);
      assert.deepEqual(seen, ['ADDED:1', 'MODIFIED:2', 'DELETED:2']);
    } finally {
      abort.abort();
    }
  });

  it('Exec: stdout, stderr, stdin and the exit status', { timeout: 60_000 }, async () => {
    const out = sink();
    const err = sink();
    const stdin = new PassThrough();
    const status = new Promise<k8s.V1Status>((resolve, reject) => {
      new k8s.Exec(kc).exec(NS, 'js-target', 'c', ['sh', '-c', 'read x; echo "got $x"; echo oops >&2; exit 3'], out.stream, err.stream, stdin, false, resolve).catch(reject);
    });
    stdin.end('hello\n');
    const s = await status;
    assert.equal(out.text(), 'got hello\n');
    assert.equal(err.text(), 'oops\n');
    assert.equal(s.status, 'Failure');
    assert.equal(s.reason, 'NonZeroExitCode');
    assert.equal(s.details?.causes?.find((x) => x.reason === 'ExitCode')?.message, '3');
    const quiet = sink();
    const ok = await new Promise<k8s.V1Status>((resolve, reject) => {
      new k8s.Exec(kc).exec(NS, 'js-target', 'c', ['true'], quiet.stream, null, null, false, resolve).catch(reject);
    });
    assert.equal(ok.status, 'Success');
    // No stream at all is refused before the upgrade, as upstream does.
    // (the client rejects with the WebSocket's error event, whose message names the status)
    await assert.rejects(new k8s.Exec(kc).exec(NS, 'js-target', 'c', ['true'], null, null, null, false), (e: { message?: string }) => /Unexpected server response: 400/.test(e.message ?? ''));
  });

  it('Log with follow streams new lines until aborted', { timeout: 60_000 }, async () => {
    const out = sink();
    const abort = await new k8s.Log(kc).log(NS, 'js-target', 'c', out.stream, { follow: true, tailLines: 1 });
    try {
      const first = await eventually(() => /line (\d+)/.exec(out.text())?.[1], 10_000);
      // The pod prints a line a second: following shows later ones arrive.
      await eventually(() => new RegExp(`line ${Number(first) + 2}\\b`).test(out.text()), 15_000);
      assert.ok(!out.text().includes('line 0\n') || Number(first) === 0, 'tailLines=1 started at the end');
    } finally {
      abort.abort();
    }
  });

  it('PortForward carries a TCP connection to the pod', { timeout: 60_000 }, async () => {
    const pf = new k8s.PortForward(kc);
    const failures: unknown[] = [];
    const server: Server = createServer((sock) => {
      pf.portForward(NS, 'js-target', [8080], sock, null, sock).catch((e: unknown) => {
        failures.push(e);
        sock.destroy();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      for (let i = 0; i < 2; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n'));
          let text = '';
          // The client does not end the local socket when the pod side closes: read the answer.
          s.on('data', (d) => {
            text += d.toString();
            if (text.includes('hello from js-target')) {
              s.destroy();
              resolve(text);
            }
          });
          s.on('close', () => reject(new Error(`port-forward closed early: ${text} ${failures.map(String).join(' ')}`)));
          s.on('error', reject);
          s.setTimeout(15_000, () => s.destroy(new Error('port-forward: no answer in 15 s')));
        });
        assert.match(body, /^HTTP\/1\.[01] 200/);
        assert.match(body, /hello from js-target/);
      }
    } finally {
      server.close();
    }
  });
});
