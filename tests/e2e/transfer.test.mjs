// A worker moves their insurance on a 390 px phone: log in at the receiving region (Anhui),
// choose the region left on /me, type the ID number, see what will move, confirm, and watch the
// tracker until it says the months moved. Run by transfer.sh, which seeds both stores, starts both servers and sets
// BASE_URL (Anhui), ID_NUMBER, MONTHS and SCREENS_DIR.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { openPage, useBrowser } from './browser.mjs';

const BASE = process.env.BASE_URL;
const shared = useBrowser('transfer.sh');

async function shoot(page, name) {
  if (process.env.SCREENS_DIR) await page.screenshot({ path: join(process.env.SCREENS_DIR, `${name}.png`), fullPage: true });
}

test('a worker applies to move here and sees the transfer complete', async () => {
  const { context, page, errors } = await openPage(shared.browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  await page.goto(`${BASE}/login`);
  await page.fill('#login', '13800000001');
  await page.fill('#password', 'e2e-password-1');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.match(page.url(), /\/me/);
  assert.ok(await page.isVisible('#transfer-form'), 'the button to move here');
  assert.equal(await page.inputValue('#transfer-from'), 'zj', 'the region left, the only peer');
  await shoot(page, 'transfer-apply-zh-390');

  // The preview in English at 1280 px, left without confirming.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${BASE}/me?lang=en`);
  await page.fill('#transfer-id', process.env.ID_NUMBER);
  await Promise.all([page.waitForNavigation(), page.click('#transfer-see')]);
  assert.match(await page.textContent('#preview-title'), /Moving from/);
  await page.click('#preview-how summary');
  assert.match(await page.textContent('#preview-how'), /Article 4/);
  await shoot(page, 'transfer-preview-en-1280');
  await Promise.all([page.waitForNavigation(), page.click('#preview-back')]);
  assert.equal(await page.locator('#transfers').count(), 0, 'back: nothing applied for');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/me?lang=zh`);

  // A wrong ID number is refused in the form itself, the field marked; nothing is applied for.
  await page.fill('#transfer-id', '110101199003078515');
  await Promise.all([page.waitForNavigation(), page.click('#transfer-see')]);
  assert.ok(await page.isVisible('#transfer-form'), 'still the form: nothing applied for');
  assert.match(await page.textContent('#transfer-problem'), /不是你登记的号码/);
  assert.equal(await page.getAttribute('#transfer-id', 'aria-invalid'), 'true');
  assert.equal(await page.locator('#transfers').count(), 0, 'no transfer');

  // "See what will move": the region left answers with the amounts and how they were found.
  await page.fill('#transfer-id', process.env.ID_NUMBER);
  await Promise.all([page.waitForNavigation(), page.click('#transfer-see')]);
  assert.match(await page.textContent('#preview-months'), new RegExp(`^\\s*${process.env.MONTHS}\\b`));
  assert.match(await page.textContent('#preview-pool'), /\d/);
  assert.ok(!(await page.content()).includes(process.env.ID_NUMBER), 'the confirm form holds the ID sealed');
  await page.click('#preview-how summary');
  assert.match(await page.textContent('#preview-how'), /国办发〔2009〕66号/);
  assert.equal(await page.locator('#transfers').count(), 0, 'nothing applied for yet');
  const pw = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(pw <= 390, `no sideways scrolling at 390 px: ${pw}`);
  await shoot(page, 'transfer-preview-zh-390');
  await Promise.all([page.waitForNavigation(), page.click('#transfer-apply')]);
  assert.ok(await page.isVisible('#transfers'), 'the tracker');
  assert.ok(!(await page.isVisible('#transfer-form')), 'no second button while one is open');
  assert.ok(!(await page.content()).includes(process.env.ID_NUMBER), 'the ID never in clear');

  // The agencies do the rest: the tracker says the months moved.
  let moved = '';
  for (let i = 0; i < 60 && !moved; i++) {
    await page.waitForTimeout(500);
    await page.reload();
    moved = (await page.locator('#transfers .moved').count()) ? await page.textContent('#transfers .moved') : '';
  }
  assert.match(moved, new RegExp(`已转入 ${process.env.MONTHS} 个月`), `the tracker: ${await page.textContent('#transfers')}`);
  assert.equal(await page.locator('#transfers li.waiting').count(), 0, 'every step done');
  // Article 6 on the result: the hukou is in Anhui and the insurance is here now.
  assert.match(await page.textContent('#benefit-place'), /安徽省[\s\S]*第1项/);
  // The transfer voucher, drawn from the signed voucher the region left sent.
  const href = await page.getAttribute('#transfers a.voucher-pdf', 'href');
  const pdf = await page.request.get(`${BASE}${href}`);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 4).toString('latin1'), '%PDF');
  // Nothing paid here yet: the top of the page counts the months moved in, and the voucher
  // printed now covers them, with Zhejiang's signed transfer voucher attached and checked.
  assert.match(await page.textContent('#moved-in'), new RegExp(`已转入${process.env.MONTHS}个月`));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#voucher-issue')]);
  const saved = join(process.env.SCRATCH, 'moved-voucher.pdf');
  await download.saveAs(saved);
  const verified = execFileSync(process.env.FLEXPENSION_BIN, ['verify', saved, '--log-key', process.env.AH_LOG_KEY], { encoding: 'utf8' });
  assert.match(verified, new RegExp(`${process.env.MONTHS} months signed by zj`));
  assert.match(verified, /exactly what the signed voucher draws/);
  await page.goto(`${BASE}/me?lang=zh`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling at 390 px: ${width}`);
  await page.locator('#transfers').scrollIntoViewIfNeeded();
  await shoot(page, 'transfer-done-zh-390');

  // The same page in English at 1280 px.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${BASE}/me?lang=en`);
  assert.match(await page.textContent('#transfers .moved'), new RegExp(`${process.env.MONTHS} months of contributions`));
  await page.locator('#transfers').scrollIntoViewIfNeeded();
  await shoot(page, 'transfer-done-en-1280');
  // The refused ID answered 422 once; nothing else may have logged an error.
  assert.ok(errors.every((e) => e.includes('422')), `${errors}`);
  await context.close();
});

for (const [width, lang] of [[390, 'zh'], [1280, 'en']]) {
  test(`the officer's queue of transfers ${lang} ${width}: the completed one listed`, async () => {
    const { context, page, errors } = await openPage(shared.browser, { viewport: { width, height: 900 }, deviceScaleFactor: 2, locale: lang === 'zh' ? 'zh-CN' : 'en-GB' });
    await page.goto(`${BASE}/login?lang=${lang}`);
    await page.fill('#login', 'officer.ah');
    await page.fill('#password', 'e2e-password-2');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/officer/transfers"]')]);
    assert.equal(await page.locator('#transfers tbody tr[data-state="completed"]').count(), 1, 'the completed transfer');
    assert.equal(await page.locator('#transfers form').count(), 0, 'nothing left to refuse');
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= width, `no sideways scrolling at ${width} px: ${scroll}`);
    await shoot(page, `officer-transfers-${lang}-${width}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
