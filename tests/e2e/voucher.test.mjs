// The voucher in a real browser on a phone-sized screen: the worker issues one with the button on
// /me (a POST with the session's token) and gets its PDF; the page the QR code opens asks for
// the check code without it, says "verified" with it, gives the same answer for a wrong code as
// for an unknown number, shows no name or month's figures, and says "not verified" once one
// amount of the stored voucher is changed behind the system's back.
// Run by voucher.sh (VERIFY_URL, CHECK_CODE, BASE_URL, DB_FILE).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SHOTS, launchChromium } from './browser.mjs';

const URL = process.env.VERIFY_URL;
const CODE = process.env.CHECK_CODE;
const BASE = process.env.BASE_URL;
const DB = process.env.DB_FILE;
const BARE = URL.split('?')[0];
let browser;

before(async () => {
  assert.ok(URL && CODE && BASE && DB, 'VERIFY_URL, CHECK_CODE, BASE_URL and DB_FILE are set by voucher.sh');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function open(url) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  const res = await page.goto(url);
  return { context, page, res };
}

function vouchers() {
  return Number(execFileSync('python3', ['-c', `
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM vouchers").fetchone()[0])
`, DB]).toString().trim());
}

test('the worker issues a voucher with the button; opening the PDF again issues none', async () => {
  const { context, page } = await open(`${BASE}/login`);
  await page.fill('#login', '13800000001');
  await page.fill('#password', 'e2e-password-1');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.match(page.url(), /\/me/);
  const before = vouchers();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#voucher-issue')]);
  assert.match(download.suggestedFilename(), /^voucher-ZJ-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}\.pdf$/);
  assert.equal(vouchers(), before + 1);
  // The latest voucher, fetched twice by GET: a PDF each time, and nothing issued.
  for (let i = 0; i < 2; i++) {
    const res = await page.request.get(`${BASE}/me/voucher.pdf`);
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'application/pdf');
    assert.match(res.headers()['content-disposition'], new RegExp(download.suggestedFilename().replace(/\./g, '\\.')));
  }
  assert.equal(vouchers(), before + 1);
  await context.close();
});

test('the QR code opens a page that says the voucher is verified, and shows only its totals', async () => {
  const { context, page, res } = await open(URL);
  assert.equal(res.status(), 200);
  const verdict = page.locator('#verdict');
  assert.equal(await verdict.getAttribute('data-verdict'), 'verified');
  assert.match(await verdict.innerText(), /已核验/);
  const body = await page.locator('body').innerText();
  assert.match(body, /2025-09 至 2025-10\s*共 2 个月/);
  assert.match(await page.locator('#total-paid').innerText(), /^\d+\.\d\d$/);
  assert.doesNotMatch(body, /王小明/, 'no name');
  assert.doesNotMatch(body, /3301|0018/, 'no ID number, not even masked');
  await page.screenshot({ path: join(SHOTS, 'voucher-verified.png'), fullPage: true });
  await page.click('text=English');
  assert.match(await page.locator('#verdict').innerText(), /Verified/);
  await context.close();
});

test('without the code the page asks for it; typed in, it verifies', async () => {
  const { context, page, res } = await open(BARE);
  assert.equal(res.status(), 200);
  assert.equal(await page.locator('#verdict').getAttribute('data-verdict'), 'ask');
  assert.doesNotMatch(await page.locator('body').innerText(), /2025-09|已缴合计/);
  await page.screenshot({ path: join(SHOTS, 'voucher-ask.png'), fullPage: true });
  await page.fill('#code', CODE.toLowerCase().replace('-', ' '));
  await Promise.all([page.waitForNavigation(), page.click('form button[type=submit]')]);
  assert.equal(await page.locator('#verdict').getAttribute('data-verdict'), 'verified');
  await context.close();
});

test('a wrong code says the same as an unknown number', async () => {
  const id = BARE.split('/').pop();
  const other = 'ZJ-0000-0000-0000-0000';
  const wrong = await open(`${BARE}?code=AAAA-AAAA`);
  const unknown = await open(BARE.replace(id, other) + '?code=AAAA-AAAA');
  assert.equal(wrong.res.status(), 404);
  assert.equal(unknown.res.status(), 404);
  assert.equal(await wrong.page.locator('#verdict').getAttribute('data-verdict'), 'unknown');
  const a = (await wrong.page.locator('main').innerText()).replace(id, 'ID');
  const b = (await unknown.page.locator('main').innerText()).replace(other, 'ID');
  assert.equal(a, b);
  await wrong.context.close();
  await unknown.context.close();
});

test('a voucher with one changed amount is not verified', async () => {
  // Someone with database access changes an amount of the stored voucher.
  const id = BARE.split('/').pop();
  execFileSync('python3', ['-c', `
import re, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
note = c.execute("SELECT note FROM vouchers WHERE id = ?", (sys.argv[2],)).fetchone()[0]
changed = re.sub(r'"paid_fen":(\\d+)', lambda m: '"paid_fen":%d' % (int(m.group(1)) + 100), note, count=1)
assert changed != note
c.execute("UPDATE vouchers SET note = ? WHERE id = ?", (changed, sys.argv[2]))
c.commit()
`, DB, id]);
  const { context, page } = await open(URL);
  const verdict = page.locator('#verdict');
  assert.equal(await verdict.getAttribute('data-verdict'), 'failed');
  assert.match(await verdict.innerText(), /未通过核验/);
  await page.screenshot({ path: join(SHOTS, 'voucher-failed.png'), fullPage: true });
  await context.close();
});
