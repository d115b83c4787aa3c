// Issue 17 benchmark: the dashboard's first load in Debian's chromium (puppeteer-core), on a
// `k8ts server --runtime simulated` running the article's nginx. Each round opens a fresh
// browser context (empty cache) and measures:
//   - bytes of the first load: the response bodies as sent (gzip) and decoded, from the
//     Performance API's navigation and resource entries (index.html, the script, the stylesheet);
//   - ms to first paint: the Performance API's first-contentful-paint of the login page;
//   - ms to live data: with a token already in the session, from navigation start until the
//     first workload row (from the stream's first frames) is drawn.
// Usage: node dist/bench/dashboard.bench.js [--rounds N]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { startCluster } from '../test/helpers/cluster.js';
import { gotoPage, launchBrowser } from '../test/helpers/browser.js';
import { ARTICLE_NGINX } from '../test/helpers/article.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('--rounds', 7);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  console.log(`dashboard.bench on ${cpus().length} CPUs (${cpus()[0]?.model}), ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}: ${ROUNDS} rounds`);
  const c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated'] });
  const browser = await launchBrowser();
  try {
    const f = join(c.dataDir, 'nginx.yaml');
    writeFileSync(f, ARTICLE_NGINX);
    await c.k(['apply', '-f', f]);
    await c.k(['create', 'serviceaccount', 'bench', '-n', 'default']);
    await c.k(['create', 'clusterrolebinding', 'bench', '--clusterrole=cluster-admin', '--serviceaccount=default:bench']);
    const token = (await c.k(['create', 'token', 'bench', '-n', 'default'])).trim();
    const url = `${c.url}/dashboard/`;
    const wire: number[] = [];
    const decoded: number[] = [];
    const fcp: number[] = [];
    const live: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const ctx = await browser.createBrowserContext();
      const page = await ctx.newPage();
      await gotoPage(page, url, 'networkidle0');
      await page.waitForSelector('#login', { timeout: 10_000 });
      // The navigation and every resource it loaded (a fresh context: nothing cached).
      const [w, d] = await page.evaluate(() => {
        const es = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
        return [es.reduce((n, e) => n + e.encodedBodySize, 0), es.reduce((n, e) => n + e.decodedBodySize, 0)];
      });
      const paint = await page.evaluate(() => new Promise<number>((resolve) => {
        const find = (): number | undefined => performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
        const t = find();
        if (t !== undefined) return resolve(t);
        new PerformanceObserver(() => {
          const v = find();
          if (v !== undefined) resolve(v);
        }).observe({ type: 'paint', buffered: true });
      }));
      wire.push(w);
      decoded.push(d);
      fcp.push(paint);
      // Signed in (token in the session): navigation start → first workload row drawn.
      await page.evaluate((t) => sessionStorage.setItem('k8ts-dashboard-token', t), token);
      await gotoPage(page, url, 'domcontentloaded');
      await page.waitForSelector('tr[data-workload]', { timeout: 15_000 }).catch(async (e: unknown) => {
        throw new Error(`no workload row: ${(await page.evaluate(() => document.body.innerText)).slice(0, 500)}`, { cause: e });
      });
      live.push(await page.evaluate(() => performance.now()));
      await ctx.close();
    }
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`first load: ${median(wire)} bytes sent (gzip bodies; median), ${median(decoded)} bytes decoded`);
    console.log(`first contentful paint: median ${median(fcp).toFixed(0)} ms (${fmt(fcp)})`);
    console.log(`signed in, to the first workload row from the stream: median ${median(live).toFixed(0)} ms (${fmt(live)})`);
    console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await browser.close();
    await c.stop();
    c.cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
