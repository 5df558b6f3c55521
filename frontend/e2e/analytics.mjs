// Browser tests of issue 16: the Analytics page on real data (two presets, a short task on the
// stand-in engine that uses both, run to the end), its importance and compare tabs, and
// "Suggest for my model" (on the Analytics page, saved as a preset, and filling the New Task space).
//   E2E_BASE_URL=http://127.0.0.1:8011 SCREENSHOT_DIR=../test-artifacts/screenshots node e2e/analytics.mjs
// Started by scripts/e2e.sh after versions.mjs, on the same temporary service (single-user mode;
// the command runtime is on there, for the stand-in engine).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from './runner.mjs';
import { api } from './pageApi.mjs';
import { assertNoOverflow } from './layout.mjs';
import { settle } from './shots.mjs';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || '../test-artifacts/screenshots');
mkdirSync(SHOTS, { recursive: true });

const SIZES = [
  { name: '1366x900', width: 1366, height: 900 },
  { name: '1920x1080', width: 1920, height: 1080 },
];

/** Photographs the whole page at both sizes, failing on any overflow. */
async function shot(page, name) {
  const original = page.viewportSize();
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await settle(page);
    await page.screenshot({ path: join(SHOTS, `${name}-${size.name}.png`), fullPage: true });
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

/** The toy task of examples/ (the stand-in engine), small, on the presets given. */
function toyTask(name, presetIds) {
  const spec = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/toy_task.json'), 'utf8'));
  const at = spec.command.indexOf('--delay-scale');
  const command = at < 0 ? spec.command : [...spec.command.slice(0, at), ...spec.command.slice(at + 2)];
  const rest = { ...spec };
  delete rest.parameters; // the presets give the space
  return {
    ...rest,
    task_name: name,
    command: command.map((part) => (part === 'examples/toy_engine.py' ? join(REPO_ROOT, 'examples/toy_engine.py') : part)),
    presets: { ids: presetIds, merge_strategy: 'union' },
    optimization: { ...spec.optimization, max_iterations: 4 },
    benchmark: { ...spec.benchmark, traffic_scenarios: ['D(16,4)'], concurrency: [2], requests_per_level: 6, warmup_requests: 1 },
  };
}

/** Two presets, and a finished task that searched their union (set up once, used by the tests). */
let world = null;
async function setUp(page) {
  if (world) return world;
  await page.goto(`${BASE}/analytics`);
  const wide = await createPreset(page, {
    name: `E2E Toy Wide ${RUN}`,
    runtime: 'sglang',
    parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.9], 'schedule-policy': ['lpm'] },
  });
  const small = await createPreset(page, {
    name: `E2E Toy Small ${RUN}`,
    runtime: 'sglang',
    parameters: { 'tp-size': [1], 'mem-fraction-static': [0.8], 'schedule-policy': ['lpm'] },
  });
  const created = await api(page, 'POST', '/api/tasks/', toyTask(`e2e-analytics-${RUN}`, [wide.id, small.id]));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = created.body;
  await api(page, 'POST', `/api/tasks/${task.id}/start`);
  for (let i = 0; i < 180; i += 1) {
    const { body } = await api(page, 'GET', `/api/tasks/${task.id}`);
    if (['completed', 'failed', 'cancelled'].includes(body.status)) {
      assert.equal(body.status, 'completed', JSON.stringify(body));
      break;
    }
    await page.waitForTimeout(1000);
  }
  world = { wide, small, task };
  return world;
}

// ---------------------------------------------------------------- the page

test('a preset card shows its record from a finished task; an unused preset says what to do', async (page) => {
  const { wide } = await setUp(page);
  const analytics = await api(page, 'GET', `/api/presets/${wide.id}/analytics`);
  assert.equal(analytics.status, 200, JSON.stringify(analytics.body));
  assert.ok(analytics.body.experiments > 0, `the wide preset has experiments: ${JSON.stringify(analytics.body)}`);

  await page.goto(`${BASE}/analytics?preset=${wide.id}`);
  const card = page.getByTestId(`preset-analytics-${wide.id}`);
  await card.getByRole('img', { name: 'Score per context' }).waitFor();
  assert.match(await card.textContent(), new RegExp(`Experiments${analytics.body.experiments}`));
  await card.getByRole('table', { name: 'Contexts' }).getByText(analytics.body.contexts[0].label).waitFor();
  // The chart draws bars (recharts' SVG), not an empty frame.
  assert.ok((await card.locator('.recharts-bar-rectangle').count()) > 0, 'the context chart has bars');
  await shot(page, 'analytics-preset');

  const unused = await createPreset(page, { name: `E2E Unused ${RUN}`, runtime: 'vllm', parameters: { 'max-num-seqs': [64] } });
  await page.goto(`${BASE}/analytics?preset=${unused.id}`);
  await page.getByTestId(`preset-analytics-${unused.id}`).getByText(/No task has run/).waitFor();
});

test("parameter importance of the task: bars per flag and one flag's score per value", async (page) => {
  const { task } = await setUp(page);
  await page.goto(`${BASE}/analytics?tab=parameters`);
  await page.getByRole('combobox', { name: 'Task' }).click();
  await page.getByRole('option', { name: `#${task.id} ${task.task_name}` }).click();
  const answer = await api(page, 'GET', `/api/analytics/importance?task_id=${task.id}`);
  if (answer.status === 200 && answer.body.parameters.length > 0) {
    await page.getByRole('img', { name: 'Parameter importance' }).waitFor();
    await page.getByRole('img', { name: /^Score per value of / }).waitFor();
  } else {
    // Too few experiments for an estimate: the server's sentence, or the page's, says so.
    const said = answer.status === 200 ? 'Not enough experiments yet' : answer.body.detail;
    await page.getByText(said).waitFor();
  }
  await shot(page, 'analytics-importance');
});

test('compare two presets side by side', async (page) => {
  const { wide, small } = await setUp(page);
  await page.goto(`${BASE}/analytics?tab=compare`);
  const picker = page.getByRole('combobox', { name: 'Presets to compare' });
  for (const p of [wide, small]) {
    await picker.click();
    await picker.fill(p.name);
    await page.getByRole('option', { name: p.name }).click();
  }
  await page.keyboard.press('Escape');
  const table = page.getByRole('table', { name: 'Presets compared' });
  await table.getByText(wide.name).waitFor();
  await table.getByText(small.name).waitFor();
  await page.getByRole('img', { name: 'Best score per context, preset by preset' }).waitFor();
  await shot(page, 'analytics-compare');
});

// ---------------------------------------------------------------- suggestions

async function fillSuggest(scope, page, { model, memory, count }) {
  await scope.getByRole('combobox', { name: 'Model' }).click();
  await scope.getByRole('combobox', { name: 'Model' }).fill(model);
  await page.getByRole('option', { name: new RegExp(model) }).first().click();
  await scope.locator('label').filter({ hasText: /^Given$/ }).click();
  await scope.getByLabel('GPU model').fill('H100 80GB');
  await scope.getByLabel('Memory per GPU (GB)').fill(String(memory));
  await scope.getByLabel('GPUs', { exact: true }).fill(String(count));
  await scope.getByRole('button', { name: 'Suggest', exact: true }).click();
}

test('suggest for Llama-3 8B on one 80 GB GPU: tp-size 1 with reasons; too big says so; save as preset', async (page) => {
  await page.goto(`${BASE}/analytics?tab=suggest`);
  await fillSuggest(page, page, { model: 'Llama-3-8B', memory: 80, count: 1 });
  const view = page.getByTestId('suggestion');
  await view.waitFor({ timeout: 20_000 });
  const tp = view.getByRole('table', { name: 'Suggested space' }).getByRole('row').filter({ hasText: 'tp-size' });
  assert.match(await tp.textContent(), /tp-size1/);
  await tp.getByText('memory model').first().waitFor();
  await shot(page, 'analytics-suggest');

  await view.getByRole('button', { name: 'Save as preset' }).click();
  const dialog = page.getByRole('dialog', { name: 'Save the suggestion as a preset' });
  const name = `E2E Suggested ${RUN}`;
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Save preset' }).click();
  await page.getByText('Preset saved').waitFor();
  const { body: presets } = await api(page, 'GET', '/api/presets/');
  const saved = presets.find((p) => p.name === name);
  assert.ok(saved, 'the suggestion was saved as a preset');
  assert.deepEqual(saved.parameters['tp-size'], [1]);

  // 70B on one 24 GB GPU fits nowhere: the server's sentence, no suggestion.
  await page.goto(`${BASE}/analytics?tab=suggest`);
  await fillSuggest(page, page, { model: 'Llama-3-70B', memory: 24, count: 1 });
  const alert = page.getByRole('alert').filter({ hasText: /GB/ });
  await alert.waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('suggestion').count(), 0);
});

test('New Task: "Suggest for my model" fills the parameter space', async (page) => {
  await page.goto(`${BASE}/tasks/new`);
  await page.getByRole('button', { name: 'Suggest for my model' }).click();
  const drawer = page.getByRole('dialog', { name: 'Suggest a parameter space' });
  await fillSuggest(drawer, page, { model: 'Llama-3-8B', memory: 80, count: 1 });
  await drawer.getByTestId('suggestion').waitFor({ timeout: 20_000 });
  await shot(page, 'new-task-suggest');
  await drawer.getByRole('button', { name: 'Use in task' }).click();
  await drawer.waitFor({ state: 'hidden' });
  await page.getByRole('combobox', { name: 'Parameter 1 name' }).waitFor();
  const names = await page.getByRole('combobox', { name: /^Parameter \d+ name$/ }).evaluateAll((els) => els.map((el) => el.value));
  assert.ok(names.includes('tp-size'), `the space has tp-size: ${names}`);
  assert.ok(names.length >= 2, `the suggested space filled the editor: ${names}`);
});

// ---------------------------------------------------------------- runner

process.exit(await runTests(tests, { label: 'analytics, suggestions', shots: SHOTS }));
