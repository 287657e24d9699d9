// The worker's inbox of outreach notices and the awareness quiz, on the demo's data: at 390 px
// and 1280 px in Chinese and English they pass axe-core and the language check and are
// photographed (the inbox, the quiz); then a worker on a 390 px phone reads a notice and takes
// the quiz, and the officer's outreach page shows the awareness rate and the uplift. Run by
// consoles.sh, which builds the demo store, serves it and sets BASE_URL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, launchChromium } from './browser.mjs';
import { axeViolations, wrongLanguage } from './checks.mjs';
import { signIn } from './console.mjs';

const BASE = process.env.BASE_URL;
const SCREENS = process.env.SCREENS_DIR;
const READER = ['newcomer.demo', 'demo-newcomer-2025'];
let browser;
const problems = [];

before(async () => {
  assert.ok(BASE, 'BASE_URL is set by consoles.sh');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  assert.deepEqual(problems, []);
});

const open = (width, lang, login, password) => signIn(browser, BASE, width, lang, login, password);

/** Accessibility, language, and screenshots of the inbox and the quiz. */
async function look(page, width, lang) {
  const what = `inbox ${lang} ${width}`;
  problems.push(...(await axeViolations(page, what)));
  const wrong = await wrongLanguage(page, lang);
  if (wrong.length) problems.push(`${what}: words of the wrong language: ${wrong.slice(0, 12).join(' ')}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  if (wide) problems.push(`${what}: the page is wider than the screen`);
  for (const dir of [SHOTS, SCREENS].filter(Boolean)) {
    await page.locator('#inbox').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(dir, `inbox-${lang}-${width}.png`) });
    await page.locator('#quiz-form').screenshot({ path: join(dir, `quiz-${lang}-${width}.png`) });
  }
}

for (const lang of ['zh', 'en']) {
  for (const width of [390, 1280]) {
    test(`inbox ${lang} ${width}: the notice in plain words, the quiz`, async () => {
      const { context, page, errors } = await open(width, lang, ...READER);
      await page.goto(`${BASE}/me?lang=${lang}`);
      const notices = page.locator('#notices .notice');
      assert.ok((await notices.count()) >= 1, 'a notice is due');
      const first = (await notices.first().locator('.notice-text').textContent()).trim();
      assert.match(first, lang === 'zh' ? /[元月]/ : /\w+ \w+/, first);
      assert.ok(!/\{\w+\}/.test(first), `a figure left unfilled: ${first}`);
      assert.equal(await page.locator('#quiz-form fieldset').count(), 5, 'five questions');
      await look(page, width, lang);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}

test('a worker reads a notice and takes the quiz on a 390 px phone', async () => {
  const { context, page, errors } = await open(390, 'zh', ...READER);
  await page.goto(`${BASE}/me?lang=zh`);
  const unread = await page.locator('#notices .notice.unread').count();
  assert.ok(unread >= 1, 'an unread notice');
  // Reading the page marked nothing: the notice is still unread after a reload.
  await page.reload();
  assert.equal(await page.locator('#notices .notice.unread').count(), unread, 'GET never writes');
  const button = page.locator('#notices .notice.unread button').first();
  await button.scrollIntoViewIfNeeded();
  await Promise.all([page.waitForNavigation(), button.click()]);
  assert.match(page.url(), /\/me\?lang=zh#inbox$/);
  assert.equal(await page.locator('#notices .notice.unread').count(), unread - 1, 'one fewer unread');
  assert.ok((await page.textContent('#notices')).includes('已读'));

  // The quiz: the first option of each question.
  for (const q of await page.locator('#quiz-form fieldset').all()) {
    await q.locator('input[type=radio]').first().check();
  }
  await Promise.all([page.waitForNavigation(), page.click('#quiz-send')]);
  assert.match(page.url(), /#quiz$/);
  const score = (await page.textContent('#quiz-score')).trim();
  assert.match(score, /^你答对了[0-5]道，一共5道。$/, score);
  assert.equal(await page.locator('#quiz-form input[type=radio]:checked').count(), 5, 'the answers stay chosen');
  await page.locator('#quiz-form').screenshot({ path: join(SHOTS, 'quiz-answered-zh-390.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the officer sees the awareness rate and the uplift with its interval', async () => {
  const { context, page, errors } = await open(1280, 'en', 'officer.demo', 'demo-officer-2025');
  await page.goto(`${BASE}/officer/outreach?lang=en`);
  const figures = await page.textContent('#notice-figures');
  assert.match(figures, /Awareness \(at least \d right\)\s*\d+\.\d% \(\d+ of \d+ workers\)/, figures);
  assert.match(figures, /[+-]\d+\.\d points \(95% confidence interval [+-]\d+\.\d to [+-]\d+\.\d\)/, figures);
  await page.locator('#notice-figures').screenshot({ path: join(SHOTS, 'outreach-notices-en-1280.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
