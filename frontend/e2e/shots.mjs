// Screenshots of the browser tests: every one at 1280x800 and 1920x1080, each checked for overflow.
import { join } from 'node:path';
import { assertNoOverflow, VIEWPORTS } from './layout.mjs';

/** The sizes every screenshot is taken at; each is also checked for overflowing elements. */
export const SHOT_SIZES = VIEWPORTS.filter((v) => v.name === '1280x800' || v.name === '1920x1080');

export async function settle(page) {
  // Let Mantine's transitions (SegmentedControl indicator, modals, toasts) settle first.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(400);
}

/** Photographs the page into `dir` at 1280x800 and 1920x1080, failing when anything overflows at either. */
export async function shotInto(dir, page, name) {
  const original = page.viewportSize();
  for (const size of SHOT_SIZES) {
    await page.setViewportSize(size);
    await settle(page);
    await page.screenshot({ path: join(dir, `${name}-${size.name}.png`), fullPage: true });
    await assertNoOverflow(page, `${name} at ${size.name}`);
  }
  await page.setViewportSize(original);
}
