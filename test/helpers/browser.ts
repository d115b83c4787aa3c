// Debian's chromium driven by puppeteer-core, for the dashboard's browser test and its bench.
// Headless, --no-sandbox (tests run as root); the test cluster's self-signed CA is accepted.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ROOT } from './cluster.js';

export const CHROMIUM = process.env.K8TS_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests keep what they leave for a person to look at (gitignored). */
export function artifactsDir(): string {
  const d = join(ROOT, 'test-artifacts');
  mkdirSync(d, { recursive: true });
  return d;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (it is in .ci/run's packages)`);
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    acceptInsecureCerts: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--disable-background-networking'],
    protocolTimeout: 60_000,
  });
}

/**
 * page.goto, again when Chromium reports ERR_NETWORK_CHANGED: on a shared machine other tests add
 * and remove interfaces (bridges, veths), and Chromium aborts a navigation in flight when the
 * host's network changes. Any other failure is thrown at once.
 */
export async function gotoPage(page: Page, url: string, waitUntil: 'load' | 'networkidle0' | 'domcontentloaded' = 'load'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url, { waitUntil, timeout: 30_000 });
      return;
    } catch (e) {
      if (attempt >= 5 || !/ERR_NETWORK_CHANGED/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Opens the dashboard and signs in with `token` (the login form is the only thing shown before). */
export async function signIn(page: Page, dashboardUrl: string, token: string): Promise<void> {
  await gotoPage(page, dashboardUrl);
  await page.waitForSelector('#login', { timeout: 10_000 });
  await page.type('#token', token);
  await page.click('#login-submit');
  await page.waitForSelector('#state.live', { timeout: 15_000 });
}
