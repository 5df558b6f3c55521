import { launchBrowser } from './browser.mjs';
const BASE = process.env.BASE;
const browser = await launchBrowser();
const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
const page = await ctx.newPage();
for (const [name, path] of [['presets', '/analytics'], ['params', '/analytics?tab=parameters'], ['compare', '/analytics?tab=compare'], ['suggest', '/analytics?tab=suggest']]) {
  await page.goto(BASE + path);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `/tmp/h16ui_shots/${name}.png`, fullPage: true });
}
await page.goto(BASE + '/tasks/new');
await page.getByRole('button', { name: 'Suggest for my model' }).click();
await page.waitForTimeout(1000);
await page.screenshot({ path: `/tmp/h16ui_shots/newtask-drawer.png` });
await browser.close();
