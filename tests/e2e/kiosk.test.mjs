// The self-service terminal (智能自助终端) in a real browser on a 1080 × 1920 portrait touch
// screen: a stranger's start screen; the estimate typed on the on-screen keypad; signing in with
// the ID number on the keypad and the code read from the server's text-message file; printing
// the voucher (the PDF arrives and starts with %PDF); finishing signs out. Run by kiosk.sh
// (BASE_URL, SMS_FILE, KIOSK_ID, SCREENS_DIR).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHOTS, openPage, useBrowser } from './browser.mjs';
import { axeViolations, wrongLanguage } from './checks.mjs';

const BASE = process.env.BASE_URL;
const SMS = process.env.SMS_FILE;
const ID = process.env.KIOSK_ID;
const SCREENS = process.env.SCREENS_DIR;
const shared = useBrowser('kiosk.sh');
const SCREEN = { viewport: { width: 1080, height: 1920 }, hasTouch: true };

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  if (SCREENS) await page.screenshot({ path: join(SCREENS, `${name}.png`) });
}

async function checks(page, what, lang) {
  assert.deepEqual(await axeViolations(page, what), []);
  assert.deepEqual(await wrongLanguage(page, lang), [], `${what}: words of the other language`);
  // Every button and link is a big touch target.
  const small = await page.evaluate(() => [...document.querySelectorAll('main a, main button, header a')]
    .filter((e) => e.offsetParent !== null)
    .map((e) => ({ t: e.textContent.trim(), h: e.getBoundingClientRect().height }))
    .filter((e) => e.h < 64));
  assert.deepEqual(small, [], `${what}: touch targets under 64 px`);
}

async function tap(page, keys) {
  for (const k of keys) await page.click(`.k-pad button[value="${k}"]`);
}

/** The last code texted, from the server's file (waits a little for it). */
async function lastCode(count) {
  for (let i = 0; i < 50; i++) {
    if (existsSync(SMS)) {
      const lines = readFileSync(SMS, 'utf8').trim().split('\n').filter(Boolean);
      if (lines.length >= count) {
        const m = lines[lines.length - 1].split('\t')[3].match(/(\d{6})/);
        assert.ok(m, lines[lines.length - 1]);
        assert.ok(!lines[lines.length - 1].includes(ID), 'the ID number is not in the text');
        return m[1];
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no text message arrived');
}

let texts = 0;

for (const lang of ['zh', 'en']) {
  test(`the start screen and the estimate on the keypad (${lang})`, async () => {
    const { context, page, errors } = await openPage(shared.browser, SCREEN);
    await page.goto(`${BASE}/kiosk?lang=${lang}`);
    const start = await page.textContent('body');
    assert.ok(!start.includes('王') && !start.includes('138'), 'no personal data on the start screen');
    await checks(page, `start ${lang}`, lang);
    await shot(page, `kiosk-start-${lang}`);
    await Promise.all([page.waitForNavigation(), page.click('#k-estimate')]);
    await tap(page, ['5', '0', '0', '0']);
    assert.equal(await page.inputValue('#entry'), '5000', 'the keypad edits the field in place');
    await tap(page, ['del', '0']);
    assert.equal(await page.inputValue('#entry'), '5000');
    await shot(page, `kiosk-keypad-${lang}`);
    await Promise.all([page.waitForNavigation(), page.click('.k-go')]);
    const results = await page.textContent('#k-results');
    assert.equal((await page.$$('#k-results .k-card')).length, 2, 'the law and the proposal');
    assert.ok(results.includes(lang === 'zh' ? '怎么算' : 'How this was worked out'), results);
    await checks(page, `estimate ${lang}`, lang);
    await page.screenshot({ path: join(SHOTS, `kiosk-estimate-${lang}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`signing in with the ID number and a texted code, printing the voucher (${lang})`, async () => {
    const { context, page, errors } = await openPage(shared.browser, SCREEN);
    const refused = [];
    page.on('response', (r) => r.status() >= 400 && refused.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await page.goto(`${BASE}/kiosk?lang=${lang}`);
    await Promise.all([page.waitForNavigation(), page.click('#k-signin')]);
    await tap(page, ID.split(''));
    assert.equal(await page.inputValue('#entry'), ID);
    await checks(page, `sign-in ${lang}`, lang);
    await Promise.all([page.waitForNavigation(), page.click('#k-send')]);
    const sent = await page.textContent('#k-sent');
    assert.ok(!sent.includes('0001') && !sent.includes('138'), 'no phone digits on the screen');
    texts += 1;
    const code = await lastCode(texts);
    // One wrong try first: refused, with the tries left.
    const wrong = code === '000000' ? '111111' : '000000';
    await tap(page, wrong.split(''));
    await Promise.all([page.waitForNavigation(), page.click('#k-verify')]);
    assert.ok(await page.isVisible('.k-problem'));
    await tap(page, code.split(''));
    await Promise.all([page.waitForNavigation(), page.click('#k-verify')]);
    assert.match(page.url(), /\/kiosk\/me/);
    const me = await page.textContent('main');
    assert.ok(me.includes('王**'), me);
    assert.ok(!me.includes('王小明') && !me.includes(ID), 'the full name and the ID number are not shown');
    assert.ok(me.includes('2025-10'), me);
    await checks(page, `signed in ${lang}`, lang);
    await shot(page, `kiosk-me-${lang}`);

    // Print: the form's own POST answers the voucher's PDF.
    const pdf = await page.evaluate(async () => {
      const f = document.getElementById('k-print-form');
      const r = await fetch(f.action, { method: 'POST', body: new URLSearchParams(new FormData(f)), credentials: 'same-origin' });
      const b = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...b.slice(0, 5)), size: b.length };
    });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.type, 'application/pdf');
    assert.equal(pdf.head, '%PDF-');
    assert.ok(pdf.size > 10000, `${pdf.size} bytes`);
    // And the button itself: the browser gets the PDF.
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/kiosk/voucher') && r.request().method() === 'POST'),
      page.click('#k-print'),
    ]);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'application/pdf');

    // Finished: signed out, back at the start; the signed-in screen is gone.
    await page.goto(`${BASE}/kiosk/me?lang=${lang}`);
    await Promise.all([page.waitForNavigation(), page.click('#k-finish')]);
    assert.match(page.url(), /\/kiosk(\?lang=en)?$/);
    await page.goto(`${BASE}/kiosk/me`);
    assert.match(page.url(), /\/kiosk(\?|$)/, 'signed out: back to the start');
    // The one refusal of the page is the wrong code's (401; the browser logs it itself). The
    // browser's PDF view may ask for /favicon.ico (404) outside the page's requests.
    assert.deepEqual(refused, ['401 /kiosk/verify']);
    assert.deepEqual(errors.filter((e) => !e.includes('status of 401') && !e.includes('status of 404')), []);
    await context.close();
  });
}
