// Complaints as their users see them, on the demo's data. A worker on a 390 px phone files a
// complaint with a photo and sees it delivered; the worker's list and one complaint, and the
// inspectors' queue (the breached one first), at 390 px and 1280 px in Chinese and English,
// pass axe-core and the language check and are photographed into docs/screens/. Run by
// consoles.sh, which builds the demo store, serves it and sets BASE_URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGS, WIDTHS, consoleSuite } from './console.mjs';

const BASE = process.env.BASE_URL;
// The smallest JPEG header the server's content check accepts as a photo.
const PHOTO = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
const { problems, look, open } = consoleSuite({ overflow: true, fullPage: true });

test('a worker files a complaint with a photo on a 390 px phone and sees it delivered', async () => {
  const { context, page, errors } = await open(390, 'zh', 'worker.demo', 'demo-worker-2025');
  await page.click('#rights-link');
  assert.match(page.url(), /\/me\/complaints/);
  const before = await page.locator('#complaints li').count();
  await page.selectOption('#kind', 'unpaid_orders');
  await page.locator('input[name=months]').first().check();
  await page.fill('#text', '上个月有三单没结算');
  await page.setInputFiles('#files', { name: '截图.jpg', mimeType: 'image/jpeg', buffer: PHOTO });
  await Promise.all([page.waitForNavigation(), page.click('#complaint-submit')]);
  assert.match(page.url(), /\/me\/complaints\/\d+/);
  assert.equal(await page.getAttribute('#complaint-state', 'data-state'), 'delivered');
  assert.equal((await page.textContent('#complaint-state')).trim(), '已送达');
  assert.ok((await page.textContent('#complaint-files')).includes('截图.jpg'));
  await page.click('text=返回我的投诉');
  assert.equal(await page.locator('#complaints li').count(), before + 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a renamed file is refused in plain words', async () => {
  const { context, page } = await open(390, 'en', 'worker.demo', 'demo-worker-2025');
  await page.goto(`${BASE}/me/complaints?lang=en`);
  await page.locator('input[name=months]').first().check();
  await page.setInputFiles('#files', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('MZ not a picture') });
  await Promise.all([page.waitForNavigation(), page.click('#complaint-submit')]);
  assert.match(await page.textContent('#complaint-error'), /not what its name says/);
  await context.close();
});

for (const lang of LANGS) {
  for (const width of WIDTHS) {
    test(`complaint pages ${lang} ${width}`, async () => {
      const w = await open(width, lang, 'worker.demo', 'demo-worker-2025');
      await w.page.goto(`${BASE}/me/complaints?lang=${lang}`);
      assert.ok((await w.page.locator('#complaints li').count()) >= 4);
      await look(w.page, 'complaints', width, lang);
      // The breached one: the worker is told it went to labour inspection.
      await w.page.goto(`${BASE}/me/complaints/1?lang=${lang}`);
      assert.ok(await w.page.isVisible('#complaint-breached'));
      await look(w.page, 'complaint', width, lang);
      await w.context.close();

      const o = await open(width, lang, 'inspector.demo', 'demo-inspector-2025');
      await o.page.goto(`${BASE}/inspection/complaints?lang=${lang}`);
      const first = o.page.locator('#complaint-queue tbody tr').first();
      assert.equal(await first.getAttribute('data-complaint'), '1', 'the breached complaint first');
      assert.equal(await first.getAttribute('class'), 'overdue');
      await look(o.page, 'complaint-queue', width, lang);
      await o.context.close();
    });
  }
}

test('no accessibility or language problems', () => {
  assert.deepEqual(problems, []);
});
