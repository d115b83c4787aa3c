// Issue 17 "Must show", the dashboard in a real browser (Debian's chromium through
// puppeteer-core) on a real node running the article's nginx (5 pods, Service, Ingress):
// without credentials only the login shows; the topology draws Ingress → Service → 5 pods → node;
// a `kubectl scale` shows up within a second without a reload; a pod's logs follow (a new line
// appears: the readiness probe's request every second); a screenshot is kept in test-artifacts/.
// Real containers: host lane, run under the host lock:
//   flock /tmp/k8ts-host.lock node --test dist/test/e2e/dashboard-browser.test.js
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { runtimeSkipReason } from '../helpers/node.js';
import { startRealArticleCluster, stopArticleCluster, type ArticleCluster } from '../helpers/quiet.js';
import { artifactsDir, gotoPage, launchBrowser, signIn } from '../helpers/browser.js';

const skip = runtimeSkipReason();
let a: ArticleCluster | undefined;
let imageSkip: string | undefined;
let browser: Browser | undefined;
let page: Page;
let token = '';
let url = '';

before(async () => {
  if (skip) return;
  const started = await startRealArticleCluster();
  if ('skip' in started) {
    imageSkip = started.skip;
    return;
  }
  a = started;
  await a.c.k(['create', 'serviceaccount', 'k8ts-test-dash', '-n', 'default']);
  await a.c.k(['create', 'clusterrolebinding', 'k8ts-test-dash', '--clusterrole=cluster-admin', '--serviceaccount=default:k8ts-test-dash']);
  token = (await a.c.k(['create', 'token', 'k8ts-test-dash', '-n', 'default'])).trim();
  url = `${a.c.url}/dashboard/`;
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (e) => process.stderr.write(`dashboard page error: ${(e as Error).message}\n`));
});

after(async () => {
  await browser?.close();
  if (a) await stopArticleCluster(a);
});

/** Pods drawn in the topology that are not on their way out. */
const livePods = (p: Page): Promise<string[]> => p.$$eval('g.node[data-kind=pod]', (gs) => gs.filter((g) => !g.textContent?.includes('Terminating')).map((g) => g.getAttribute('data-name') ?? ''));

describe('dashboard in a browser (real containers)', { skip: skip ?? false, timeout: 400_000 }, () => {
  it('without credentials: only the login', { timeout: 60_000 }, async (t) => {
    if (!a) return t.skip(imageSkip ?? 'no cluster');
    await gotoPage(page, url);
    await page.waitForSelector('#login', { timeout: 10_000 });
    assert.equal(await page.$('header'), null);
    assert.equal(await page.$('svg'), null);
    const text = await page.evaluate(() => document.body.innerText);
    assert.doesNotMatch(text, /nginx/);
    // A wrong token is refused by the API, and the login says so.
    await page.type('#token', 'not-a-token');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error', { timeout: 10_000 });
    assert.match(await page.$eval('#login-error', (e) => e.textContent ?? ''), /rejected/);
  });

  it('the topology: Ingress → Service → 5 pods → node', { timeout: 60_000 }, async (t) => {
    if (!a) return t.skip(imageSkip ?? 'no cluster');
    await signIn(page, url, token);
    await page.click('button[data-tab=topology]');
    await page.waitForFunction(() => document.querySelectorAll('g.node[data-kind=pod]').length === 5, { timeout: 10_000 });
    // Each resource's list arrives on the stream on its own: wait for the ones drawn here.
    await page.waitForSelector('g.node[data-kind=ingress][data-name=nginx-ingress]', { timeout: 10_000 });
    await page.waitForSelector('g.node[data-kind=service][data-name=nginx-service]', { timeout: 10_000 });
    const edges = await page.$$eval('line.edge', (ls) => ls.map((l) => `${l.getAttribute('data-from')} -> ${l.getAttribute('data-to')}`));
    assert.ok(edges.includes('ingress/default/nginx-ingress -> service/default/nginx-service'), edges.join('\n'));
    const pods = await livePods(page);
    assert.equal(pods.length, 5);
    for (const p of pods) {
      assert.ok(edges.includes(`service/default/nginx-service -> pod/default/${p}`), `service → ${p}`);
      assert.ok(edges.some((e) => e.startsWith(`pod/default/${p} -> node//`)), `${p} → node`);
    }
    const shot = join(artifactsDir(), 'dashboard-topology.png');
    await page.screenshot({ path: shot, fullPage: true });
    process.stdout.write(`dashboard screenshot: ${shot}\n`);
  });

  it('kubectl scale shows up within a second, without a reload', { timeout: 90_000 }, async (t) => {
    if (!a) return t.skip(imageSkip ?? 'no cluster');
    await page.click('button[data-tab=overview]');
    const row = 'tr[data-workload="deployment/default/nginx-dep"]';
    await page.waitForSelector(row, { timeout: 10_000 });
    assert.equal(await page.$eval(`${row} td.desired`, (e) => e.textContent), '5');
    const marker = await page.evaluate(() => ((window as unknown as { k8tsMarker: number }).k8tsMarker = Math.random()));
    await a!.c.k(['scale', 'deployment/nginx-dep', '--replicas=3']);
    const t0 = Date.now();
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '3', { timeout: 5_000, polling: 'mutation' }, `${row} td.desired`);
    const shownMs = Date.now() - t0;
    process.stdout.write(`scale 5 → 3 shown ${shownMs} ms after kubectl returned\n`);
    assert.ok(shownMs <= 1000, `the new count took ${shownMs} ms to show`);
    assert.equal(await page.evaluate(() => (window as unknown as { k8tsMarker: number }).k8tsMarker), marker, 'the page was not reloaded');
    await page.click('button[data-tab=topology]');
    await page.waitForFunction(() => [...document.querySelectorAll('g.node[data-kind=pod]')].filter((g) => !g.textContent?.includes('Terminating')).length === 3, { timeout: 10_000 });
  });

  it('a pod’s logs follow: a new line appears', { timeout: 60_000 }, async (t) => {
    if (!a) return t.skip(imageSkip ?? 'no cluster');
    const [pod] = await livePods(page);
    await page.click(`g.node[data-kind=pod][data-name="${pod}"]`);
    await page.waitForSelector('#log-lines', { timeout: 10_000 });
    // nginx logs each readiness probe (GET / every second).
    const count = (): Promise<number> => page.$eval('#log-lines', (e) => (e.textContent ?? '').split('\n').filter((l) => l.includes('GET /')).length);
    await page.waitForFunction(() => (document.querySelector('#log-lines')?.textContent ?? '').includes('GET /'), { timeout: 15_000 });
    const first = await count();
    await page.waitForFunction((n) => (document.querySelector('#log-lines')?.textContent ?? '').split('\n').filter((l) => l.includes('GET /')).length > n, { timeout: 15_000 }, first);
    assert.ok((await count()) > first);
    await page.screenshot({ path: join(artifactsDir(), 'dashboard-logs.png') });
  });

  it('node CPU and memory from the kubelet’s stats', { timeout: 60_000 }, async (t) => {
    if (!a) return t.skip(imageSkip ?? 'no cluster');
    await page.click('button[data-tab=nodes]');
    await page.waitForSelector('tr[data-node] td.memory-used', { timeout: 10_000 });
    // Memory after the first scrape, CPU (a rate) after the second, 10 s later.
    await page.waitForFunction(() => /\d+(\.\d+)? (KiB|MiB|GiB)/.test(document.querySelector('tr[data-node] td.memory-used')?.textContent ?? ''), { timeout: 20_000 });
    await page.waitForFunction(() => /^\d+\.\d{3} cores/.test(document.querySelector('tr[data-node] td.cpu-used')?.textContent ?? ''), { timeout: 30_000 });
    process.stdout.write(`node stats: ${await page.$eval('tr[data-node]', (r) => r.textContent)}\n`);
    await page.screenshot({ path: join(artifactsDir(), 'dashboard-nodes.png') });
  });

  it('why for the Deployment: healthy', { timeout: 60_000 }, async (t) => {
    if (!a) return t.skip(imageSkip ?? 'no cluster');
    await page.click('button[data-tab=overview]');
    await page.click('tr[data-workload="deployment/default/nginx-dep"] button');
    await page.waitForSelector('#why-answer .cause', { timeout: 30_000 });
    assert.match(await page.$eval('#why-answer .cause', (e) => e.textContent ?? ''), /^deployment\/nginx-dep is healthy/);
  });
});
