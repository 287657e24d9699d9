// The special fund and what platforms pay, on the demo's own data, at 390 px and 1280 px in
// Chinese and English: the officer's /officer/fund shows the figures of `flexpension fund report
// --json` for the demo's pilot year (a city short, its subsidies queued), each city by its name,
// and its CSV; the demo platform sees this month's bill and downloads its tax statement as PDF
// and CSV; the second demo platform (under a contract, paying nothing) sees the reminder of its
// overdue bills at the top of /platform, its contracts and the filing form (a bad share named on
// the form); the officer sees the contract waiting for approval and the platforms in arrears on
// /officer/contracts, and at the end approves it. Every page passes axe-core and the language
// check and is photographed into docs/screens/. Run by consoles.sh, which sets BASE_URL,
// FUND_JSON and FUND_YEAR.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LANGS, WIDTHS, consoleSuite, looker, yuan } from './console.mjs';

const YEAR = process.env.FUND_YEAR;
const SCREENS = process.env.SCREENS_DIR;
const fund = JSON.parse(readFileSync(process.env.FUND_JSON, 'utf8'));
const { problems, look, open } = consoleSuite();
// The fund page whole; the platform's page where its bill and statements are.
const lookWhole = looker(problems, SCREENS, { fullPage: true });
const text = async (page, sel) => (await page.textContent(sel)).trim();

before(() => assert.ok(YEAR, 'FUND_YEAR is set by consoles.sh'));


/** The bytes of the download a click on `sel` starts. */
async function download(page, sel) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
  return readFileSync(await d.path());
}

for (const lang of LANGS) {
  for (const width of WIDTHS) {
    test(`officer ${lang} ${width}: the special fund of ${YEAR}, a city short, the CSV`, async () => {
      const { context, page, errors } = await open(width, lang, 'officer.demo', 'demo-officer-2025');
      await Promise.all([page.waitForNavigation(), page.click('#to-fund')]);
      assert.match(page.url(), /\/officer\/fund/);
      assert.equal(await page.inputValue('#year'), YEAR, 'opens on the latest budget year');
      assert.ok(fund.appropriated_fen > 0 && fund.queued_fen > 0, 'the demo funds the pilot and one city runs short');
      for (const k of ['appropriated', 'committed', 'paid', 'balance', 'queued']) {
        assert.equal(await text(page, `#fund-${k}`), yuan(fund[`${k}_fen`]), k);
      }
      for (const [city, f] of Object.entries(fund.cities)) {
        const row = page.locator(`#city-${city} td`);
        assert.equal((await row.nth(0).textContent()).trim(), yuan(f.appropriated_fen), `${city} appropriated`);
        assert.equal((await row.nth(3).textContent()).trim(), yuan(f.balance_fen), `${city} balance`);
      }
      assert.ok((await page.locator('#fund-shortfalls tbody tr').count()) >= 1, 'the months a city ran short');
      const hangzhou = lang === 'zh' ? '杭州市' : 'Hangzhou';
      assert.equal(await text(page, '#city-hz th .city-name'), hangzhou, 'a city by its name (GB/T 2260)');
      assert.equal(await page.locator('#by-city-title ~ figure svg').count(), 1, 'the chart by month and city');
      await lookWhole(page, 'officer-fund', width, lang);
      const csv = await download(page, '#fund-csv');
      const lines = csv.toString('utf8').trim().split(/\r?\n/);
      assert.match(lines[0], /^year,month,city,workers,appropriated_fen,.*,prorated_fen,city_name$/);
      assert.ok(lines.some((l) => l.startsWith(`${YEAR},,hz,`) && l.endsWith(`,${hangzhou}`)), 'the name, last');
      assert.equal(lines.length - 1, Object.keys(fund.cities).length + fund.months.length, 'a line per city and per month and city');
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`platform ${lang} ${width}: this month's bill, its tax statement as PDF and CSV`, async () => {
      const { context, page, errors } = await open(width, lang, 'platform.demo', 'demo-platform-2025');
      assert.match(page.url(), /\/platform(\?|$)/);
      assert.notEqual(await text(page, '#bill-contract'), '0.00', 'a share under its collective contract');
      assert.equal(await text(page, '#bill-paid'), await text(page, '#bill-total'), 'the demo platform paid its bill');
      await page.locator('#bill').scrollIntoViewIfNeeded();
      await look(page, 'platform-bill', width, lang);
      const pdf = await download(page, `#statement-pdf-${YEAR}`);
      assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF');
      const csv = (await download(page, `#statement-csv-${YEAR}`)).toString('utf8');
      assert.match(csv, /^year,platform,name,uscc,paid_fen,deduction_fen,tax_effect_fen,immediate_refund,notes\n/);
      assert.ok(Number(csv.split('\n')[1].split(',')[4]) > 0, 'the contract shares it paid');
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`platform in arrears ${lang} ${width}: the reminder first, its contracts, a bad share named`, async () => {
      const { context, page, errors } = await open(width, lang, 'platform2.demo', 'demo-platform-2025');
      assert.match(page.url(), /\/platform(\?|$)/);
      assert.ok(await page.isVisible('#arrears'), 'its bills are overdue: the reminder');
      const [reminder, figures] = await Promise.all([page.locator('#arrears').boundingBox(), page.locator('#totals').boundingBox()]);
      assert.ok(reminder.y < figures.y, 'the reminder comes first');
      assert.match(await text(page, '#arrears-total'), /\d{4}-\d{2}/, 'which months');
      assert.ok((await page.locator('#arrears-months li').count()) >= 1);
      assert.notEqual(await text(page, '#bill-topup'), '0.00', "its contract's minimum base: what raising its workers' base added");
      await look(page, 'platform-arrears', width, lang);
      await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/platform/contracts"]')]);
      assert.equal(await page.locator('#contracts tbody tr[data-state="approved"]').count(), 1, 'its approved contract');
      await page.fill('#union', '测试工会');
      await page.fill('#share', '130');
      await page.fill('#from', '2030-01');
      await Promise.all([page.waitForNavigation(), page.click('#file-submit')]);
      assert.equal(await page.locator('#problems li[data-field="share"]').count(), 1, 'the share is named');
      assert.equal(await page.getAttribute('#share', 'aria-invalid'), 'true');
      assert.equal(await page.inputValue('#union'), '测试工会', 'what was typed is kept');
      await lookWhole(page, 'platform-contracts', width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`officer ${lang} ${width}: a contract waiting for approval, the platforms in arrears`, async () => {
      const { context, page, errors } = await open(width, lang, 'officer.demo', 'demo-officer-2025');
      await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/officer/contracts"]')]);
      const waiting = page.locator('#contracts tbody tr[data-state="filed"]');
      assert.equal(await waiting.count(), 1, 'the third platform\'s contract waits');
      assert.equal(await page.locator('#contracts tbody tr').first().getAttribute('data-state'), 'filed', 'waiting first');
      assert.ok((await page.locator('#arrears tbody tr').count()) >= 1, 'the second platform is in arrears');
      assert.ok(Number(await text(page, '#arrears tbody tr:first-child td.late')) > 0, 'days overdue');
      await lookWhole(page, 'officer-contracts', width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}

test('the officer approves the waiting contract (备案)', async () => {
  const { context, page, errors } = await open(1280, 'zh', 'officer.demo', 'demo-officer-2025');
  await page.goto(`${process.env.BASE_URL}/officer/contracts?lang=zh`);
  const row = page.locator('#contracts tbody tr[data-state="filed"]');
  const id = await row.getAttribute('id');
  await Promise.all([page.waitForNavigation(), row.locator('button[value="approve"]').click()]);
  assert.equal(await page.locator(`#${id}`).getAttribute('data-state'), 'approved');
  assert.equal(await page.locator('#contracts tbody tr[data-state="filed"]').count(), 0, 'none left waiting');
  assert.deepEqual(errors, []);
  await context.close();
});

test('no serious accessibility violation and no word of the wrong language', () => {
  assert.deepEqual(problems, []);
});
