// The documentation site works offline: open its pages with diagrams in headless Chromium while
// every request to another host is blocked, and check that no page asked for one, that Mermaid
// rendered every diagram, that search and the dark-mode toggle are there; screenshots at 1366x900.
//   DOCS_URL=http://127.0.0.1:8701/help SCREENSHOT_DIR=test-artifacts/docs node tests/docs/offline_site.mjs
// Run by scripts/docs_offline.sh (which serves the built site/ with `autotuner serve`).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(resolve('frontend/package.json'));
const { chromium } = require('playwright-core');

const BASE = (process.env.DOCS_URL || 'http://127.0.0.1:8701/help').replace(/\/$/, '');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || 'test-artifacts/docs');
mkdirSync(SHOTS, { recursive: true });
const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]']);

const PAGES = [
  { path: 'PRESET_ARCHITECTURE_DIAGRAM.html', diagrams: 4, shot: 'docs-architecture-diagrams' },
  { path: 'PRESET_SYSTEM_DESIGN.html', diagrams: 1, shot: 'docs-design' },
  { path: 'reference/api.html', diagrams: 0, shot: null },
  { path: 'reference/catalogs/sglang.html', diagrams: 0, shot: null },
  { path: 'tutorials/standin.html', diagrams: 0, shot: 'docs-tutorial-standin' },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let passed = 0;
let failed = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const blocked = [];
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (LOCAL.has(host) || LOCAL.has(`[${host}]`)) return route.continue();
    blocked.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  for (const spec of PAGES) {
    const name = spec.path;
    errors.length = 0;
    try {
      await page.goto(`${BASE}/${spec.path}`, { waitUntil: 'load' });
      assert.ok(await page.locator('.md-search__input').count(), 'the search box');
      assert.ok(await page.locator('[data-md-component="palette"] label').count(), 'the dark-mode toggle');
      if (spec.diagrams) {
        // Material replaces each <pre class="mermaid"> by a <div class="mermaid"> holding the SVG.
        await page.waitForFunction((n) => document.querySelectorAll('div.mermaid').length >= n, spec.diagrams,
          { timeout: 60_000 });
        const heights = await page.$$eval('div.mermaid', (nodes) => nodes.map((n) => n.getBoundingClientRect().height));
        assert.ok(heights.every((h) => h > 100), `every diagram drawn (heights ${heights.join(', ')})`);
        assert.equal(await page.locator('pre.mermaid').count(), 0, 'no diagram left as source text');
      }
      if (spec.shot) {
        await page.waitForTimeout(500);
        await page.screenshot({ path: join(SHOTS, `${spec.shot}.png`) });
        if (spec.diagrams) {
          await page.locator('div.mermaid').last().scrollIntoViewIfNeeded();
          await page.waitForTimeout(1000);
          await page.screenshot({ path: join(SHOTS, `${spec.shot}-schema.png`) });
        }
      }
      assert.deepEqual(blocked, [], 'no request left this machine');
      assert.deepEqual(errors, [], 'no script error');
      console.log(`ok   ${name}`);
      passed += 1;
    } catch (error) {
      console.log(`FAIL ${name}: ${error.message}`);
      failed += 1;
    }
  }
  // Search works offline (its index is part of the site).
  try {
    await page.goto(`${BASE}/index.html`);
    await page.locator('.md-search__input').click();
    await page.keyboard.type('intersection', { delay: 30 });
    await page.waitForFunction(
      () => /[1-9]\d* matching document/.test(document.querySelector('.md-search-result__meta')?.textContent || ''),
      null, { timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'docs-search.png') });
    // Dark mode: the toggle switches the color scheme.
    await page.keyboard.press('Escape');
    const before = await page.evaluate(() => document.body.getAttribute('data-md-color-scheme'));
    await page.locator('[data-md-component="palette"] label:visible').first().click();
    const after = await page.evaluate(() => document.body.getAttribute('data-md-color-scheme'));
    assert.notEqual(before, after, 'the toggle changes the color scheme');
    await page.goto(`${BASE}/PRESET_ARCHITECTURE_DIAGRAM.html`);
    await page.waitForFunction(() => document.querySelectorAll('div.mermaid').length >= 4, null, { timeout: 60_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SHOTS, 'docs-architecture-diagrams-dark.png') });
    assert.deepEqual(blocked, [], 'no request left this machine');
    console.log('ok   search and dark mode');
    passed += 1;
  } catch (error) {
    console.log(`FAIL search and dark mode: ${error.message}`);
    failed += 1;
  }
} finally {
  await browser.close();
}
console.log(`Docs offline: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
