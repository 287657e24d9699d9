// The analysts' page (/analyst) in a real browser (Debian's Chromium through playwright-core):
// set a bracket rate, run the simulation with the plain form, and read the tables and charts.
// Run by run.sh, which starts the server and sets BASE_URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, openPage, useBrowser } from './browser.mjs';

const BASE = process.env.BASE_URL;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const shared = useBrowser('run.sh');

async function open({ viewport = DESKTOP, javaScriptEnabled = true, locale = 'en' } = {}) {
  return openPage(shared.browser, { viewport, javaScriptEnabled, locale });
}

/** The exact figure of a totals cell, in fen. */
async function fen(page, id) {
  return Number(await page.getAttribute(`#${id}`, 'data-fen'));
}

/** Runs are one at a time on the server: if another run holds it (503), submit again. */
async function submit(page) {
  for (let i = 0; i < 60; i++) {
    const [response] = await Promise.all([page.waitForNavigation(), page.click('#sim button[type=submit]')]);
    if (response.status() !== 503) return response;
    await page.goBack();
    await page.waitForTimeout(500);
  }
  throw new Error('the server stayed busy');
}

test('en: set a bracket rate, run, and see the totals, the group tables and the chart', async () => {
  const { context, page, errors } = await open();
  await page.goto(`${BASE}/analyst?lang=en`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  // The defaults come from the parameter file.
  assert.equal(await page.inputValue('#workers'), '20000');
  assert.equal(await page.inputValue('#rates'), '0.12, 0.16, 0.20');
  assert.equal(await page.inputValue('#edges'), '3999.99, 6000');
  assert.ok(await page.isChecked('#policy-current'));
  assert.ok(await page.isChecked('#policy-paper'));

  await page.fill('#workers', '5000');
  await page.fill('#month', '2025-06');
  await page.fill('#rates', '0.10, 0.16, 0.20');
  const response = await submit(page);
  assert.equal(response.status(), 200);
  // A GET form: the results have an address.
  assert.match(page.url(), /[?&]rates=0\.10/);

  const totals = page.locator('table.totals');
  await totals.waitFor();
  const current = await fen(page, 'contribution-current');
  const paper = await fen(page, 'contribution-paper');
  assert.ok(current > 0 && paper > 0 && paper < current, `paper ${paper} should be below current ${current}`);
  assert.ok(await fen(page, 'subsidy-paper') > 0);
  assert.equal(await fen(page, 'subsidy-current'), 0);
  assert.match(await page.locator('#results').textContent(), /Variant in use/);
  assert.ok(await page.locator('#by-band tbody tr').count() >= 5, 'income bands');
  assert.ok(await page.locator('#by-job tbody tr').count() >= 5, 'job types');
  assert.equal(await page.locator('#results figure.chart svg').count(), 1, 'the burden chart');
  const command = await page.locator('#command').textContent();
  assert.match(command, /^flexpension simulate --population 5000 --seed 1 --month 2025-06 .*--set paper\.rate\.brackets=3999\.99:0\.10,6000:0\.16,:0\.20/);
  // The form keeps what was typed.
  assert.equal(await page.inputValue('#rates'), '0.10, 0.16, 0.20');
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(SHOTS, 'analyst-en.png'), fullPage: true });
  await context.close();
});

test('zh, no JavaScript, with a projection: both charts; a bad field is named', async () => {
  const { context, page, errors } = await open({ javaScriptEnabled: false, locale: 'zh-CN' });
  await page.goto(`${BASE}/analyst`);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.fill('#workers', '2000');
  await page.fill('#month', '2025-06');
  await page.fill('#years', '30');
  await page.fill('#subsidy', '0.5');
  let response = await submit(page);
  assert.equal(response.status(), 200);
  assert.equal(await page.locator('#results figure.chart svg').count(), 2, 'burden and replacement charts');
  assert.ok(await page.locator('table.projection tbody tr').count() === 2);
  assert.match(await page.locator('#command').textContent(), /--set paper\.subsidy\.share=0\.5 --years 30/);

  await page.fill('#subsidy', '0.9');
  response = await submit(page);
  assert.equal(response.status(), 422);
  const problem = page.locator('#problems li[data-field=subsidy]');
  assert.match(await problem.textContent(), /补贴比例/);
  assert.match(await problem.textContent(), /30%/);
  assert.equal(await page.getAttribute('#subsidy', 'aria-invalid'), 'true');
  assert.equal(await page.locator('#results').count(), 0);
  // The browser reports the 422 itself as a console error; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
  await page.screenshot({ path: join(SHOTS, 'analyst-zh-error.png'), fullPage: true });
  await context.close();
});

test('phone: the form fits and wide tables scroll inside their box', async () => {
  const { context, page, errors } = await open({ viewport: PHONE });
  await page.goto(`${BASE}/analyst?lang=en&workers=1000&month=2025-06`);
  await page.locator('table.totals').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `page is ${width}px wide on a ${PHONE.width}px screen`);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(SHOTS, 'analyst-phone.png'), fullPage: true });
  await context.close();
});
