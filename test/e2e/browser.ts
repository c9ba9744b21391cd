import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: browser tests drive it, never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether browser tests run here: when Chromium is installed. Under CI=true a missing Chromium
 * is a failure (`.ci/run` installs it), not a silent skip.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run does)`);
  return false;
}

// The headless flags of DESIGN.md: without the networking ones Chromium floods the closed network.
// Playwright gives each launch a fresh temporary --user-data-dir of its own and removes it after.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A headless Debian Chromium; each `newContext()` is an isolated session (one user). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** Collects every console error and uncaught page error of `page`. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.message}`));
  return errors;
}
