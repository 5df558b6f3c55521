// Browser tests of issue 15: a preset's history (versions, diff, restore), two tabs editing one
// preset (the second save is refused with the server's sentence and Reload works), an extends
// chain with effective values and their sources, Smart merge with a choice per conflict, and
// the Presets page's badge on a preset naming a flag the newest engine catalog renamed (issue 19).
//   E2E_BASE_URL=http://127.0.0.1:8011 SCREENSHOT_DIR=../test-artifacts/screenshots node e2e/versions.mjs
// Started by scripts/e2e.sh after run.mjs, on the same temporary service (single-user mode).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runTests } from './runner.mjs';
import { api, expectPreview, presetRow as row, typeValues } from './pageApi.mjs';
import { assertNoOverflow } from './layout.mjs';
import { settle } from './shots.mjs';

const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || '../test-artifacts/screenshots');
mkdirSync(SHOTS, { recursive: true });

/** The sizes of this file's screenshots (the brief's): a laptop and a desktop. */
const SIZES = [
  { name: '1366x900', width: 1366, height: 900 },
  { name: '1920x1080', width: 1920, height: 1080 },
];

/**
 * Photographs the window (drawers and dialogs included) at both sizes, failing on any overflow;
 * `focus`: a part of the page to scroll into view first.
 */
async function shot(page, name, focus) {
  const original = page.viewportSize();
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await settle(page);
    if (focus) {
      await focus.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await page.waitForTimeout(200);
    }
    await page.screenshot({ path: join(SHOTS, `${name}-${size.name}.png`) });
    await assertNoOverflow(page, `${name} at ${size.name}`);
  }
  await page.setViewportSize(original);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const RUN = Date.now().toString(36);

async function createPreset(page, body) {
  const res = await api(page, 'POST', '/api/presets/', body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function gotoPresets(page, name) {
  await page.goto(`${BASE}/presets`);
  await row(page, name).waitFor();
}

// ---------------------------------------------------------------- history, diff, restore

test('history drawer: versions newest first, a diff between two, restore makes a new version', async (page) => {
  await page.goto(`${BASE}/presets`);
  const name = `E2E History ${RUN}`;
  const created = await createPreset(page, { name, runtime: 'sglang', parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.8] } });
  const v2 = await api(
    page,
    'PUT',
    `/api/presets/${created.id}`,
    { description: 'Wider sweep', parameters: { 'tp-size': [1, 2, 8], 'schedule-policy': ['lpm'] }, change_note: 'try tp 8' },
    { 'If-Match': '"1"' },
  );
  assert.equal(v2.status, 200, JSON.stringify(v2.body));

  await gotoPresets(page, name);
  assert.match(await row(page, name).getByTestId('preset-version-badge').textContent(), /v2/);
  await row(page, name).getByRole('button', { name: `History of ${name}` }).click();
  const drawer = page.getByRole('dialog', { name: `History of “${name}”` });
  await drawer.getByTestId('preset-version').first().waitFor();
  const numbers = await drawer.getByTestId('preset-version').evaluateAll((els) => els.map((el) => el.dataset.version));
  assert.deepEqual(numbers, ['2', '1'], 'newest first');
  const newest = drawer.locator('[data-testid="preset-version"][data-version="2"]');
  assert.match(await newest.textContent(), /by local/);
  assert.match(await newest.getByTestId('version-note').textContent(), /try tp 8/);

  // The latest change is shown at once: version 1 -> 2.
  const diff = drawer.getByTestId('diff-body');
  await diff.getByTestId('diff-changed').first().waitFor();
  assert.deepEqual(await diff.getByTestId('diff-changed').allTextContents(), ['~ tp-size: 1, 2 → 1, 2, 8']);
  assert.deepEqual(await diff.getByTestId('diff-added').allTextContents(), ['+ schedule-policy: lpm']);
  assert.deepEqual(await diff.getByTestId('diff-removed').allTextContents(), ['− mem-fraction-static: 0.8']);
  assert.match(await diff.getByTestId('diff-field').first().textContent(), /description: — → Wider sweep/);
  await shot(page, 'preset-history');

  // Restore version 1, after a confirmation: version 3 equal to 1; history keeps 1 and 2.
  await drawer.getByRole('button', { name: 'Restore version 1' }).click();
  const confirm = page.getByRole('dialog', { name: 'Restore version 1' });
  await confirm.getByText(/This adds version 3/).waitFor();
  await confirm.getByLabel('Note').fill('back to the first sweep');
  await shot(page, 'preset-restore-confirm');
  await confirm.getByRole('button', { name: 'Restore version 1' }).click();
  await page.getByText('Version restored').first().waitFor();
  await drawer.locator('[data-testid="preset-version"][data-version="3"]').waitFor();
  const restored = drawer.locator('[data-testid="preset-version"][data-version="3"]');
  assert.match(await restored.textContent(), /Restored/);
  assert.match(await restored.textContent(), /back to the first sweep/);
  assert.equal(await drawer.getByTestId('preset-version').count(), 3);
  const { body: now } = await api(page, 'GET', `/api/presets/${created.id}`);
  assert.equal(now.version, 3);
  assert.deepEqual(now.parameters, { 'tp-size': [1, 2], 'mem-fraction-static': [0.8] });
  assert.equal(now.description, null);

  // Compare any two: 2 -> 3 undoes what 1 -> 2 did.
  await drawer.locator('[data-testid="preset-version"][data-version="3"]').click();
  await drawer.getByTestId('diff-changed').first().waitFor();
  assert.deepEqual(await drawer.getByTestId('diff-changed').allTextContents(), ['~ tp-size: 1, 2, 8 → 1, 2']);
});

// ---------------------------------------------------------------- two tabs, one preset

test('two tabs edit one preset: the second save shows the concurrency sentence, and Reload works', async (page) => {
  await page.goto(`${BASE}/presets`);
  const name = `E2E Two Tabs ${RUN}`;
  const created = await createPreset(page, { name, parameters: { 'tp-size': [1] } });
  const other = await page.context().newPage();
  const tabs = [page, other];
  for (const tab of tabs) {
    await gotoPresets(tab, name);
    await row(tab, name).getByRole('button', { name: `Edit ${name}` }).click();
    await tab.getByRole('dialog').getByRole('textbox', { name: 'Description' }).waitFor();
  }
  // The first tab saves.
  const first = page.getByRole('dialog');
  await first.getByRole('textbox', { name: 'Description' }).fill('Saved by the first tab');
  await first.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Preset saved').first().waitFor();

  // The second tab saves on the version it loaded: refused, nothing written.
  const second = other.getByRole('dialog');
  await second.getByRole('textbox', { name: 'Description' }).fill('Saved by the second tab');
  await second.getByRole('button', { name: 'Save changes' }).click();
  const stale = second.getByTestId('stale-preset');
  await stale.waitFor();
  const sentence = await stale.textContent();
  assert.match(sentence, new RegExp(`Preset '${name}' changed since you loaded it \\(you have version 1; local saved version 2`));
  assert.match(sentence, /nothing was saved/);
  let { body: now } = await api(page, 'GET', `/api/presets/${created.id}`);
  assert.equal(now.description, 'Saved by the first tab');
  assert.equal(now.version, 2);
  await shot(other, 'preset-concurrency');

  // Reload: the form shows the first tab's change; saving again now works.
  await stale.getByRole('button', { name: 'Reload' }).click();
  await stale.waitFor({ state: 'detached' });
  assert.equal(await second.getByRole('textbox', { name: 'Description' }).inputValue(), 'Saved by the first tab');
  await second.getByText(/loaded at version 2/).waitFor();
  await second.getByRole('textbox', { name: 'Description' }).fill('Saved by the second tab, after a reload');
  await second.getByLabel('Change note').fill('merged both edits');
  await second.getByRole('button', { name: 'Save changes' }).click();
  await other.getByText('Preset saved').first().waitFor();
  ({ body: now } = await api(page, 'GET', `/api/presets/${created.id}`));
  assert.equal(now.version, 3);
  assert.equal(now.description, 'Saved by the second tab, after a reload');
  await other.close();
});

// ---------------------------------------------------------------- extends

test('an extends chain: b extends a, effective values with their sources, and a badge on a', async (page) => {
  await page.goto(`${BASE}/presets`);
  const baseName = `E2E Base ${RUN}`;
  const childName = `E2E Child ${RUN}`;
  await createPreset(page, {
    name: baseName,
    runtime: 'sglang',
    parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.8, 0.9] },
  });
  await gotoPresets(page, baseName);
  await page.getByRole('button', { name: 'Create preset' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(childName);
  const picker = dialog.getByRole('combobox', { name: 'Extends' });
  await picker.click();
  await picker.fill('E2E Base');
  await page.getByRole('option', { name: baseName }).click();
  await page.keyboard.press('Escape');
  await dialog.getByLabel('Parameter 1 name').fill('tp-size');
  await page.keyboard.press('Escape').catch(() => {});
  await typeValues(dialog.getByLabel('Values of tp-size'), ['4']);
  const effective = dialog.getByTestId('effective-parameters');
  const sourceOf = (param) => effective.locator(`[data-testid="effective-row"][data-parameter="${param}"]`);
  await sourceOf('mem-fraction-static').waitFor();
  assert.equal(await sourceOf('tp-size').getAttribute('data-source'), childName);
  assert.match(await sourceOf('tp-size').textContent(), /4.*\(own\)/);
  assert.equal(await sourceOf('mem-fraction-static').getAttribute('data-source'), baseName);
  assert.match(await sourceOf('mem-fraction-static').textContent(), /0\.8, 0\.9/);
  await shot(page, 'preset-extends-form');
  await dialog.getByRole('button', { name: 'Create preset' }).click();
  await row(page, childName).waitFor();

  // The server agrees: effective parameters and the source of each value.
  const { body: list } = await api(page, 'GET', '/api/presets/');
  const child = list.find((p) => p.name === childName);
  assert.deepEqual(child.extends.map((r) => r.name), [baseName]);
  assert.deepEqual(child.effective_parameters, { 'tp-size': [4], 'mem-fraction-static': [0.8, 0.9] });
  const sources = Object.fromEntries(child.effective_sources.map((s) => [s.parameter, s.name]));
  assert.deepEqual(sources, { 'tp-size': childName, 'mem-fraction-static': baseName });

  // The base says who extends it; the child says what it extends and shows its effective values.
  const badge = row(page, baseName).getByTestId('extended-by');
  assert.match(await badge.textContent(), /extended by 1/);
  await badge.hover();
  await page.getByRole('tooltip', { name: `Extended by ${childName}` }).waitFor();
  assert.match(await row(page, childName).getByTestId('preset-extends').textContent(), new RegExp(`extends ${baseName}`));
  assert.match(await row(page, childName).textContent(), /mem-fraction-static: 0\.8, 0\.9/);
  await shot(page, 'presets-extended-by');

  // Editing the child shows the same sources, computed from the saved bases.
  await row(page, childName).getByRole('button', { name: `Edit ${childName}` }).click();
  const edit = page.getByRole('dialog');
  await edit.getByTestId('effective-parameters').waitFor();
  assert.equal(
    await edit.locator('[data-testid="effective-row"][data-parameter="mem-fraction-static"]').getAttribute('data-source'),
    baseName,
  );
  assert.equal(await edit.locator('[data-testid="effective-row"][data-parameter="tp-size"]').getAttribute('data-source'), childName);
});

// ---------------------------------------------------------------- smart merge

test('Smart merge: a choice per conflict changes the preview and the created task; the task links to the version', async (page) => {
  await page.goto(`${BASE}/tasks/new`);
  await page.getByLabel('Task name').fill(`e2e-smart-${RUN}`);
  await page.getByRole('switch', { name: 'Use Parameter Presets' }).check({ force: true });
  const picker = page.getByRole('combobox', { name: 'Presets' });
  await picker.click();
  await picker.fill('High');
  await page.getByRole('option', { name: /^High Throughput System/ }).click();
  await picker.click();
  await picker.fill('Low');
  await page.getByRole('option', { name: /^Low Latency System/ }).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('merge-strategy').locator('label', { hasText: 'Smart' }).click();
  await expectPreview(page, { 'tp-size': [1, 2, 4], 'mem-fraction-static': [0.9], 'schedule-policy': ['lpm'] });

  // The conflict on tp-size offers a choice, the server's proposal (union) selected.
  const conflict = page.locator('[data-testid="merge-conflict"][data-parameter="tp-size"]');
  assert.match(await conflict.textContent(), /smart unions them to \[1, 2, 4\]/);
  const choice = conflict.getByLabel('Resolve tp-size');
  assert.match(await choice.inputValue(), /^Union \(proposed\)/);
  await shot(page, 'new-task-smart', page.getByTestId('merge-preview'));

  await choice.click();
  await page.getByRole('option', { name: /^Max/ }).click();
  await expectPreview(page, { 'tp-size': [4], 'mem-fraction-static': [0.9], 'schedule-policy': ['lpm'] });
  assert.match(await choice.inputValue(), /^Max/);
  assert.match(await conflict.getByTestId('resolution-kept').textContent(), /keeps 4$/);

  // Explicit values are a choice too.
  await choice.click();
  await page.getByRole('option', { name: 'Explicit values…' }).click();
  const explicit = conflict.getByLabel('Values to keep');
  await explicit.waitFor();
  await expectPreview(page, { 'tp-size': [4], 'mem-fraction-static': [0.9], 'schedule-policy': ['lpm'] });
  await typeValues(explicit, ['2']);
  await expectPreview(page, { 'tp-size': [4, 2], 'mem-fraction-static': [0.9], 'schedule-policy': ['lpm'] });
  await shot(page, 'new-task-smart-resolved', page.getByTestId('merge-preview'));

  // Back to Max, then create the task: it carries the same resolutions.
  await choice.click();
  await page.getByRole('option', { name: /^Max/ }).click();
  await expectPreview(page, { 'tp-size': [4], 'mem-fraction-static': [0.9], 'schedule-policy': ['lpm'] });
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.getByRole('button', { name: 'Submit task' }).click();
  await page.waitForURL(/\/tasks\/\d+$/);
  const taskId = page.url().split('/').pop();
  const { body: task } = await api(page, 'GET', `/api/tasks/${taskId}`);
  assert.equal(task.provenance.merge_strategy, 'smart');
  assert.deepEqual(task.provenance.resolutions, { 'tp-size': 'max' });
  assert.deepEqual(task.parameters['tp-size'], [4]);

  // The task page links to exactly the version each preset was built from.
  const link = page.getByTestId('task-source-version').first();
  assert.equal((await link.textContent()).trim(), `version ${task.provenance.presets[0].version}`);
  await shot(page, 'task-preset-versions', page.getByTestId('task-sources'));
  await link.click();
  await page.waitForURL(/\/presets\?history=\d+&version=\d+$/);
  const drawer = page.getByRole('dialog', { name: 'History of “High Throughput”' });
  const selected = drawer.locator(`[data-testid="preset-version"][data-version="${task.provenance.presets[0].version}"]`);
  await selected.waitFor();
  assert.equal(await selected.getAttribute('data-selected'), 'true');
  await shot(page, 'preset-history-from-task');
});

// ---------------------------------------------------------------- outdated flags (issue 19)

test('presets page: a preset naming a flag the newest catalog renamed shows a warning badge with the sentence', async (page) => {
  await page.goto(`${BASE}/presets`);
  const versions = await api(page, 'GET', '/api/runtimes/sglang/versions');
  assert.equal(versions.status, 200);
  const newest = versions.body[0];
  const [old, now] = Object.entries(newest.renamed)[0];
  const name = `E2E Outdated ${RUN}`;
  const created = await createPreset(page, { name, runtime: 'sglang', parameters: { 'tp-size': [1, 2], [old]: [160] } });
  // Saving already warned (the notification); the page warns again every time it lists it.
  assert.ok(created.warnings.some((w) => w.includes(`'${old}'`)), JSON.stringify(created.warnings));

  await gotoPresets(page, name);
  const badge = row(page, name).getByTestId('preset-outdated');
  await badge.waitFor();
  assert.equal((await badge.textContent()).trim(), '1 flag outdated');
  // The system presets name only current flags: no badge on any of them.
  const system = await api(page, 'GET', '/api/presets/?is_system=true');
  assert.ok(system.body.length > 0);
  for (const p of system.body) assert.equal(await row(page, p.name).getByTestId('preset-outdated').count(), 0, p.name);
  await badge.click();
  const sentence = page.getByTestId('preset-outdated-sentence');
  await sentence.waitFor();
  assert.equal((await sentence.textContent()).trim(), `'${old}' is not a flag of ${newest.label}: it was renamed to '${now}'.`);
  await shot(page, 'preset-outdated-flags', row(page, name));
});

// ---------------------------------------------------------------- runner

process.exit(await runTests(tests, { label: 'versions, extends, smart merge', shots: SHOTS }));
