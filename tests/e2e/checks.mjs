// Checks every browser test can run on a page: axe-core's accessibility rules (no serious or
// critical violation), and the language check (no English words in a Chinese page, no Chinese
// in an English one; names, numbers and codes are allowed: data is marked translate="no" and
// the language switch carries its own lang attribute).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe violations of the page, as readable lines (empty: none). */
export async function axeViolations(page, what) {
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${what}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Words an English-free Chinese page may still show: formats and abbreviations. */
const ZH_ALLOWED = new Set(['CSV', 'PDF', 'API', 'ID', 'QR', 'JSON', 'URL', 'SVG', 'OpenAPI']);

/** The page's visible text without the parts that are names or in the other language. */
async function ownText(page) {
  return page.evaluate(() => {
    const body = document.body.cloneNode(true);
    const own = document.documentElement.lang;
    for (const el of body.querySelectorAll('[translate="no"], script, style, svg')) el.remove();
    for (const el of body.querySelectorAll('[lang]')) if (el.getAttribute('lang') !== own) el.remove();
    for (const el of body.querySelectorAll('input, select, textarea')) el.remove();
    return body.innerText || body.textContent || '';
  });
}

/** Words of the wrong language on the page (empty: none). `lang` is 'zh' or 'en'. */
export async function wrongLanguage(page, lang) {
  const text = await ownText(page);
  if (lang === 'zh') {
    const words = text.match(/[A-Za-z][A-Za-z'’-]{2,}/g) || [];
    return [...new Set(words.filter((w) => !ZH_ALLOWED.has(w)))];
  }
  return [...new Set(text.match(/[\u3400-\u9fff\uff08\uff09\uff0c\u3002\uff1a]+/g) || [])];
}
