// The grid worker and the officer's alerts on the demo's own data. On a 390 px phone the grid
// worker opens their alerts, reveals a worker's number (a POST, recorded in the access log),
// records that the worker refused with the reason, and sees the alert move down with its
// outcome; the officer then finds the reveal in the region's access log and the alerts by grid
// and platform with their charts and CSV. Every page passes axe-core and the language check and
// is photographed at 390 and 1280 px in both languages. The platform sees its own rating with
// the notices and the workers behind it (masked IDs), appeals, and the officer answers.
// Run by consoles.sh (BASE_URL, SCREENS_DIR).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGS, WIDTHS, consoleSuite } from './console.mjs';

const BASE = process.env.BASE_URL;
const { problems, look, open } = consoleSuite();

const waiting = async (page) => Number((await page.textContent('#waiting')).replace(/[^0-9]/g, ''));

for (const lang of LANGS) {
  test(`a grid worker handles an alert on a 390 px phone (${lang})`, async () => {
    const { context, page, errors } = await open(390, lang, 'gridworker.demo', 'demo-grid-2025');
    assert.match(page.url(), /\/grid(\?|$)/);
    const before = await waiting(page);
    assert.ok(before > 0, 'the demo has alerts in the grid worker\'s grids');
    const card = page.locator('#alerts section.alert:not(.handled)').first();
    const id = (await card.getAttribute('id')).replace('alert-', '');
    const masked = (await page.textContent(`#phone-${id}`)).trim();
    assert.match(masked, /^\d{3}\*{4}\d{4}$/, 'the number starts masked');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling on a phone (${width} px)`);
    // Reveal: the full number, as a link to call.
    await Promise.all([page.waitForNavigation(), page.click(`#reveal-${id}`)]);
    const shown = (await page.textContent(`#phone-${id}`)).trim();
    assert.match(shown, /^1\d{10}$/, `revealed: ${shown}`);
    assert.equal(shown.slice(0, 3), masked.slice(0, 3));
    assert.equal(await page.getAttribute(`#phone-${id} a`, 'href'), `tel:${shown}`);
    await page.locator(`#alert-${id}`).scrollIntoViewIfNeeded();
    await look(page, 'grid-revealed', 390, lang);
    // Record the outcome: refused, with the reason.
    await page.click(`#alert-${id} details.record summary`);
    await page.check(`#alert-${id} input[value=refused]`);
    await page.fill(`#reason-${id}`, lang === 'zh' ? '已有商业保险' : 'has private cover');
    await Promise.all([page.waitForNavigation(), page.click(`#save-${id}`)]);
    assert.match(page.url(), /\/grid\?lang=/);
    assert.equal(await waiting(page), before - 1, 'one fewer waiting');
    const done = (await page.textContent(`#outcome-${id}`)).trim();
    assert.ok(done.includes(lang === 'zh' ? '不愿参保' : 'Refused') && done.includes(lang === 'zh' ? '已有商业保险' : 'has private cover'), done);
    assert.equal(await page.textContent(`#phone-${id}`).then((t) => /\*/.test(t)), true, 'masked again after the POST');
    assert.deepEqual(errors, []);
    await context.close();
  });

  for (const width of WIDTHS) {
    test(`grid worker's alerts ${lang} ${width}`, async () => {
      const { context, page, errors } = await open(width, lang, 'gridworker.demo', 'demo-grid-2025');
      assert.ok((await page.locator('#alerts section.alert').count()) > 0);
      await look(page, 'grid', width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test(`officer's alerts and access log ${lang} ${width}`, async () => {
      const { context, page, errors } = await open(width, lang, 'officer.demo', 'demo-officer-2025');
      await page.goto(`${BASE}/officer/alerts?lang=${lang}`);
      assert.ok((await page.locator('#by-grid tbody tr').count()) >= 12, 'every grid');
      assert.ok((await page.locator('#by-platform tbody tr').count()) >= 1);
      assert.ok((await page.locator('#conversion tbody tr').count()) >= 1);
      assert.equal(await page.locator('figure.trend svg').count(), 2, 'two charts');
      await look(page, 'officer-alerts', width, lang);
      const openCount = (await page.locator('#by-grid tbody tr td:nth-child(2)').allTextContents()).reduce((a, t) => a + Number(t), 0);
      const csv = await (await context.request.get(new URL(await page.getAttribute('#alerts-csv', 'href'), BASE).href)).text();
      assert.equal(csv.trim().split(/\r?\n/).length - 1, openCount, 'one CSV row per open alert');
      assert.ok(!/1\d{10}/.test(csv), 'no phone number in clear in the CSV');
      await Promise.all([page.waitForNavigation(), page.click('#to-access-log')]);
      const log = await page.textContent('#access-log');
      assert.ok(log.includes('gridworker.demo'), 'the grid worker\'s reveal is in the access log');
      await look(page, 'officer-access-log', width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}

for (const lang of LANGS) {
  for (const width of WIDTHS) {
    test(`platform's own rating ${lang} ${width}: notices, workers behind it, an appeal answered`, async () => {
      const { context, page, errors } = await open(width, lang, 'platform.demo', 'demo-platform-2025');
      await page.goto(`${BASE}/platform/credit?lang=${lang}`);
      assert.match(await page.textContent('#share'), /%$/);
      assert.ok((await page.locator('#notices li').count()) >= 2, 'the demo platform was told it fell under and was sanctioned');
      assert.ok((await page.locator('#rated-workers tbody tr').count()) >= 1);
      for (const id of await page.locator('#rated-workers tbody th small').allTextContents()) assert.match(id, /\*/, 'IDs masked');
      assert.equal(await page.locator('figure.trend svg').count(), 1);
      await look(page, 'platform-credit', width, lang);
      if (width === 390) {
        // File an appeal, then the officer answers it.
        await page.fill('#grounds', lang === 'zh' ? '部分骑手已在外省参保' : 'some riders are insured in another province');
        await Promise.all([page.waitForNavigation(), page.click('#file-appeal')]);
        assert.ok((await page.textContent('#appeal-list')).length > 0);
        const o = await open(width, lang, 'officer.demo', 'demo-officer-2025');
        await o.page.goto(`${BASE}/officer/appeals?lang=${lang}`);
        const card = o.page.locator('section.card:has(form)').first();
        await card.locator('input[value=rejected]').check();
        await card.locator('textarea').fill(lang === 'zh' ? '未提供参保证明' : 'no proof of insurance was given');
        await Promise.all([o.page.waitForNavigation(), card.locator('button[type=submit]').click()]);
        await look(o.page, 'officer-appeals', width, lang);
        await o.context.close();
        await page.reload();
        assert.ok((await page.textContent('#appeal-list')).includes(lang === 'zh' ? '申诉不成立' : 'Appeal rejected'));
      } else {
        const o = await open(width, lang, 'officer.demo', 'demo-officer-2025');
        await o.page.goto(`${BASE}/officer/appeals?lang=${lang}`);
        assert.ok((await o.page.locator('section.card').count()) >= 1, 'the appeal answered at 390 px');
        await look(o.page, 'officer-appeals', width, lang);
        await o.context.close();
      }
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}

test('no serious accessibility violation and no word of the wrong language', () => {
  assert.deepEqual(problems, []);
});
