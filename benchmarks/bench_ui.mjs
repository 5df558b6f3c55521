// The UI's weight and speed, measured in headless Chromium against the real service.
//   cd frontend && npm run build && node ../benchmarks/bench_ui.mjs [--counts 1000,5000] [--runs 3]
// For each count it starts `autotuner serve` on a temporary data directory (SQLite) and a free
// port, imports that many presets in one bundle (POST /api/presets/import), and measures:
//   - load: from navigation start to the Presets table showing them (the count line says
//     "N of N presets" and the first row is in the DOM), the median of --runs fresh pages;
//   - scroll: the window scrolled 120 px a frame for 240 frames: frame intervals (median, p95,
//     frames over 50 ms) and long tasks (count, total ms) during it, and the rows in the DOM.
// It also reports the JavaScript the browser fetched for /presets, gzipped (the aim is < 200 kB).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FRONTEND = join(ROOT, 'frontend');
// playwright-core and the browser launcher live with the frontend's e2e tests.
const { launchBrowser } = await import(join(FRONTEND, 'e2e', 'browser.mjs'));

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, arg, i, all) => (arg.startsWith('--') ? [...acc, [arg.slice(2), all[i + 1]]] : acc), []),
);
const COUNTS = (args.counts || '1000,5000').split(',').map(Number);
const RUNS = Number(args.runs || 3);
const AUTOTUNER = resolve(args.autotuner || join(ROOT, '.venv', 'bin', 'autotuner'));
const UI_DIR = resolve(args['ui-dir'] || join(FRONTEND, 'dist'));
if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error(`No built UI in ${UI_DIR}: run "npm run build" in frontend/ first.`);

const freePort = () =>
  new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const kB = (n) => (n / 1024).toFixed(1);

async function startService() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-ui-'));
  const env = { ...process.env, AUTOTUNER_DATA_DIR: dataDir, AUTOTUNER_UI_DIR: UI_DIR };
  delete env.AUTOTUNER_DATABASE_URL;
  const child = spawn(AUTOTUNER, ['serve', '--port', String(port)], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i += 1) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`The service exited before answering: ${log}`);
    try {
      if ((await fetch(`${base}/api/presets/`)).ok) break;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const running = () => child.exitCode === null && child.signalCode === null;
    for (let i = 0; i < 50 && running(); i += 1) await sleep(100);
    if (running()) process.kill(-child.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { base, stop };
}

async function importPresets(base, count) {
  const presets = Array.from({ length: count }, (_, i) => ({
    name: `bench-${String(i).padStart(5, '0')}`,
    description: i % 3 ? `Preset ${i} of the UI benchmark` : undefined,
    category: ['performance', 'memory', 'latency'][i % 3],
    parameters: { 'tp-size': [(i % 4) + 1, (i % 4) + 2], 'mem-fraction-static': [0.8, 0.9] },
  }));
  const res = await fetch(`${base}/api/presets/import`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Autotuner-CSRF': '1' },
    body: JSON.stringify({ version: '1.0', presets }),
  });
  if (res.status !== 201) throw new Error(`Import answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const listed = await (await fetch(`${base}/api/presets/`)).json();
  return listed.length;
}

/** Navigates to /presets; the ms from navigation start until the table shows `total` presets. */
async function loadOnce(browser, base, total, jsSeen) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith('.js')) jsSeen.add(url.pathname);
  });
  await page.goto(`${base}/presets`, { waitUntil: 'commit' });
  const shown = await page.waitForFunction(
    (n) => {
      const line = [...document.querySelectorAll('p')].some((p) => p.textContent === `${n} of ${n} presets`);
      return line && document.querySelector('[data-testid="preset-row"]') ? performance.now() : false;
    },
    total,
    { polling: 'raf', timeout: 120_000 },
  );
  const ms = await shown.jsonValue();
  return { page, ms };
}

async function scroll(page) {
  return page.evaluate(async () => {
    const longTasks = [];
    const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
    obs.observe({ type: 'longtask', buffered: false });
    const frames = [];
    let last = performance.now();
    for (let i = 0; i < 240; i += 1) {
      window.scrollBy(0, 120);
      const now = await new Promise((ok) => requestAnimationFrame(ok));
      frames.push(now - last);
      last = now;
    }
    await new Promise((ok) => setTimeout(ok, 100));
    obs.disconnect();
    return { frames, longTasks, rows: document.querySelectorAll('[data-testid="preset-row"]').length, scrollY: window.scrollY };
  });
}

const browser = await launchBrowser();
const jsSeen = new Set();
const results = [];
try {
  for (const count of COUNTS) {
    const service = await startService();
    try {
      const total = await importPresets(service.base, count);
      const loads = [];
      let scrolled;
      for (let run = 0; run < RUNS; run += 1) {
        const { page, ms } = await loadOnce(browser, service.base, total, jsSeen);
        loads.push(ms);
        if (run === RUNS - 1) scrolled = await scroll(page);
        await page.close();
      }
      const f = scrolled.frames;
      results.push({
        count: total,
        loadMedian: median(loads),
        loads,
        frameMedian: median(f),
        frameP95: pct(f, 95),
        slowFrames: f.filter((x) => x > 50).length,
        longTasks: scrolled.longTasks.length,
        longTaskMs: scrolled.longTasks.reduce((a, b) => a + b, 0),
        rows: scrolled.rows,
        scrollY: scrolled.scrollY,
      });
    } finally {
      await service.stop();
    }
  }
} finally {
  await browser.close();
}

// The JavaScript the browser fetched for /presets, gzipped as the files are in the build.
const js = [...jsSeen].map((p) => {
  const raw = readFileSync(join(UI_DIR, p));
  return { file: p.replace(/^\/assets\//, ''), raw: raw.length, gz: gzipSync(raw).length };
});
js.sort((a, b) => b.gz - a.gz);
console.log(`JavaScript fetched for /presets (${js.length} files):`);
for (const j of js) console.log(`  ${j.file.padEnd(40)} ${kB(j.raw).padStart(7)} kB  gzip ${kB(j.gz).padStart(6)} kB`);
console.log(`  total ${kB(js.reduce((a, j) => a + j.raw, 0))} kB, gzip ${kB(js.reduce((a, j) => a + j.gz, 0))} kB`);
console.log('');
console.log('| presets | load to table, median ms (runs) | scroll frame median / p95 ms | frames > 50 ms | long tasks (total ms) | rows in DOM |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.count} | ${r.loadMedian.toFixed(0)} (${r.loads.map((x) => x.toFixed(0)).join(', ')}) | ${r.frameMedian.toFixed(1)} / ${r.frameP95.toFixed(1)} | ${r.slowFrames} of 240 | ${r.longTasks} (${r.longTaskMs.toFixed(0)}) | ${r.rows} |`,
  );
}
