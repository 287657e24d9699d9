// The special fund and what platforms pay, on the demo's own data, at 390 px and 1280 px in
// Chinese and English: the officer's /officer/fund shows the figures of `flexpension fund report
// --json` for the demo's pilot year (a city short, its subsidies queued) and its CSV; the demo
// platform sees this month's bill and downloads its tax statement as PDF and CSV. Every page passes
// axe-core and the language check and is photographed into docs/screens/. Run by consoles.sh,
// which sets BASE_URL, FUND_JSON and FUND_YEAR.

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
      assert.equal(await page.locator('#by-city-title ~ figure svg').count(), 1, 'the chart by month and city');
      await lookWhole(page, 'officer-fund', width, lang);
      const csv = await download(page, '#fund-csv');
      const lines = csv.toString('utf8').trim().split(/\r?\n/);
      assert.match(lines[0], /^year,month,city,workers,appropriated_fen,/);
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
  }
}

test('no serious accessibility violation and no word of the wrong language', () => {
  assert.deepEqual(problems, []);
});
