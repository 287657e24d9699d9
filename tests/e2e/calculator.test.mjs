// The worker's calculator page in a real browser (Debian's Chromium through playwright-core),
// on a phone-sized screen: with JavaScript (htmx) and without, in Chinese and in English.
// Run by run.sh, which starts the server and sets BASE_URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, openPage, useBrowser } from './browser.mjs';

const BASE = process.env.BASE_URL;
const PHONE = { width: 390, height: 844 };

const shared = useBrowser('run.sh');

async function phone({ javaScriptEnabled = true, locale = 'zh-CN' } = {}) {
  return openPage(shared.browser, { viewport: PHONE, deviceScaleFactor: 2, javaScriptEnabled, locale });
}

/** "¥1,234.50" -> 1234.5 */
function money(text) {
  return Number(text.replace(/[^0-9.]/g, ''));
}

/** The "you pay yourself" row: [today's rule, the paper's proposal]. */
async function netRow(page) {
  return page.locator('table.compare:not(.months-table) tr.net td').allTextContents();
}

/** Nothing wider than the phone: no sideways scrolling. */
async function assertFits(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `page is ${width}px wide on a ${PHONE.width}px screen`);
}

async function fillAndSubmit(page) {
  await page.fill('#income', '3800');
  await page.fill('#month', '2025-03');
  await page.click('button[type=submit]');
}

test('zh: enter 3800 for 2025-03 and see today\'s bill and the paper\'s lower one', async () => {
  const { context, page, errors } = await phone();
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await fillAndSubmit(page);
  // htmx swaps the results in; wait for the figure rather than for a navigation.
  await page.locator('#results td.net').first().waitFor();
  const [current, paper] = await netRow(page);
  assert.match(current, /997\.20/);
  assert.ok(money(paper) < money(current), `paper ${paper} should be lower than current ${current}`);
  assert.match(paper, /358\.99/);
  const contribution = await page.locator('#results td.contribution').first().textContent();
  assert.match(contribution, /997\.20/);
  assert.match(await page.locator('#results').textContent(), /高于论文的 10%/);
  assert.equal(await page.locator('#results svg[role=img]').count(), 1, 'the pension chart');
  // The address keeps the inputs, so the page can be reloaded or shared.
  assert.match(page.url(), /income=3800/);
  await assertFits(page);
  await page.screenshot({ path: join(SHOTS, 'zh.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('zh: Chinese text is drawn with a real CJK font, not boxes', async () => {
  const { context, page } = await phone();
  await page.goto(`${BASE}/?income=3800&month=2025-03`);
  // As the page asks: the CSS names the font and the browser has it.
  assert.equal(await page.evaluate(() => document.fonts.check('16px "Noto Sans CJK SC"')), true);
  // What Chromium really drew the heading with, glyph by glyph.
  const cdp = await context.newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '.top h1' });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  const heading = await page.locator('.top h1').textContent();
  const cjk = fonts.filter((f) => /CJK|Han Sans|Hei|Song|Ming|Gothic/i.test(f.familyName));
  assert.ok(cjk.length > 0, `heading drawn with ${JSON.stringify(fonts)}`);
  const glyphs = fonts.reduce((n, f) => n + f.glyphCount, 0);
  assert.equal(glyphs, [...heading].length, 'every character of the heading has a glyph');
  // And a check that needs no DevTools: missing glyphs all draw as the same empty box, real
  // glyphs differ from each other and from that box.
  const drawn = await page.evaluate(() => {
    const draw = (ch) => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 48;
      const c = canvas.getContext('2d');
      c.font = '40px "Noto Sans CJK SC"';
      c.fillText(ch, 4, 40);
      return Array.from(c.getImageData(0, 0, 48, 48).data).join(',');
    };
    const [a, b, box] = [draw('养'), draw('老'), draw('\u{E000}')];
    return { inked: /[1-9]/.test(a), differ: a !== b, notBox: a !== box && b !== box };
  });
  assert.deepEqual(drawn, { inked: true, differ: true, notBox: true });
  await context.close();
});

test('en: the same figures in English, switched with the visible link', async () => {
  const { context, page } = await phone({ locale: 'en-US' });
  // An English browser gets English at once (Accept-Language); start from Chinese to use the switch.
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.goto(`${BASE}/?lang=zh`);
  await page.click('#lang-switch');
  await page.waitForURL(/lang=en/);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await fillAndSubmit(page);
  await page.locator('#results td.net').first().waitFor();
  const [current, paper] = await netRow(page);
  assert.match(current, /997\.20/);
  assert.ok(money(paper) < money(current));
  const text = await page.locator('#results').textContent();
  assert.match(text, /Today's rule/);
  assert.match(text, /You pay yourself/);
  assert.match(text, /Contribution: 4986\.00 × 20% = 997\.20 yuan/);
  await assertFits(page);
  await page.screenshot({ path: join(SHOTS, 'en.png'), fullPage: true });
  // The switch keeps the inputs: back to Chinese with the same results.
  await page.click('#lang-switch');
  await page.waitForURL(/lang=zh/);
  assert.match((await netRow(page))[0], /997\.20/);
  await context.close();
});

test('no JavaScript: the plain form still works', async () => {
  const { context, page } = await phone({ javaScriptEnabled: false });
  await page.goto(`${BASE}/`);
  await fillAndSubmit(page);
  await page.waitForURL(/income=3800/);
  const [current, paper] = await netRow(page);
  assert.match(current, /997\.20/);
  assert.ok(money(paper) < money(current));
  await assertFits(page);
  await page.screenshot({ path: join(SHOTS, 'zh-nojs.png'), fullPage: true });
  await context.close();
});

test('live update: results follow the typing, several months included', async () => {
  const { context, page, errors } = await phone();
  await page.goto(`${BASE}/?month=2025-03`);
  await page.fill('#income', '3800');
  await page.locator('#results td.net').first().waitFor();
  assert.match((await netRow(page))[0], /997\.20/);
  await page.click('details.options summary');
  await page.fill('#incomes', '3800, 5200 2600');
  await page.locator('#results .months-table').waitFor();
  const months = await page.locator('#results .months-table tbody tr').count();
  assert.equal(months, 4, 'three months and the total');
  await assertFits(page);
  await page.screenshot({ path: join(SHOTS, 'zh-months.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
