/**
 * The analytics and suggestion shapes the service answers (GET /api/presets/{id}/analytics,
 * GET /api/analytics/importance, GET /api/presets/suggest/models, POST /api/presets/suggest).
 */
import type { Objective, PresetRuntime } from '../../api/enums';
import type { ParameterSpace, Scalar } from '../../lib/parameterSpace';

export interface ContextStats {
  key: string;
  label: string;
  runtime: string;
  model_id: string;
  gpu_model: string | null;
  objective: string;
  best_score: number | null;
  median_score: number | null;
  experiments: number;
}

export interface VersionUse {
  version: number;
  tasks: number;
  experiments: number;
}

export interface TrendPoint {
  version: number;
  best_score: number | null;
  median_score: number | null;
}

export interface ComparedPreset {
  preset_id: number;
  preset_name: string;
  tasks_together: number;
  wins: number;
  win_rate: number | null;
  median_score: number | null;
}

export interface PresetAnalytics {
  preset_id: number;
  preset_name: string;
  tasks: number;
  experiments: number;
  by_version: VersionUse[];
  contexts: ContextStats[];
  wins: number;
  win_rate: number | null;
  trend: TrendPoint[];
  compared: ComparedPreset[];
}

export interface MarginalValue {
  value: unknown;
  n: number;
  mean: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

export interface Importance {
  method: string;
  tasks: number;
  experiments: number;
  parameters: { name: string; importance: number }[];
  marginals: { name: string; values: MarginalValue[] }[];
}

/** Where the importance comes from: one task, or the tasks of a runtime and/or model. */
export type ImportanceScope = { task_id: number } | { runtime?: string; model_id?: string };

export interface ModelShape {
  id: string;
  params_b: number;
  layers: number;
  hidden_size: number;
  kv_heads: number;
  head_dim: number;
  dtype: string;
  source: string;
}

export interface SuggestRequest {
  runtime: PresetRuntime;
  model: { id: string | null; config_path: string | null };
  dtype?: string | null;
  hardware: { gpu_model: string | null; gpu_memory_gb: number; gpu_count: number } | null;
  objective: Objective;
  scenario: string;
}

export interface SuggestReason {
  flag: string;
  value: unknown;
  source: 'memory_model' | 'history';
  text: string;
  experiments: number;
}

export interface Suggestion {
  parameters: ParameterSpace | Record<string, Scalar[]>;
  reasons: SuggestReason[];
  figures: { weights_gb: number; kv_bytes_per_token: number; kv_cache_gb: number; kv_tokens: number; tp_size: number } & Record<
    string,
    unknown
  >;
  presets: { preset_id: number; name: string; score: number | null; experiments: number; similarity: number }[];
  warnings: string[];
}
