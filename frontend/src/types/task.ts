/** Task types: the shapes come from the generated OpenAPI types (src/api/schema.d.ts). */
import type { components } from '../api/schema';
import type { MergeStrategy, ParameterSpace } from './preset';

type Schemas = components['schemas'];

export type TaskStatus = Schemas['TaskRead']['status'];
export type BaseRuntime = Schemas['TaskCreate']['base_runtime'];
export type OptimizationStrategy = Schemas['OptimizationSpec']['strategy'];
export type Objective = Schemas['OptimizationSpec']['objective'];
export type SloTarget = Schemas['SLOLimit'];
export type Percentile = SloTarget['percentile'];

/** The body of POST /api/tasks/ as the UI sends it (server defaults fill the rest). */
export type TaskCreate = Omit<Schemas['TaskCreate'], 'parameters' | 'presets' | 'optimization' | 'benchmark'> & {
  parameters?: ParameterSpace;
  presets?: { ids: number[]; merge_strategy: MergeStrategy; overrides?: ParameterSpace };
  optimization: Pick<Schemas['OptimizationSpec'], 'strategy' | 'objective' | 'max_iterations' | 'timeout_per_iteration'>;
  benchmark: Pick<Schemas['BenchmarkSpec'], 'traffic_scenarios' | 'concurrency'>;
};

export type AppliedPreset = Omit<Schemas['AppliedPreset'], 'parameters'> & { parameters: ParameterSpace };

export type TaskProvenance = Omit<Schemas['Provenance'], 'presets' | 'overrides'> & {
  presets: AppliedPreset[];
  overrides: ParameterSpace | null;
};

export type Task = Omit<Schemas['TaskRead'], 'parameters' | 'provenance'> & {
  parameters: ParameterSpace;
  provenance: TaskProvenance | null;
};

export const OBJECTIVES: { value: Objective; label: string }[] = [
  { value: 'maximize_throughput', label: 'Maximize throughput' },
  { value: 'minimize_latency', label: 'Minimize latency' },
  { value: 'minimize_ttft', label: 'Minimize time to first token' },
  { value: 'minimize_tpot', label: 'Minimize time per output token' },
];

export const STRATEGIES: { value: OptimizationStrategy; label: string }[] = [
  { value: 'grid_search', label: 'Grid search' },
  { value: 'random_search', label: 'Random search' },
  { value: 'bayesian', label: 'Bayesian (Optuna)' },
];

export const STATUS_COLORS: Record<TaskStatus, string> = {
  pending: 'gray',
  running: 'blue',
  completed: 'teal',
  failed: 'red',
  cancelled: 'orange',
};
