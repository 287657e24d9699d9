// The people pages in a real browser on a phone-sized screen: a worker logs in and sees the
// months and the balance; a platform logs in and sees only its own workers. Run by people.sh,
// which seeds the store, starts the server and sets BASE_URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, openPage, useBrowser } from './browser.mjs';

const BASE = process.env.BASE_URL;
const shared = useBrowser('people.sh');

async function logIn(login, password) {
  const { context, page, errors } = await openPage(shared.browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  await page.goto(`${BASE}/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return { context, page, errors };
}

test('a worker sees the months and the balance', async () => {
  const { context, page, errors } = await logIn('13800000001', 'e2e-password-1');
  assert.match(page.url(), /\/me$/);
  const body = await page.textContent('main');
  assert.ok(body.includes('工人甲'), body);
  assert.ok(!body.includes('工人乙'), 'another worker shows');
  assert.ok(!body.includes('330106199001010018'), 'the ID in clear');
  assert.ok((await page.textContent('#months')).includes('2025-09'));
  assert.ok((await page.textContent('#months')).includes('4,200.50'));
  assert.ok(await page.isVisible('#balance'), 'the balance shows once the month is closed');
  assert.ok(await page.isVisible('#years'));
  const calc = await page.getAttribute('#calc-link', 'href');
  assert.ok(calc.includes('incomes=4200.50'), calc);
  await page.screenshot({ path: join(SHOTS, 'me-zh.png'), fullPage: true });
  assert.deepEqual(errors, []);
  // Log out: the page is gone (the browser logs the 401 itself).
  await Promise.all([page.waitForNavigation(), page.click('form.logout button')]);
  const r = await page.goto(`${BASE}/me`);
  assert.equal(r.status(), 401);
  await context.close();
});

test('a platform sees only its own workers', async () => {
  const { context, page, errors } = await logIn('staff.p', 'e2e-password-2');
  assert.match(page.url(), /\/platform$/);
  await page.fill('#month', '2025-09');
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  const rows = await page.textContent('#rows');
  assert.ok(rows.includes('工人甲'), rows);
  assert.ok(!rows.includes('工人乙'), 'a worker of another platform shows');
  assert.ok(rows.includes('3301**********0018'), rows);
  assert.ok(!(await page.content()).includes('330106199001010018'), 'the ID in clear');
  assert.ok((await page.textContent('#totals')).includes('4,200.50'));
  await page.screenshot({ path: join(SHOTS, 'platform-zh.png'), fullPage: true });
  assert.deepEqual(errors, []);
  // A worker page is not for a platform (the browser logs the 403 itself).
  const r = await page.goto(`${BASE}/me`);
  assert.equal(r.status(), 403);
  await context.close();
});
