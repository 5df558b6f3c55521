/** Tasks and experiments shaped like the service's answers, for the run UI's tests. */
import type { ExperimentStatus, TaskStatus } from '../api/enums';
import type { Experiment, Task } from '../features/tasks/types/task';

const stamp = '2026-11-28T10:00:00Z';

export function level(throughput: number, ttftP90: number, tpotP90: number, latencyP90: number) {
  const stats = (p90: number) => ({ mean: p90 * 0.9, p50: p90 * 0.8, p90, p99: p90 * 1.1 });
  return {
    scenario: 'D(16,4)',
    concurrency: 2,
    requests_sent: 6,
    requests_succeeded: 6,
    requests_failed: 0,
    ttft_ms: stats(ttftP90),
    tpot_ms: stats(tpotP90),
    latency_ms: stats(latencyP90),
    output_tokens_per_s: throughput,
    total_tokens_per_s: throughput * 5,
    requests_per_s: throughput / 4,
  };
}

export function experiment(
  id: number,
  status: ExperimentStatus,
  score: number | null,
  parameters: Record<string, unknown>,
  levels: ReturnType<typeof level>[] = [],
  extra: Partial<Experiment> = {},
): Experiment {
  return {
    id,
    task_id: 7,
    sequence: id,
    parameters,
    status,
    metrics: levels.length ? { levels, scoring: { score, failed: score === null } } : null,
    score,
    error_message: null,
    command: ['python', 'toy_engine.py', '--port', '4000'],
    log_path: `/tmp/logs/experiment-${id}.log`,
    started_at: '2026-11-28T10:00:00Z',
    ended_at: '2026-11-28T10:00:02.500Z',
    created_at: stamp,
    ...extra,
  };
}

export function task(status: TaskStatus, extra: Partial<Task> = {}): Task {
  return {
    id: 7,
    task_name: 'toy-run',
    description: null,
    model: { id_or_path: 'toy-model' },
    base_runtime: 'command',
    runtime_version: null,
    command: ['python', 'toy_engine.py', '--port', '{port}'],
    deployment_mode: 'local',
    gpus: null,
    parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.8, 0.9] },
    optimization: { strategy: 'grid_search', objective: 'maximize_throughput', max_iterations: 4, timeout_per_iteration: 60 },
    benchmark: { traffic_scenarios: ['D(16,4)'], concurrency: [2] },
    slo: null,
    provenance: null,
    warnings: [],
    combinations: 4,
    status,
    error_message: null,
    created_at: stamp,
    updated_at: stamp,
    started_at: null,
    completed_at: null,
    experiments_total: null,
    experiments_done: 0,
    best_experiment_id: null,
    cancel_requested: false,
    stop_reason: null,
    ...extra,
  } as Task;
}

/** Four experiments: #1 the baseline, #3 the best, #4 failed. */
export const RUN: Experiment[] = [
  experiment(1, 'succeeded', 100, { 'tp-size': 1, 'mem-fraction-static': 0.8 }, [level(100, 40, 6, 200)]),
  experiment(2, 'succeeded', 120, { 'tp-size': 1, 'mem-fraction-static': 0.9 }, [level(120, 50, 5, 180)]),
  experiment(3, 'succeeded', 150, { 'tp-size': 2, 'mem-fraction-static': 0.9 }, [level(300, 30, 3, 100)]),
  experiment(4, 'failed', null, { 'tp-size': 2, 'mem-fraction-static': 0.97 }, [], {
    error_message: 'The engine exited with code 1 before it became ready. Last lines of its output: out of memory.',
  }),
];

/** Score statistics as the server gives them (95% interval by Student's t, t(0.975, 2) = 4.303). */
export function stats(samples: number[]) {
  const n = samples.length;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  const stdev = n > 1 ? Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const half = n === 3 ? (4.303 * stdev) / Math.sqrt(3) : 0;
  return { n, mean, stdev, ci_low: mean - half, ci_high: mean + half, samples };
}

/**
 * A run with repeats: #1 (100, 104, 96) and #2 (120, 118, 122) each repeated twice (#4-#7),
 * #3 pruned. The verdict names #2.
 */
export const REPEATED: Experiment[] = [
  experiment(1, 'succeeded', 100, { 'tp-size': 1 }, [level(100, 40, 6, 200)], { score_stats: stats([100, 104, 96]), objective_values: { maximize_throughput: 100, minimize_ttft: 40 } }),
  experiment(2, 'succeeded', 120, { 'tp-size': 2 }, [level(120, 50, 5, 180)], { score_stats: stats([120, 118, 122]), objective_values: { maximize_throughput: 120, minimize_ttft: 50 } }),
  experiment(3, 'pruned', null, { 'tp-size': 4 }, [level(20, 90, 9, 400)], {
    error_message: 'Pruned at D(16,4) x2: 20 is less than half the best so far there (120).',
  }),
  experiment(4, 'succeeded', 104, { 'tp-size': 1 }, [level(104, 40, 6, 200)], { repeat_of: 1 }),
  experiment(5, 'succeeded', 96, { 'tp-size': 1 }, [level(96, 40, 6, 200)], { repeat_of: 1 }),
  experiment(6, 'succeeded', 118, { 'tp-size': 2 }, [level(118, 50, 5, 180)], { repeat_of: 2 }),
  experiment(7, 'succeeded', 122, { 'tp-size': 2 }, [level(122, 50, 5, 180)], { repeat_of: 2 }),
];
