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

/** Opens the dashboard and signs in with `token` (the login form is the only thing shown before). */
export async function signIn(page: Page, dashboardUrl: string, token: string): Promise<void> {
  await page.goto(dashboardUrl, { waitUntil: 'load', timeout: 30_000 });
  await page.waitForSelector('#login', { timeout: 10_000 });
  await page.type('#token', token);
  await page.click('#login-submit');
  await page.waitForSelector('#state.live', { timeout: 15_000 });
}
