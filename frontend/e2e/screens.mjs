// Screenshots of the Presets page and of a finished tuning task at one window size, with the
// layout check's findings, for comparing the UI before and after a layout change:
//   SCREENSHOT_DIR=test-artifacts/before scripts/e2e.sh e2e/screens.mjs
// It makes its own data on the service (a preset with a long name, a toy task run to its end).
// Window size: SCREEN_SIZE=1366x900 (the default).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';
import { findOverflows } from './layout.mjs';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || '../test-artifacts/screens');
const [width, height] = (process.env.SCREEN_SIZE || '1366x900').split('x').map(Number);

export const LONG_PRESET_NAME = 'Long-context throughput sweep for Llama 3.1 70B Instruct on eight H100 GPUs';

async function api(method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return parsed;
}

/** The toy task of examples/, with an absolute engine path, from the long-named preset. */
export function toyTaskBody(presetId, name) {
  const spec = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/toy_task.json'), 'utf8'));
  return {
    ...spec,
    task_name: name,
    command: spec.command.map((part) => (part === 'examples/toy_engine.py' ? join(REPO_ROOT, 'examples/toy_engine.py') : part)),
    parameters: undefined,
    presets: { ids: [presetId], merge_strategy: 'union' },
    optimization: { ...spec.optimization },
    benchmark: { ...spec.benchmark, requests_per_level: 8, warmup_requests: 1 },
  };
}

async function waitForTask(id, statuses, timeoutMs = 180_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const task = await api('GET', `/api/tasks/${id}`);
    if (statuses.includes(task.status)) return task;
    if (Date.now() > until) throw new Error(`task ${id} is still ${task.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const preset = await api('POST', '/api/presets/', {
  name: LONG_PRESET_NAME,
  description: 'Every tensor-parallel size with the memory fractions and schedule policies worth trying for long prompts.',
  category: 'performance',
  parameters: { 'tp-size': [1, 2, 4], 'mem-fraction-static': [0.8, 0.9], 'schedule-policy': ['fcfs', 'lpm'] },
  metadata: { tags: ['long-context', 'h100', 'throughput'] },
});
const task = await api('POST', '/api/tasks/', toyTaskBody(preset.id, 'toy-engine-throughput-from-a-long-preset'));
await api('POST', `/api/tasks/${task.id}/start`);

const browser = await launchBrowser();
const report = [];
try {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const capture = async (name, path, ready) => {
    await page.goto(`${BASE}${path}`);
    await ready();
    await page.mouse.move(0, 0);
    await page.waitForTimeout(600);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    const problems = await findOverflows(page);
    report.push(`## ${name} (${path}) at ${width}x${height}: ${problems.length} overflow(s)`, ...problems.map((p) => `- ${p}`), '');
  };

  // While it runs: an experiment is deploying or benchmarking.
  await page.goto(`${BASE}/tasks/${task.id}`);
  await page.locator('[data-testid="experiment-row"][data-status="benchmarking"]').first().waitFor({ timeout: 60_000 }).catch(() => {});
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, 'task-running.png'), fullPage: true });
  const running = await findOverflows(page);
  report.push(`## task-running at ${width}x${height}: ${running.length} overflow(s)`, ...running.map((p) => `- ${p}`), '');

  const finished = await waitForTask(task.id, ['completed', 'failed']);
  if (finished.best_experiment_id) {
    await api('POST', `/api/experiments/${finished.best_experiment_id}/save-as-preset`, {
      name: `${LONG_PRESET_NAME} — best of the toy run`,
      category: 'performance',
    });
  }
  await capture('presets', '/presets', () => page.locator('[data-testid="preset-row"]').first().waitFor());
  await capture('task', `/tasks/${task.id}`, () => page.getByTestId('experiments-table').waitFor());
  await capture('tasks', '/tasks', () => page.locator('[data-testid="task-row"]').first().waitFor());
  await capture('new-task', '/tasks/new', () => page.getByRole('heading', { name: 'New tuning task' }).waitFor());
  await context.close();
} finally {
  await browser.close();
}
writeFileSync(join(SHOTS, 'overflows.md'), report.join('\n'));
console.log(report.join('\n'));
console.log(`Screenshots in ${SHOTS}`);
