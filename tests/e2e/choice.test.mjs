// The worker's own choices on a 390 px phone: log in, open the choices page, join medical
// insurance, choose a higher base and see the pension estimate rise, declare occasional income,
// deposit into the savings account and pay the unpaid months from it. Run by choice.sh, which
// seeds the store, starts the server and sets BASE_URL and UNPAID_MONTH.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, openPage, useBrowser } from './browser.mjs';

const BASE = process.env.BASE_URL;
const UNPAID = process.env.UNPAID_MONTH;
const shared = useBrowser('choice.sh');

/** The pensions (yuan a month) in the estimate lines, in page order. */
async function pensions(page) {
  const lines = await page.$$eval('#base-form .estimate', (ps) => ps.map((p) => p.textContent));
  return lines.map((l) => Number((l.match(/养老金约([\d,]+\.\d\d)元/) || [])[1]?.replace(/,/g, '')));
}

test('a worker enrols, chooses a higher base and pays a month from savings', async () => {
  const { context, page, errors } = await openPage(shared.browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  await page.goto(`${BASE}/login`);
  await page.fill('#login', '13800000001');
  await page.fill('#password', 'e2e-password-1');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await Promise.all([page.waitForNavigation(), page.click('#choices-link')]);
  assert.match(page.url(), /\/me\/choices/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling at 390 px: ${width}`);
  assert.ok(!(await page.content()).includes('330106199001010018'), 'the ID in clear');

  // Join medical insurance on its own.
  await Promise.all([page.waitForNavigation(), page.click('#join-medical')]);
  assert.ok(await page.isVisible('#leave-medical'));
  // The residents' pension is refused while in the employee pension, and says why.
  await Promise.all([page.waitForNavigation(), page.click('#join-residents_pension')]);
  assert.ok((await page.textContent('#message')).includes('只能参加一种'));

  // A higher base: the estimate at the chosen base is higher than at the lower limit.
  const before = await pensions(page);
  assert.equal(before.length, 1, `one estimate before a choice: ${before}`);
  await page.fill('#base-yuan', '12000');
  await Promise.all([page.waitForNavigation(), page.click('#base-choose')]);
  const after = await pensions(page);
  assert.equal(after.length, 2, `${after}`);
  assert.ok(after[1] > after[0], `a higher base, a higher pension: ${after}`);
  assert.ok((await page.textContent('#base-form')).includes('12,000.00'));

  // Savings: declare, deposit, then pay the unpaid months from the account.
  await page.fill('#occasional-yuan', '60000');
  await Promise.all([page.waitForNavigation(), page.click('#declare')]);
  await page.fill('#deposit-yuan', '5000');
  await Promise.all([page.waitForNavigation(), page.click('#deposit')]);
  assert.ok((await page.textContent('#savings-text')).includes('5,000.00'));
  await Promise.all([page.waitForNavigation(), page.click(`#use-${UNPAID}`)]);
  assert.ok((await page.textContent('#arrears')).includes('没有欠缴的月份'));
  assert.ok(await page.isVisible('#savings-history'));
  await page.screenshot({ path: join(SHOTS, 'choices-zh.png'), fullPage: true });
  // The refusal above logged a 422 in the console; nothing else may.
  assert.ok(errors.every((e) => e.includes('422')), JSON.stringify(errors));
  await context.close();
});
