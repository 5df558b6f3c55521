// The Docker deployment in the browser: the New Task form offers Docker with its options and the
// daemon's state, and a docker task of the stand-in engine (image STANDIN_IMAGE, built by
// tests/support/docker_images.py) runs to its end through the service; screenshots of both.
//   STANDIN_IMAGE=autotuner-standin:<hash> scripts/e2e.sh e2e/docker.mjs
import { resolve } from 'node:path';
import { launchBrowser } from './browser.mjs';

const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || '../test-artifacts/screenshots');
const IMAGE = process.env.STANDIN_IMAGE;
if (!IMAGE) throw new Error('Set STANDIN_IMAGE to the stand-in engine image (tests/support/docker_images.py builds it).');

async function api(method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json', 'X-Autotuner-CSRF': '1' } : { 'X-Autotuner-CSRF': '1' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const browser = await launchBrowser();
let failed = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${BASE}/tasks/new`);
  await page.getByText('Docker', { exact: true }).click();
  const state = page.getByTestId('docker-state');
  await state.waitFor();
  const sentence = await state.textContent();
  if (!/^Docker .* answers at unix:\/\//.test(sentence)) throw new Error(`unexpected daemon state: ${sentence}`);
  await page.getByRole('textbox', { name: 'Image' }).fill('lmsysorg/sglang:dev');
  await page.waitForTimeout(400); // the SegmentedControl's transition
  await page.getByTestId('docker-options').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/docker-new-task.png`, fullPage: false });
  console.log('ok - the New Task form offers Docker:', sentence);

  const task = await api('POST', '/api/tasks/', {
    task_name: 'docker-stand-in',
    model: { id_or_path: 'toy-model' },
    base_runtime: 'command',
    command: ['{python}', '/opt/standin/toy_engine.py', '--model-path', '{model}', '--host', '{host}', '--port', '{port}'],
    deployment_mode: 'docker',
    docker: { image: IMAGE },
    parameters: { 'tp-size': [1, 2], 'schedule-policy': ['fcfs', 'lpm'] },
    optimization: { strategy: 'grid_search', max_iterations: 4, timeout_per_iteration: 60 },
    benchmark: { traffic_scenarios: ['D(16,4)'], concurrency: [2], requests_per_level: 4, warmup_requests: 0 },
  });
  await api('POST', `/api/tasks/${task.id}/start`);
  let done;
  for (let i = 0; i < 240; i++) {
    done = await api('GET', `/api/tasks/${task.id}`);
    if (done.status !== 'running' && done.status !== 'pending') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (done.status !== 'completed') throw new Error(`the docker task ended ${done.status}: ${done.error_message}`);
  await page.goto(`${BASE}/tasks/${task.id}`);
  await page.getByText('docker-stand-in').first().waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${SHOTS}/docker-task.png`, fullPage: true });
  console.log(`ok - the docker task completed: ${done.experiments_done} experiments, best ${done.best_experiment_id}`);
} catch (error) {
  failed = 1;
  console.error('not ok -', error.message);
} finally {
  await browser.close();
}
console.log(`E2E: ${failed ? 0 : 2} passed, ${failed} failed`);
process.exit(failed);
