// The three consoles on the demo's own data, as their users see them: at 390 px and 1280 px,
// in Chinese and English. The officer's first screen shows the figures of `flexpension report
// month --json` for the same month; a search finds a worker by name; the CSV export holds
// exactly the rows the page counts; the platform and the rider see their own month. Every page
// passes axe-core (no serious or critical violation) and the language check, and is
// photographed into docs/screens/. Run by consoles.sh, which builds the demo store, serves it
// and sets BASE_URL, REPORT_JSON and REPORT_MONTH.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LANGS, WIDTHS, consoleSuite, yuan } from './console.mjs';

const BASE = process.env.BASE_URL;
const MONTH = process.env.REPORT_MONTH;
const SCREENS = process.env.SCREENS_DIR;
const report = JSON.parse(readFileSync(process.env.REPORT_JSON, 'utf8'));
const { problems, look, open, shared } = consoleSuite();

before(() => assert.ok(MONTH, 'REPORT_MONTH is set by consoles.sh'));

const count = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');



const text = async (page, sel) => (await page.textContent(sel)).trim();

for (const lang of LANGS) {
  for (const width of WIDTHS) {
    test(`officer ${lang} ${width}: the month report's figures, search, export, a worker`, async () => {
      const { context, page, errors } = await open(width, lang, 'officer.demo', 'demo-officer-2025');
      assert.match(page.url(), /\/officer(\?|$)/);
      assert.ok((await text(page, 'h1')).includes(lang === 'zh' ? '浙江' : 'Zhejiang'), 'the region by name');
      assert.equal(await page.inputValue('#month'), MONTH, 'opens on the latest month with data');
      assert.ok(report.workers > 0 && report.contribution_fen > 0);
      assert.equal(await text(page, '#fig-billed'), count(report.workers));
      assert.equal(await text(page, '#fig-due'), yuan(report.contribution_fen));
      assert.equal(await text(page, '#fig-paid'), yuan(report.paid_fen));
      assert.equal(await text(page, '#fig-arrears'), yuan(report.arrears_fen));
      assert.equal(await text(page, '#fig-subsidy'), yuan(report.subsidy_fen));
      assert.notEqual(await text(page, '#fig-premiums'), '0.00');
      assert.ok((await page.getAttribute('#fig-billed-label', 'title')).length > 10, 'the definition on hover');
      assert.equal(await page.locator('#figures svg').count(), 7, 'a trend per figure');
      await look(page, 'officer', width, lang);

      await Promise.all([page.waitForNavigation(), page.click('#to-workers')]);
      const total = Number((await text(page, '#found')).replace(/[^0-9]/g, ''));
      assert.ok(total >= report.workers, `${total} registered, ${report.workers} billed`);
      assert.ok((await page.locator('#rows tbody tr').count()) <= 50, 'one page at a time');
      await look(page, 'officer-workers', width, lang);
      // Search by a name from the list.
      const name = (await page.locator('#rows tbody tr th a').first().textContent()).trim();
      await page.fill('#q', name);
      await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
      const found = await page.locator('#rows tbody tr th a').allTextContents();
      assert.ok(found.length >= 1 && found.every((n) => n.includes(name)), `${name}: ${found}`);
      // The export holds exactly the rows the page counts, with this page's rows.
      await page.selectOption('#status', 'in_arrears');
      await page.fill('#q', '');
      await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
      const n = Number((await text(page, '#found')).replace(/[^0-9]/g, ''));
      const csv = await (await context.request.get(new URL(await page.getAttribute('#csv', 'href'), BASE).href)).text();
      const lines = csv.trim().split(/\r?\n/);
      assert.equal(lines.length - 1, n, 'one CSV row per worker found');
      for (const shown of await page.locator('#rows tbody tr th a').allTextContents()) {
        assert.ok(csv.includes(shown.trim()), `${shown} is in the CSV`);
      }
      // One worker's page.
      await Promise.all([page.waitForNavigation(), page.locator('#rows tbody tr th a').first().click()]);
      assert.ok(await page.isVisible('#voucher-behalf'));
      assert.ok((await page.locator('#access-log li').count()) >= 1, 'the view is in the access log');
      await look(page, 'officer-worker', width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`officer ${lang} ${width}: who is likely to join, and why`, async () => {
      const { context, page, errors } = await open(width, lang, 'officer.demo', 'demo-officer-2025');
      await page.goto(`${BASE}/officer/outreach?lang=${lang}`);
      assert.ok((await text(page, '#auc-note')).match(/\d+/), 'the model says how good it is');
      assert.equal(await page.locator('#calibration, figure svg').count() >= 1, true, 'predicted against actual');
      assert.ok((await page.locator('#mix tbody tr').count()) >= 1, 'the schemes that fit');
      const rows = page.locator('#targets tbody tr');
      assert.ok((await rows.count()) >= 1 && (await rows.count()) <= 50, 'targets, one page');
      assert.equal(await page.locator('#targets tbody tr:first-child ul.reasons li').count(), 3, 'three reasons');
      assert.match(await text(page, '#targets tbody tr:first-child th small'), /\*/, 'contact masked');
      const chances = (await page.locator('#targets tbody tr td:nth-child(3)').allTextContents()).map((t) => Number(t.replace('%', '')));
      assert.deepEqual([...chances].sort((a, b) => b - a), chances, 'most likely first');
      await look(page, 'officer-outreach', width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`platform ${lang} ${width}: its latest month, workers by standing, search, export`, async () => {
      const { context, page, errors } = await open(width, lang, 'platform.demo', 'demo-platform-2025');
      assert.match(page.url(), /\/platform(\?|$)/);
      assert.equal(await page.inputValue('#month'), MONTH);
      const workers = Number((await text(page, '#fig-workers')).replace(/[^0-9]/g, ''));
      assert.ok(workers > 0);
      assert.notEqual(await text(page, '#premium'), '0.00');
      assert.notEqual(await text(page, '#fig-income'), '0.00');
      await look(page, 'platform', width, lang);
      const csv = await (await context.request.get(new URL(await page.getAttribute('#csv', 'href'), BASE).href)).text();
      assert.equal(csv.trim().split(/\r?\n/).length - 1, workers, 'the export holds every worker of the month');
      const name = (await page.locator('#rows tbody tr th').first().textContent()).trim().split(/\s/)[0];
      await page.fill('#q', name.slice(0, 2));
      await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
      assert.ok((await page.locator('#rows tbody tr').count()) >= 1);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`rider ${lang} ${width}: the summary card first, months one line each`, async () => {
      const { context, page, errors } = await open(width, lang, 'worker.demo', 'demo-worker-2025');
      assert.match(page.url(), /\/me(\?|$)/);
      assert.notEqual(await text(page, '#pay'), '');
      assert.ok((await page.textContent('#account')).includes(MONTH), 'this month is the latest closed');
      assert.ok(await page.isVisible('#voucher-issue'), 'the voucher is the main action');
      const box = await page.locator('#voucher-issue').boundingBox();
      assert.ok(box.y < (width < 700 ? 844 : 800), 'the voucher button is on the first screen');
      assert.equal(await page.locator('#months details[open]').count(), 0, 'months start folded');
      assert.ok((await page.locator('#months details').count()) >= 12);
      await look(page, 'me', width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`public pages ${lang} ${width}`, async () => {
      const context = await shared.browser.newContext({ viewport: { width, height: width < 700 ? 844 : 800 }, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${BASE}/?lang=${lang}`);
      await look(page, 'calculator', width, lang);
      assert.ok(await page.isVisible('#login-link'), 'a way to log in');
      await page.fill('#income', '4200');
      await page.click('#calc button[type=submit]');
      await page.locator('#bill-today td.net').waitFor();
      assert.equal(await page.locator('#paper[open]').count(), 0, 'the proposal waits behind its toggle');
      await look(page, 'calculator-result', width, lang);
      await page.goto(`${BASE}/analyst?lang=${lang}`);
      await look(page, 'analyst', width, lang);
      await page.goto(`${BASE}/login`);
      assert.equal(await page.getAttribute('html', 'lang'), lang === 'zh' ? 'zh-CN' : 'en', 'the language is remembered');
      await look(page, 'login', width, lang);
      const r = await page.goto(`${BASE}/officer`);
      assert.equal(r.status(), 401);
      await look(page, 'refused', width, lang);
      // What the QR code of a voucher opens, before its printed check code is typed in.
      await page.goto(`${BASE}/verify/voucher/ZJ-2026-000001-7F3A?lang=${lang}`);
      assert.ok(await page.isVisible('input[name=code]'), 'the page asks for the check code');
      await look(page, 'verify', width, lang);
      // The platforms' credit, as the demo rated them: a row for each platform, graded.
      await page.goto(`${BASE}/credit?lang=${lang}`);
      assert.ok((await page.locator('#ratings tbody tr').count()) >= 3, 'every platform rated');
      assert.match(await text(page, '#ratings tbody tr td.grade'), /^[ABCD—]$/);
      await look(page, 'credit', width, lang);
      await context.close();
    });
  }
}

test('no serious accessibility violation and no word of the wrong language', () => {
  assert.deepEqual(problems, []);
});
