// The loop the E2E files share: each test in a fresh browser context at 1366x900, its page
// errors counted as failures, a screenshot of the page when it fails, a summary line and the
// process's exit code. E2E_ONLY="a|b" runs only the tests whose names contain a or b.
import { join } from 'node:path';
import { launchBrowser } from './browser.mjs';

export async function runTests(tests, { label, shots, contextOptions = {} }) {
  const only = process.env.E2E_ONLY || '';
  const browser = await launchBrowser();
  let passed = 0;
  let failed = 0;
  try {
    for (const { name, fn } of tests) {
      if (only && !only.split('|').some((part) => name.includes(part))) continue;
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, ...contextOptions });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const pageErrors = [];
      context.on('weberror', (err) => pageErrors.push(String(err.error())));
      try {
        await fn(page);
        if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join(' | ')}`);
        passed += 1;
        console.log(`  ✓ ${name}`);
      } catch (err) {
        failed += 1;
        console.log(`  ✗ ${name}\n    ${String(err?.stack || err).split('\n').slice(0, 6).join('\n    ')}`);
        const file = `FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`;
        await page.screenshot({ path: join(shots, file), fullPage: true }).catch(() => {});
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`E2E${label ? ` (${label})` : ''}: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
