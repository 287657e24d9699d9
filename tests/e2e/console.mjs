// What the tests of the signed-in pages share: a browser context at a phone's or a desk's size in
// one language, signed in through the real login form; and the look every page gets (axe-core,
// the language check, optionally no sideways scrolling, a screenshot into SCREENS_DIR).

import { join } from 'node:path';
import { useBrowser } from './browser.mjs';
import { axeViolations, wrongLanguage } from './checks.mjs';

export const WIDTHS = [390, 1280];
export const LANGS = ['zh', 'en'];

/** A fresh context of `width` px in `lang`, signed in as `login`; script errors land in `errors`. */
export async function signIn(browser, base, width, lang, login, password) {
  const context = await browser.newContext({
    viewport: { width, height: width < 700 ? 844 : 800 },
    locale: lang === 'zh' ? 'zh-CN' : 'en-GB',
    bypassCSP: true, // only so that axe-core can be injected
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  return { context, page, errors };
}

/** `look(page, name, width, lang)`: every finding is pushed to `problems`; with `overflow`, a page
 *  wider than the screen is one; with `fullPage`, the screenshot is the whole page. */
export function looker(problems, screens, { overflow = false, fullPage = false } = {}) {
  return async function look(page, name, width, lang) {
    const what = `${name} ${lang} ${width}`;
    problems.push(...(await axeViolations(page, what)));
    const wrong = await wrongLanguage(page, lang);
    if (wrong.length) problems.push(`${what}: words of the wrong language: ${wrong.slice(0, 12).join(' ')}`);
    if (overflow) {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (over > 0) problems.push(`${what}: ${over} px wider than the screen`);
    }
    if (screens) await page.screenshot({ path: join(screens, `${name}-${lang}-${width}.png`), fullPage });
  };
}

/** What a test file run by consoles.sh shares: one browser for the file, the `problems` found,
 *  `look` (see `looker`, with `lookOptions`) and `open(width, lang, login, password)` signed in
 *  on BASE_URL. */
export function consoleSuite(lookOptions) {
  const shared = useBrowser('consoles.sh');
  const problems = [];
  const look = looker(problems, process.env.SCREENS_DIR, lookOptions);
  const open = (width, lang, login, password) => signIn(shared.browser, process.env.BASE_URL, width, lang, login, password);
  return { problems, look, open, shared };
}

/** Fen as the pages print money: 52,395,902.55. */
export function yuan(fen) {
  const a = Math.abs(fen);
  const whole = Math.floor(a / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0 ? '-' : ''}${whole}.${String(a % 100).padStart(2, '0')}`;
}

