// The union on the demo's data, as the worker sees it on the phone: the demo worker is a member
// with one request answered and one taken on; a worker asks for counselling from a 390 px phone
// and sees it sent. The page at 390 px and 1280 px in Chinese and English passes axe-core and
// the language check and is photographed into docs/screens/. Run by consoles.sh.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGS, WIDTHS, consoleSuite } from './console.mjs';

const BASE = process.env.BASE_URL;
const { problems, look, open } = consoleSuite({ overflow: true, fullPage: true });

test('a member asks the union for help on a 390 px phone and sees it sent', async () => {
  const { context, page } = await open(390, 'zh', 'worker.demo', 'demo-worker-2025');
  await page.goto(`${BASE}/me?lang=zh`);
  await page.click('#union-link');
  assert.match(page.url(), /\/me\/union/);
  assert.equal(await page.getAttribute('#union-state', 'data-member'), 'yes');
  const before = await page.locator('#union-requests li').count();
  await page.selectOption('#service', 'counselling');
  await page.fill('#text', '最近跑单压力很大，想找人聊聊。');
  await Promise.all([page.waitForNavigation(), page.click('#union-submit')]);
  assert.match(await page.textContent('#message'), /申请已送到工会/);
  assert.equal(await page.locator('#union-requests li').count(), before + 1);
  assert.equal(await page.locator('#union-requests li').first().locator('.state').getAttribute('data-state'), 'requested');
  // Withdrawn again, so the pages below show the demo as built.
  await Promise.all([page.waitForNavigation(), page.locator('#union-requests li').first().locator('button').click()]);
  assert.match(await page.textContent('#message'), /申请已撤回/);
  await context.close();
});

for (const lang of LANGS) {
  for (const width of WIDTHS) {
    test(`union page ${lang} ${width}`, async () => {
      const w = await open(width, lang, 'worker.demo', 'demo-worker-2025');
      await w.page.goto(`${BASE}/me/union?lang=${lang}`);
      assert.ok(await w.page.isVisible('#union-ask'));
      assert.ok((await w.page.locator('#union-requests [data-state="done"]').count()) >= 1, 'the answered request');
      await look(w.page, 'union', width, lang);
      await w.context.close();
    });
  }
}

test('no accessibility or language problems', () => {
  assert.deepEqual(problems, []);
});
