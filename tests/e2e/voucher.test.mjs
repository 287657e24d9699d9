// The page a voucher's QR code opens, in a real browser on a phone-sized screen: "verified" in
// plain words for the voucher as issued; "not verified" once one amount of the stored voucher
// is changed behind the system's back. Run by voucher.sh (VERIFY_URL, DB_FILE).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SHOTS, launchChromium } from './browser.mjs';

const URL = process.env.VERIFY_URL;
const DB = process.env.DB_FILE;
let browser;

before(async () => {
  assert.ok(URL && DB, 'VERIFY_URL and DB_FILE are set by voucher.sh');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function open(url) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  const page = await context.newPage();
  const res = await page.goto(url);
  return { context, page, res };
}

test('the QR code opens a page that says the voucher is verified', async () => {
  const { context, page, res } = await open(URL);
  assert.equal(res.status(), 200);
  const verdict = page.locator('#verdict');
  assert.equal(await verdict.getAttribute('data-verdict'), 'verified');
  assert.match(await verdict.innerText(), /已核验/);
  const body = await page.locator('body').innerText();
  assert.match(body, /王小明/);
  assert.match(body, /2025-10/);
  assert.doesNotMatch(body, /330106199001010018/, 'the full ID number is never shown');
  await page.screenshot({ path: join(SHOTS, 'voucher-verified.png'), fullPage: true });
  await page.click('text=English');
  assert.match(await page.locator('#verdict').innerText(), /Verified/);
  await context.close();
});

test('a voucher with one changed amount is not verified', async () => {
  // Someone with database access changes an amount of the stored voucher.
  execFileSync('python3', ['-c', `
import re, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
(vid, note) = c.execute("SELECT id, note FROM vouchers").fetchone()
changed = re.sub(r'"paid_fen":(\\d+)', lambda m: '"paid_fen":%d' % (int(m.group(1)) + 100), note, count=1)
assert changed != note
c.execute("UPDATE vouchers SET note = ? WHERE id = ?", (changed, vid))
c.commit()
`, DB]);
  const { context, page } = await open(URL);
  const verdict = page.locator('#verdict');
  assert.equal(await verdict.getAttribute('data-verdict'), 'failed');
  assert.match(await verdict.innerText(), /未通过核验/);
  await page.screenshot({ path: join(SHOTS, 'voucher-failed.png'), fullPage: true });
  await context.close();
});

test('an unknown voucher number is said to be unknown, not an error', async () => {
  const unknown = URL.replace(/\/verify\/voucher\/.*/, '/verify/voucher/ZJ-00000000-000000-000000');
  const { context, page, res } = await open(unknown);
  assert.equal(res.status(), 404);
  assert.equal(await page.locator('#verdict').getAttribute('data-verdict'), 'unknown');
  await context.close();
});
