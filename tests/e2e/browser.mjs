// What every browser test shares: Debian's Chromium, headless, nothing fetched from outside,
// one browser per test file, pages that collect their script errors, and the folder screenshots
// go to.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

export async function launchChromium() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** One browser for the test file: launched before its tests (BASE_URL must be set, by `script`)
 *  and closed after them. Read `shared.browser` inside the tests. */
export function useBrowser(script) {
  const shared = { browser: undefined };
  before(async () => {
    assert.ok(process.env.BASE_URL, `BASE_URL is set by ${script}`);
    shared.browser = await launchChromium();
  });
  after(async () => {
    await shared.browser?.close();
  });
  return shared;
}

/** A page in a context of its own (`options` as for `browser.newContext`); script errors and
 *  blocked resources (e.g. by the Content-Security-Policy) land in `errors`, to fail the test. */
export async function openPage(browser, options) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return { context, page, errors };
}
