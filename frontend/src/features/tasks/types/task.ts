/** Task and experiment types: the shapes come from the generated OpenAPI types (src/api/schema.d.ts). */
import type { components } from '../../../api/schema';
import type { MergeStrategy } from '../../../api/enums';
import type { ParameterSpace } from '../../../lib/parameterSpace';

type Schemas = components['schemas'];

export type SloTarget = Schemas['SLOLimit'];

/** The body of POST /api/tasks/ as the UI sends it (server defaults fill the rest). */
export type TaskCreate = Omit<Schemas['TaskCreate'], 'parameters' | 'presets' | 'optimization' | 'benchmark'> & {
  parameters?: ParameterSpace;
  presets?: {
    ids: number[];
    merge_strategy: MergeStrategy;
    overrides?: ParameterSpace;
    /** Per conflicting parameter: a named resolution or explicit values (as in the merge preview). */
    resolutions?: Record<string, string | unknown[]>;
  };
  optimization: Pick<Schemas['OptimizationSpec'], 'strategy' | 'objective' | 'max_iterations' | 'timeout_per_iteration'> &
    Partial<Pick<Schemas['OptimizationSpec'], 'repeats' | 'repeat_top' | 'objectives' | 'prune' | 'learn_failures' | 'warm_start'>>;
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

export type Experiment = Schemas['ExperimentRead'];
/** POST /api/tasks/import's answer: the task, the format read, and what became of every field. */
export type TaskImported = Omit<Schemas['TaskImported'], 'task'> & { task: Task };

/** What "save as preset" sends. */
export type SaveAsPresetBody = { name: string; description?: string | null; category?: string | null };

/** GET /api/system/: what the service's machine offers (its GPUs, and where the count came from). */
export type SystemInfo = Schemas['SystemRead'];
