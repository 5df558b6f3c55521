/** Answers shaped like the service's analytics and suggestion endpoints, for tests. */
import type { Importance, ModelShape, PresetAnalytics, Suggestion } from '../features/analytics/types';

export const MODELS: ModelShape[] = [
  { id: 'meta-llama/Meta-Llama-3-8B', params_b: 8.03, layers: 32, hidden_size: 4096, kv_heads: 8, head_dim: 128, dtype: 'bfloat16', source: 'config.json' },
  { id: 'meta-llama/Meta-Llama-3-70B', params_b: 70.6, layers: 80, hidden_size: 8192, kv_heads: 8, head_dim: 128, dtype: 'bfloat16', source: 'config.json' },
];

export const SUGGESTION: Suggestion = {
  parameters: { 'tp-size': [1], 'mem-fraction-static': [0.85, 0.9], 'max-running-requests': [64, 128] },
  reasons: [
    { flag: 'tp-size', value: 1, source: 'memory_model', text: '16.1 GB of weights fit on one 80 GB GPU with 50 GB left for the KV cache.', experiments: 0 },
    { flag: 'mem-fraction-static', value: 0.9, source: 'memory_model', text: 'Room for the activations at this scenario.', experiments: 0 },
    { flag: 'max-running-requests', value: 128, source: 'history', text: 'Won in 3 of 4 tasks on Llama-3-8B with 80 GB GPUs.', experiments: 42 },
  ],
  figures: { weights_gb: 16.06, kv_bytes_per_token: 131072, kv_cache_gb: 50.2, kv_tokens: 411000, tp_size: 1 },
  presets: [{ preset_id: 3, name: 'high-throughput', score: 2345.6, experiments: 12, similarity: 0.82 }],
  warnings: ['No GPU model was given: the history is matched on memory alone.'],
};

export function presetAnalytics(patch: Partial<PresetAnalytics> = {}): PresetAnalytics {
  return {
    preset_id: 3,
    preset_name: 'high-throughput',
    tasks: 4,
    experiments: 24,
    by_version: [
      { version: 1, tasks: 2, experiments: 10 },
      { version: 2, tasks: 2, experiments: 14 },
    ],
    contexts: [
      { key: 'a', label: 'sglang · Llama-3-8B · H100', runtime: 'sglang', model_id: 'meta-llama/Meta-Llama-3-8B', gpu_model: 'H100', objective: 'maximize_throughput', best_score: 2345.6, median_score: 1800, experiments: 16 },
      { key: 'b', label: 'vllm · Qwen2.5-7B · A100', runtime: 'vllm', model_id: 'Qwen/Qwen2.5-7B', gpu_model: 'A100', objective: 'maximize_throughput', best_score: 1500, median_score: 1200.5, experiments: 8 },
    ],
    wins: 3,
    win_rate: 0.75,
    trend: [
      { version: 1, best_score: 2000, median_score: 1500 },
      { version: 2, best_score: 2345.6, median_score: 1800 },
    ],
    compared: [{ preset_id: 5, preset_name: 'low-latency', tasks_together: 2, wins: 1, win_rate: 0.5, median_score: 1100 }],
    ...patch,
  };
}

export const IMPORTANCE: Importance = {
  method: 'fANOVA',
  tasks: 1,
  experiments: 12,
  parameters: [
    { name: 'max-running-requests', importance: 0.8 },
    { name: 'tp-size', importance: 0.2 },
  ],
  marginals: [
    { name: 'max-running-requests', values: [{ value: 64, n: 6, mean: 10, median: 10, min: 8, max: 12, q1: 9, q3: 11 }] },
    { name: 'tp-size', values: [{ value: 1, n: 12, mean: 15, median: 15, min: 8, max: 22, q1: 12, q3: 18 }] },
  ],
};
