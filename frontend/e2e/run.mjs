// End-to-end browser tests: drive Debian's Chromium through the real service.
//   E2E_BASE_URL=http://127.0.0.1:8011 SCREENSHOT_DIR=../test-artifacts/screenshots node e2e/run.mjs
// Started by scripts/e2e.sh, which launches the service on a temporary database.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from './runner.mjs';
import { api, expectPreview, presetRow as row, typeValues } from './pageApi.mjs';
import { assertNoOverflow, VIEWPORTS } from './layout.mjs';
import { settle, shotInto } from './shots.mjs';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || '../test-artifacts/screenshots');
mkdirSync(SHOTS, { recursive: true });

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

/** Photographs the page at 1280x800 and 1920x1080, failing when anything overflows at either. */
const shot = (page, name) => shotInto(SHOTS, page, name);

/** Checks (and photographs) the page at every size from a 768 px tablet to 1920 px. */
async function checkEverySize(page, name, ready) {
  for (const size of VIEWPORTS) {
    await page.setViewportSize(size);
    await ready();
    await settle(page);
    await page.screenshot({ path: join(SHOTS, `${name}-${size.name}.png`), fullPage: true });
    await assertNoOverflow(page, `${name} at ${size.name}`);
  }
}

const LONG_NAME = 'Long-context throughput sweep for Llama 3.1 70B Instruct on eight H100 GPUs';

async function gotoPresets(page) {
  await page.goto(`${BASE}/presets`);
  await row(page, 'High Throughput').waitFor();
}

// ---------------------------------------------------------------- Presets page

test('presets page lists the system presets with badges and short parameters', async (page) => {
  await gotoPresets(page);
  for (const name of ['High Throughput', 'Memory Efficient', 'Low Latency', 'Balanced']) {
    await row(page, name).getByText('System').waitFor();
  }
  assert.match(await row(page, 'High Throughput').textContent(), /tp-size: 2, 4/);
  await shot(page, 'presets');
});

test('a long preset name keeps every action of its row in view, from 768 to 1920 px', async (page) => {
  await page.goto(`${BASE}/presets`);
  const created = await api(page, 'POST', '/api/presets/', {
    name: LONG_NAME,
    description: 'Every tensor-parallel size with the memory fractions and schedule policies worth trying for long prompts.',
    category: 'performance',
    parameters: { 'tp-size': [1, 2, 4], 'mem-fraction-static': [0.8, 0.9], 'schedule-policy': ['fcfs', 'lpm'] },
    metadata: { tags: ['long-context', 'h100'] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  try {
    await checkEverySize(page, 'presets-long-name', async () => {
      await page.goto(`${BASE}/presets`);
      const long = row(page, LONG_NAME);
      await long.waitFor();
      for (const action of [`Edit ${LONG_NAME}`, `Duplicate ${LONG_NAME}`, `Delete ${LONG_NAME}`]) {
        await long.getByRole('button', { name: action }).waitFor();
      }
      await long.getByRole('link', { name: `Export ${LONG_NAME}` }).waitFor();
      // Category names read the same in the filter and in the table: capitalised.
      assert.equal((await long.getByTestId('preset-category').first().textContent()).trim(), 'Performance');
    });
  } finally {
    await api(page, 'DELETE', `/api/presets/${created.body.id}`);
  }
});

test('deep link /tasks/new loads the app', async (page) => {
  await page.goto(`${BASE}/tasks/new`);
  await page.getByRole('heading', { name: 'New tuning task' }).waitFor();
});

test('create a preset with typed values from the dialog', async (page) => {
  await gotoPresets(page);
  await page.getByRole('button', { name: 'Create preset' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E Sweep');
  await dialog.getByRole('textbox', { name: 'Description' }).fill('Made by the browser test');
  await dialog.getByLabel('Category').fill('experiments');
  await dialog.getByLabel('Tags').fill('e2e');
  await dialog.getByLabel('Tags').press('Enter');
  // Typing a name is not leaving the row: no "Add at least one value" yet.
  await dialog.getByLabel('Parameter 1 name').pressSequentially('tp-s');
  assert.equal(await dialog.getByText(/Add at least one value/).count(), 0, 'no row error while the name is typed');
  await dialog.getByLabel('Parameter 1 name').fill('tp-size');
  await page.keyboard.press('Escape').catch(() => {});
  await typeValues(dialog.getByLabel('Values of tp-size'), ['1', '2']);
  await dialog.getByRole('button', { name: 'Add parameter' }).click();
  await dialog.getByLabel('Parameter 2 name').fill('quantization');
  await typeValues(dialog.getByLabel('Values of quantization'), ['4bit', 'fp8']);
  await dialog.getByRole('button', { name: 'Add parameter' }).click();
  await dialog.getByLabel('Parameter 3 name').fill('enable-torch-compile');
  await typeValues(dialog.getByLabel('Values of enable-torch-compile'), ['true']);
  // The value suggestions (true / false) closed with Enter: nothing covers the Create button.
  assert.equal(await page.getByRole('listbox').filter({ visible: true }).count(), 0, 'suggestions closed after Enter');
  await shot(page, 'preset-create-dialog');
  await dialog.getByRole('button', { name: 'Create preset' }).click({ trial: true, timeout: 2000 });
  await dialog.getByRole('button', { name: 'Create preset' }).click();
  await row(page, 'E2E Sweep').waitFor();
  await page.getByText('Preset created').first().waitFor();
  const { body } = await api(page, 'GET', '/api/presets/e2e-sweep');
  assert.deepEqual(body.parameters['tp-size'], [1, 2]);
  assert.deepEqual(body.parameters.quantization, ['4bit', 'fp8']);
  assert.deepEqual(body.parameters['enable-torch-compile'], [true]);
  assert.equal(body.category, 'experiments');
  assert.deepEqual(body.metadata.tags, ['e2e']);
});

test('a refused save shows the server sentence beside the form', async (page) => {
  await gotoPresets(page);
  await page.getByRole('button', { name: 'Create preset' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('High Throughput');
  await dialog.getByLabel('Parameter 1 name').fill('tp-size');
  await typeValues(dialog.getByLabel('Values of tp-size'), ['8']);
  await dialog.getByRole('button', { name: 'Create preset' }).click();
  const alert = dialog.getByRole('alert');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /High Throughput/);
  assert.doesNotMatch(text, /^Error$/);
});

test('edit a preset', async (page) => {
  await gotoPresets(page);
  await row(page, 'E2E Sweep').getByRole('button', { name: 'Edit E2E Sweep' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E Sweep Edited');
  await typeValues(dialog.getByLabel('Values of tp-size'), ['4']);
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await row(page, 'E2E Sweep Edited').waitFor();
  await page.getByText('Preset saved').first().waitFor();
  assert.match(await row(page, 'E2E Sweep Edited').textContent(), /tp-size: 1, 2, 4/);
});

test('duplicate a system preset opens Create prefilled', async (page) => {
  await gotoPresets(page);
  const system = row(page, 'High Throughput');
  assert.equal(await system.getByRole('button', { name: 'Edit High Throughput' }).count(), 0);
  await system.getByRole('button', { name: 'Duplicate High Throughput' }).click();
  const dialog = page.getByRole('dialog');
  assert.equal(await dialog.getByRole('textbox', { name: 'Name', exact: true }).inputValue(), 'High Throughput (copy)');
  assert.equal(await dialog.getByLabel('Category').inputValue(), 'performance');
  await dialog.getByLabel('Values of tp-size').waitFor();
  await shot(page, 'preset-duplicate-dialog');
  await dialog.getByRole('button', { name: 'Create preset' }).click();
  await row(page, 'High Throughput (copy)').waitFor();
  assert.equal(await row(page, 'High Throughput (copy)').getByText('System').count(), 0);
  assert.match(await row(page, 'High Throughput (copy)').textContent(), /tp-size: 2, 4/);
});

let exportedPath = '';
test('export downloads preset-<slug>.json', async (page) => {
  await gotoPresets(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row(page, 'E2E Sweep Edited').getByRole('link', { name: 'Export E2E Sweep Edited' }).click(),
  ]);
  const { body: list } = await api(page, 'GET', '/api/presets/');
  const preset = list.find((p) => p.name === 'E2E Sweep Edited');
  assert.equal(download.suggestedFilename(), `preset-${preset.slug}.json`);
  exportedPath = join(tmpdir(), `e2e-export-${process.pid}.json`);
  await download.saveAs(exportedPath);
  const file = JSON.parse(readFileSync(exportedPath, 'utf8'));
  assert.equal(file.version, '1.0');
  assert.deepEqual(file.preset.parameters['tp-size'], [1, 2, 4]);
});

test('import a preset file, and a refused file shows the server sentence', async (page) => {
  assert.ok(exportedPath, 'the export test must run first');
  const file = JSON.parse(readFileSync(exportedPath, 'utf8'));
  file.preset.name = 'Imported Sweep';
  const good = join(tmpdir(), `e2e-import-${process.pid}.json`);
  writeFileSync(good, JSON.stringify(file));
  await gotoPresets(page);
  await page.locator('input[type="file"]').setInputFiles(good);
  await row(page, 'Imported Sweep').waitFor();
  await page.getByText('Import finished').first().waitFor();

  // The same file again: its name is taken. One alert (no toast) offers the three ways on in words.
  await page.locator('input[type="file"]').setInputFiles(good);
  const conflict = page.getByTestId('import-error');
  await conflict.waitFor();
  assert.doesNotMatch(await conflict.textContent(), /on_conflict/);
  for (const choice of ['Keep both', 'Replace the existing one', 'Skip it']) await conflict.getByRole('button', { name: choice }).waitFor();
  assert.equal(await page.getByText('Import refused').count(), 0, 'the refusal is shown once, not also as a toast');
  await shot(page, 'presets-import-conflict');
  await conflict.getByRole('button', { name: 'Keep both' }).click();
  await row(page, 'Imported Sweep (2)').or(row(page, 'Imported Sweep (copy)')).first().waitFor();
  await conflict.waitFor({ state: 'detached' });
  const { body: afterCopy } = await api(page, 'GET', '/api/presets/');
  const copy = afterCopy.find((p) => p.name !== 'Imported Sweep' && p.name.startsWith('Imported Sweep'));
  assert.ok(copy, 'the copy was imported under a new name');
  await api(page, 'DELETE', `/api/presets/${copy.id}`);

  const bad = join(tmpdir(), `e2e-bad-${process.pid}.json`);
  writeFileSync(bad, JSON.stringify({ version: '1.0', preset: { name: 'Broken', parameters: { 'tp-size': 1 } } }));
  await page.locator('input[type="file"]').setInputFiles(bad);
  const alert = page.getByTestId('import-error');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /Import validation failed: /);
  await shot(page, 'presets-import-refused');
});

test('delete a preset after a confirmation that names it', async (page) => {
  await gotoPresets(page);
  await row(page, 'Imported Sweep').getByRole('button', { name: 'Delete Imported Sweep' }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /Delete the preset “Imported Sweep”\?/);
  await shot(page, 'preset-delete-confirm');
  await dialog.getByRole('button', { name: 'Delete “Imported Sweep”' }).click();
  await page.getByText('Preset deleted').first().waitFor();
  await row(page, 'Imported Sweep').waitFor({ state: 'detached' });
});

test('a system preset cannot be deleted', async (page) => {
  await gotoPresets(page);
  const system = row(page, 'Memory Efficient');
  assert.equal(await system.getByRole('button', { name: 'Delete Memory Efficient' }).count(), 0);
  const locked = system.getByRole('button', { name: 'Cannot delete system preset Memory Efficient' });
  assert.equal(await locked.isDisabled(), true);
  const { body: preset } = await api(page, 'GET', '/api/presets/memory-efficient');
  const refused = await api(page, 'DELETE', `/api/presets/${preset.id}`);
  assert.equal(refused.status, 403);
  assert.match(refused.body.detail, /system preset/i);
  await page.reload();
  await row(page, 'Memory Efficient').waitFor();
});

test('filter by category keeps every category in the choices; search by text', async (page) => {
  await gotoPresets(page);
  await page.getByRole('combobox', { name: 'Filter by category' }).click();
  await page.getByRole('option', { name: 'Memory' }).click();
  await row(page, 'High Throughput').waitFor({ state: 'detached' });
  await row(page, 'Memory Efficient').waitFor();
  await page.getByRole('combobox', { name: 'Filter by category' }).click();
  for (const c of ['Experiments', 'General', 'Memory', 'Performance']) await page.getByRole('option', { name: c }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Clear' }).first().click().catch(() => {});
  await page.goto(`${BASE}/presets`);
  await page.getByLabel('Search presets').fill('latency');
  await row(page, 'Balanced').waitFor({ state: 'detached' });
  await row(page, 'Low Latency').waitFor();
});

// ---------------------------------------------------------------- New Task: the reference workflow

test('reference workflow: presets, union, last wins, fine-tune, submit, task page', async (page) => {
  await page.goto(`${BASE}/tasks/new`);
  await page.getByLabel('Task name').fill('e2e-reference-workflow');
  // GPUs: this machine has none, so the field starts empty and says the GPU rules apply only when set.
  const gpus = page.getByRole('textbox', { name: 'GPUs' });
  assert.equal(await gpus.inputValue(), '');
  await page.getByText(/apply \(tp × dp × pp ≤ GPUs\) only when it is set/).waitFor();
  await gpus.fill('2');
  await page.getByRole('switch', { name: 'Use Parameter Presets' }).check({ force: true });
  const picker = page.getByRole('combobox', { name: 'Presets' });

  await picker.click();
  await picker.fill('High');
  await page.getByRole('option', { name: /^High Throughput System/ }).click();
  await expectPreview(page, { 'tp-size': [2, 4], 'mem-fraction-static': [0.9] });

  await picker.click();
  await picker.fill('Memory');
  await page.getByRole('option', { name: /^Memory Efficient System/ }).click();
  await page.keyboard.press('Escape');
  await expectPreview(page, { 'tp-size': [1, 2, 4], 'mem-fraction-static': [0.7, 0.75, 0.9] });
  assert.match(await page.getByTestId('combinations').textContent(), /9 combinations/);
  await shot(page, 'new-task-union');

  await page.getByTestId('merge-strategy').locator('label', { hasText: 'Last Wins' }).click();
  await expectPreview(page, { 'tp-size': [1], 'mem-fraction-static': [0.7, 0.75] });
  assert.ok((await page.getByTestId('merge-conflicts').textContent()).length > 10, 'conflicts are described');

  // Fine-tune: tp-size [1] -> [2].
  const fineTune = page.getByTestId('fine-tune');
  const tp = fineTune.getByLabel('Values of tp-size');
  await fineTune.locator('[data-testid="parameter-row"][data-name="tp-size"] [data-value-type="number"]', { hasText: '1' }).waitFor();
  await tp.click();
  await tp.press('Backspace');
  await typeValues(tp, ['2']);
  await fineTune.getByText('edited').waitFor();
  await shot(page, 'new-task');

  // Submit from the bottom of the form: the task page must open at its top.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.getByRole('button', { name: 'Submit task' }).click();
  await page.waitForURL(/\/tasks\/\d+$/);
  await page.getByRole('heading', { name: 'e2e-reference-workflow' }).waitFor();
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the task page opens scrolled to its top');
  const { body: created } = await api(page, 'GET', `/api/tasks/${page.url().split('/').pop()}`);
  assert.equal(created.gpus, 2);
  const values = page.locator('[data-testid="task-parameter"][data-name="tp-size"] [data-testid="task-parameter-values"]');
  assert.equal(await values.textContent(), '[2]');
  const mem = page.locator('[data-testid="task-parameter"][data-name="mem-fraction-static"] [data-testid="task-parameter-values"]');
  assert.equal(await mem.textContent(), '[0.7,0.75]');
  const sources = await page.getByTestId('task-source').allTextContents();
  assert.deepEqual(sources, ['High Throughput', 'Memory Efficient']);
  await shot(page, 'task-detail');

  await page.getByRole('link', { name: 'Tasks' }).first().click();
  await page.getByRole('link', { name: 'e2e-reference-workflow' }).waitFor();
  await shot(page, 'tasks');
});

// ---------------------------------------------------------------- Tuning run on the stand-in engine

let toyTaskId = 0;

/** The toy task of examples/, small and with an absolute engine path. */
function withoutDelayScale(command) {
  const at = command.indexOf('--delay-scale');
  return at < 0 ? command : [...command.slice(0, at), ...command.slice(at + 2)];
}

function toyTask(name) {
  const spec = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/toy_task.json'), 'utf8'));
  return {
    ...spec,
    task_name: name,
    // An absolute path, and the toy's default speed (the demo's slow-down for noisy machines is
    // not needed to watch a run finish).
    command: withoutDelayScale(spec.command).map((part) =>
      part === 'examples/toy_engine.py' ? join(REPO_ROOT, 'examples/toy_engine.py') : part,
    ),
    parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.8, 0.9], 'schedule-policy': ['lpm'] },
    // No repeats: these tests count one experiment per combination (the trust test below repeats).
    optimization: { ...spec.optimization, max_iterations: 4, repeats: 0 },
    benchmark: { ...spec.benchmark, traffic_scenarios: ['D(16,4)'], concurrency: [2], requests_per_level: 6, warmup_requests: 1 },
  };
}

test('the Tasks page imports a task file, shows its report, or says why not', async (page) => {
  await page.goto(`${BASE}/tasks`);
  const bad = join(tmpdir(), `e2e-bad-task-${process.pid}.json`);
  writeFileSync(bad, JSON.stringify({ task_name: 'no-model' }));
  await page.locator('input[type="file"]').setInputFiles(bad);
  const problem = page.getByTestId('task-file-error');
  await problem.waitFor();
  assert.match(await problem.textContent(), /model/i);
  assert.doesNotMatch(await problem.textContent(), /^Error$/);

  await page.keyboard.press('Escape');

  const good = join(tmpdir(), `e2e-task-file-${process.pid}.json`);
  writeFileSync(good, JSON.stringify(toyTask('e2e-from-a-task-file')));
  await page.locator('input[type="file"]').setInputFiles(good);
  // The import answers with what became of every field of the file, shown before the task opens.
  await page.getByTestId('import-report').waitFor();
  assert.ok((await page.getByTestId('import-report-line').count()) >= 5);
  await page.getByRole('button', { name: 'Open task' }).click();
  await page.waitForURL(/\/tasks\/\d+$/);
  await page.getByRole('heading', { name: 'e2e-from-a-task-file' }).waitFor();
  assert.equal(await page.getByTestId('task-status').getAttribute('data-status'), 'pending');
});

test('run the toy task: start, watch it finish, read a log, save the best as a preset', async (page) => {
  await page.goto(`${BASE}/tasks`);
  const name = `e2e-toy-run-${Date.now()}`;
  const body = toyTask(name);
  const created = await api(page, 'POST', '/api/tasks/', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  assert.equal(created.body.combinations, 4);

  // Which requests the page makes while it follows the run: its live stream, and no polling.
  const requests = [];
  const onRequest = (request) => requests.push(new URL(request.url()).pathname);
  page.on('request', onRequest);
  await page.goto(`${BASE}/tasks/${id}`);
  await page.getByRole('heading', { name }).waitFor();
  assert.equal(await page.getByTestId('task-status').getAttribute('data-status'), 'pending');
  await page.getByText('No experiments yet').waitFor();
  // A marker that a reload would wipe out.
  await page.evaluate(() => {
    window.__e2eSamePage = 'kept';
  });
  await page.getByRole('button', { name: 'Start', exact: true }).click();

  // The page follows the run by itself (no reload): four experiments, the task completed.
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 90_000 });
  assert.equal(await page.evaluate(() => window.__e2eSamePage), 'kept', 'the page was not reloaded');
  page.off('request', onRequest);
  assert.ok(requests.includes(`/api/tasks/${id}/events`), 'the task page follows the task\'s event stream');
  // Without polling, the task is fetched once per change it went through, not once a second.
  const taskFetches = requests.filter((path) => path === `/api/tasks/${id}`).length;
  assert.ok(taskFetches <= 12, `the task was fetched ${taskFetches} times: is it polled?`);
  const rows = page.getByTestId('experiment-row');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="experiment-row"][data-status="succeeded"]').length === 4, null, { timeout: 15_000 });
  assert.equal(await rows.count(), 4);
  assert.match(await page.getByTestId('task-progress').textContent(), /4\s*of 4/);

  // The best is marked in the table and on the chart, and is the one the task names.
  const { body: finished } = await api(page, 'GET', `/api/tasks/${id}`);
  const { body: experiments } = await api(page, 'GET', `/api/tasks/${id}/experiments`);
  const best = experiments.find((e) => e.id === finished.best_experiment_id);
  assert.ok(best, 'the task names its best experiment');
  // Which combination wins depends on timings on a shared machine; that the best is the top score does not.
  assert.equal(best.score, Math.max(...experiments.map((e) => e.score ?? -Infinity)));
  const bestRow = page.locator('[data-testid="experiment-row"][data-best="true"]');
  assert.equal(await bestRow.count(), 1);
  assert.equal(await bestRow.getAttribute('data-sequence'), String(best.sequence));
  await bestRow.getByTestId('best-badge').waitFor();
  const bestPoint = page.locator('[data-testid="chart-point"][data-best="true"]');
  assert.equal(await bestPoint.count(), 1);
  assert.equal(await bestPoint.getAttribute('data-sequence'), String(best.sequence));
  await page.getByTestId('best-vs-baseline').waitFor();
  await page.mouse.move(0, 0);
  await page.getByText('Task started').waitFor({ state: 'detached', timeout: 15_000 });
  await shot(page, 'task-run');

  // One experiment's engine log, in a drawer.
  await page.getByRole('button', { name: 'Log of experiment #1' }).click();
  const drawer = page.getByRole('dialog');
  await drawer.getByText('Experiment #1 engine log').waitFor();
  await drawer.getByTestId('log-text').getByText(/toy engine: serving toy-model/).waitFor();
  assert.match(await drawer.getByTestId('log-text').textContent(), /experiment succeeded/);
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });

  // Save the best as a preset; the toast leads to the Presets page, where it is listed.
  await page.getByTestId('save-best').click();
  const dialog = page.getByRole('dialog');
  const presetName = `${name} best`;
  assert.equal(await dialog.getByRole('textbox', { name: 'Name' }).inputValue(), presetName);
  await dialog.getByRole('button', { name: 'Save preset' }).click();
  await page.getByText('Preset saved').first().waitFor();
  await page.getByRole('link', { name: 'Open Presets' }).click();
  await page.waitForURL(/\/presets$/);
  await row(page, presetName).waitFor();
  assert.match(await row(page, presetName).textContent(), new RegExp(`tp-size: ${best.parameters['tp-size']}`));
  const { body: presets } = await api(page, 'GET', '/api/presets/');
  const saved = presets.find((p) => p.name === presetName);
  assert.deepEqual(saved.parameters, Object.fromEntries(Object.entries(best.parameters).map(([k, v]) => [k, [v]])));
  assert.equal(saved.metadata.source.experiment_id, best.id);

  toyTaskId = id;

  // The tasks list shows the task's status and progress.
  await page.goto(`${BASE}/tasks`);
  await page.locator(`[data-testid="task-row"][data-task-name="${name}"]`).waitFor();
  const taskRow = page.locator(`[data-testid="task-row"][data-task-name="${name}"]`);
  assert.equal(await taskRow.getByTestId('task-row-status').getAttribute('data-status'), 'completed');
  assert.equal((await taskRow.getByTestId('task-row-status').textContent()).trim(), 'Completed');
  assert.match(await taskRow.getByTestId('task-row-progress').textContent(), /4 \/ 4/);
});

test('a two-objective run over the stand-in engine: verdict, intervals, repeats, Pareto front, save a point', async (page) => {
  await page.goto(`${BASE}/tasks`);
  const name = `e2e-trust-${Date.now()}`;
  const base = toyTask(name);
  const body = {
    ...base,
    // Both top configurations run once more: 4 originals and 2 repeats.
    optimization: { ...base.optimization, repeats: 1, repeat_top: 2, objectives: ['maximize_throughput', 'minimize_ttft'] },
  };
  const created = await api(page, 'POST', '/api/tasks/', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  await page.goto(`${BASE}/tasks/${id}`);
  await page.getByRole('heading', { name }).waitFor();
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 150_000 });

  const { body: finished } = await api(page, 'GET', `/api/tasks/${id}`);
  const { body: experiments } = await api(page, 'GET', `/api/tasks/${id}/experiments`);
  const repeats = experiments.filter((e) => e.repeat_of !== null);
  assert.equal(experiments.length, 6, JSON.stringify(experiments.map((e) => [e.sequence, e.status, e.repeat_of])));
  assert.equal(repeats.length, 2);

  // The verdict: the server's sentence and kind, above the results.
  assert.ok(finished.verdict, 'the finished task has a verdict');
  const verdict = page.getByTestId('task-verdict');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-kind'), finished.verdict.kind);
  assert.equal((await page.getByTestId('verdict-sentence').textContent()).trim(), finished.verdict.sentence);
  assert.match(await page.getByTestId('verdict-noise').textContent(), /Measured noise: (\d+\.\d%|unknown)/);
  const verdictBox = await verdict.boundingBox();
  const chartBox = await page.getByTestId('score-chart').boundingBox();
  assert.ok(verdictBox.y < chartBox.y, 'the verdict is above the score chart');

  // Repeats are listed under their originals and drawn on them with their intervals.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="experiment-row"]').length === 6, null, { timeout: 15_000 });
  assert.equal(await page.locator('[data-testid="experiment-row"][data-repeat-of]').count(), 2);
  const withInterval = experiments.filter((e) => e.score_stats && e.score_stats.n > 1 && e.score_stats.ci_high > e.score_stats.ci_low);
  assert.equal(await page.getByTestId('chart-interval').count(), withInterval.length);
  assert.equal(await page.getByTestId('chart-point').count(), experiments.filter((e) => e.repeat_of === null && e.status === 'succeeded').length);

  // The front: non-empty, its points mutually non-dominated, shown and highlighted as the server says.
  const { body: pareto } = await api(page, 'GET', `/api/tasks/${id}/pareto`);
  assert.deepEqual(pareto.objectives, ['maximize_throughput', 'minimize_ttft']);
  const front = pareto.points.filter((p) => !p.dominated);
  assert.ok(front.length > 0, 'the front is not empty');
  const beats = (a, b) =>
    a.maximize_throughput >= b.maximize_throughput &&
    a.minimize_ttft <= b.minimize_ttft &&
    (a.maximize_throughput > b.maximize_throughput || a.minimize_ttft < b.minimize_ttft);
  for (const a of front) for (const b of front) assert.ok(!beats(a.objective_values, b.objective_values), 'front points do not dominate each other');
  assert.deepEqual([...finished.pareto_front].sort(), front.map((p) => p.experiment_id).sort());
  const table = page.getByTestId('pareto-table');
  await table.waitFor();
  assert.equal(await table.locator('[data-testid="pareto-row"]').count(), pareto.points.length);
  assert.equal(await table.locator('[data-testid="pareto-row"][data-dominated="false"]').count(), front.length);
  // The chart draws a mark per point (recharts' symbols).
  await page.locator('[data-testid="pareto-chart"] .recharts-scatter-symbol').first().waitFor();
  assert.equal(await page.locator('[data-testid="pareto-chart"] .recharts-scatter-symbol').count(), pareto.points.length);

  await page.mouse.move(0, 0);
  await page.getByText('Task started').waitFor({ state: 'detached', timeout: 15_000 });
  await checkEverySize(page, 'task-trust', async () => {
    await page.getByTestId('pareto-table').waitFor();
  });

  // Any point of the front can be saved as a preset (single-value lists of its parameters).
  const point = front[0];
  const ref = `#${experiments.find((e) => e.id === point.experiment_id).sequence}`;
  await table.getByRole('button', { name: `Save ${ref} as preset` }).click();
  const dialog = page.getByRole('dialog');
  const presetName = `${name} front ${ref}`;
  await dialog.getByRole('textbox', { name: 'Name' }).fill(presetName);
  await dialog.getByRole('button', { name: 'Save preset' }).click();
  await page.getByText('Preset saved').first().waitFor();
  const { body: presets } = await api(page, 'GET', '/api/presets/');
  const saved = presets.find((p) => p.name === presetName);
  assert.ok(saved, 'the point was saved as a preset');
  assert.deepEqual(saved.parameters, Object.fromEntries(Object.entries(point.parameters).map(([k, v]) => [k, [v]])));
  await api(page, 'DELETE', `/api/presets/${saved.id}`);
});

test('the Tasks list follows a task started elsewhere, without reloading', async (page) => {
  const name = `e2e-list-live-${Date.now()}`;
  await page.goto(`${BASE}/tasks`);
  const created = await api(page, 'POST', '/api/tasks/', toyTask(name));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const taskRow = page.locator(`[data-testid="task-row"][data-task-name="${name}"]`);
  await page.reload(); // the task exists before the page is watched
  await taskRow.waitFor();
  await page.evaluate(() => {
    window.__e2eSamePage = 'kept';
  });
  const status = taskRow.getByTestId('task-row-status');
  assert.equal(await status.getAttribute('data-status'), 'pending');
  // Started by someone else (here, the API): the row moves by itself.
  await api(page, 'POST', `/api/tasks/${created.body.id}/start`);
  await taskRow.locator('[data-testid="task-row-status"][data-status="running"]').or(
    taskRow.locator('[data-testid="task-row-status"][data-status="completed"]'),
  ).first().waitFor({ timeout: 30_000 });
  await taskRow.locator('[data-testid="task-row-status"][data-status="completed"]').waitFor({ timeout: 90_000 });
  await page.waitForFunction(
    (n) => /4 \/ 4/.test(document.querySelector(`[data-testid="task-row"][data-task-name="${n}"] [data-testid="task-row-progress"]`)?.textContent ?? ''),
    name,
    { timeout: 15_000 },
  );
  assert.equal(await page.evaluate(() => window.__e2eSamePage), 'kept', 'the page was not reloaded');
  await api(page, 'DELETE', `/api/tasks/${created.body.id}`);
});

test('a task that tried every combination offers Run again, which starts a fresh run', async (page) => {
  assert.ok(toyTaskId, 'the toy run test must run first');
  await page.goto(`${BASE}/tasks/${toyTaskId}`);
  await page.getByTestId('experiments-table').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Continue search' }).count(), 0);
  assert.match(await page.getByTestId('cannot-continue').textContent(), /Every planned experiment has run \(4 of 4\)/);
  const { body: before } = await api(page, 'GET', `/api/tasks/${toyTaskId}/experiments`);
  await page.getByRole('button', { name: 'Run again' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Run again' }).click();
  await page.getByText('Running again').first().waitFor();
  assert.equal(await page.getByTestId('run-error').count(), 0);
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 90_000 });
  const { body: after } = await api(page, 'GET', `/api/tasks/${toyTaskId}/experiments`);
  assert.equal(after.length, 4, 'the fresh run tried every combination again');
  // Ids may be reused once the old rows are gone; the new experiments are younger than every old one.
  const lastOld = Math.max(...before.map((e) => Date.parse(e.created_at)));
  assert.ok(after.every((e) => Date.parse(e.created_at) > lastOld), 'the old experiments were cleared and new ones run');
});

// ---------------------------------------------------------------- layout at every size

test('every page fits its window from a 768 px tablet to 1920 px', async (page) => {
  assert.ok(toyTaskId, 'the toy run test must run first');
  const pages = [
    ['presets', '/presets', () => row(page, 'High Throughput').waitFor()],
    ['tasks', '/tasks', () => page.getByTestId('task-row').first().waitFor()],
    ['new-task', '/tasks/new', () => page.getByRole('heading', { name: 'New tuning task' }).waitFor()],
    ['task-page', `/tasks/${toyTaskId}`, () => page.getByTestId('experiments-table').waitFor()],
    ['not-found', '/nowhere', () => page.getByText('This page does not exist').waitFor()],
  ];
  for (const [name, path, ready] of pages) {
    await checkEverySize(page, `every-size-${name}`, async () => {
      await page.goto(`${BASE}${path}`);
      await ready();
    });
  }
  // A running task: its experiments' status badges (Deploying, Benchmarking) and its controls.
  const long = toyTask(`e2e-running-${Date.now()}`);
  long.benchmark = { ...long.benchmark, requests_per_level: 400 };
  const { body: running } = await api(page, 'POST', '/api/tasks/', long);
  await api(page, 'POST', `/api/tasks/${running.id}/start`);
  try {
    await checkEverySize(page, 'every-size-task-running', async () => {
      await page.goto(`${BASE}/tasks/${running.id}`);
      await page.locator('[data-testid="experiment-status"][data-status="benchmarking"]').first().waitFor({ timeout: 60_000 });
    });
  } finally {
    await api(page, 'POST', `/api/tasks/${running.id}/cancel`);
  }

  // The New Task form with presets picked and SLOs open is the widest form.
  await checkEverySize(page, 'every-size-new-task-presets', async () => {
    await page.goto(`${BASE}/tasks/new`);
    await page.getByRole('switch', { name: 'Use Parameter Presets' }).check({ force: true });
    const picker = page.getByRole('combobox', { name: 'Presets' });
    await picker.click();
    await picker.fill('High');
    await page.getByRole('option', { name: /^High Throughput System/ }).click();
    await picker.click();
    await picker.fill('Memory');
    await page.getByRole('option', { name: /^Memory Efficient System/ }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('switch', { name: 'Set SLOs' }).check({ force: true });
    await page.getByTestId('merged-json').waitFor();
  });
});

// ---------------------------------------------------------------- runner

process.exit(await runTests(tests, { shots: SHOTS, contextOptions: { acceptDownloads: true } }));
