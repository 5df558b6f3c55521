/**
 * The New Task form's rules, as plain functions: what the form starts with, and the request body
 * it sends (or the one sentence that says what to fix first). No React here.
 */
import type { MergeStrategy, Objective, OptimizationStrategy, Percentile, Runtime } from '../../../api/enums';
import { countCombinations, diffAgainstMerged, rowProblems, rowsToSpace, type ParameterRow, type ParameterSpace } from '../../../lib/parameterSpace';
import type { TaskCreate } from '../types/task';

export type SloName = 'ttft' | 'tpot' | 'latency';

export interface SloField {
  enabled: boolean;
  percentile: Percentile;
  max_ms: number | string;
  hard: boolean;
}

export const SLO_LABELS: Record<SloName, string> = {
  ttft: 'Time to first token',
  tpot: 'Time per output token',
  latency: 'End-to-end latency',
};

export type DeploymentMode = 'local' | 'docker';

/** The container's options (deployment "docker"); empty strings mean the server's defaults. */
export interface DockerFields {
  /** Empty: the runtime's official image. */
  image: string;
  hostNetwork: boolean;
  /** Shared memory such as 16g; empty: SGLang and vLLM share the host's IPC namespace. */
  shmSize: string;
  /** NAMES of environment variables passed from the server's environment (never values). */
  env: string[];
}

export interface NewTaskFields {
  taskName: string;
  description: string;
  model: string;
  runtime: Runtime;
  /** GPUs the task may use: a whole number of at least 1, or '' (not set: GPU rules do not apply). */
  gpus: number | '';
  deployment: DeploymentMode;
  docker: DockerFields;
  strategy: OptimizationStrategy;
  objective: Objective;
  maxIterations: number | string;
  timeoutPerIteration: number | string;
  /** Extra runs of each of the repeatTop best configurations at the end; 0: none. */
  repeats: number | string;
  repeatTop: number | string;
  /** Two or three objectives for a Pareto front; empty: the single objective. */
  objectives: Objective[];
  prune: boolean;
  learnFailures: boolean;
  warmStart: boolean;
  scenarios: string[];
  concurrency: string[];
  withSlo: boolean;
  slos: Record<SloName, SloField>;
}

export const NEW_TASK_DEFAULTS: NewTaskFields = {
  taskName: 'throughput-sweep',
  description: '',
  model: 'Qwen/Qwen2.5-0.5B-Instruct',
  runtime: 'sglang',
  gpus: '',
  deployment: 'local',
  docker: { image: '', hostNetwork: false, shmSize: '', env: [] },
  strategy: 'grid_search',
  objective: 'maximize_throughput',
  maxIterations: 20,
  timeoutPerIteration: 600,
  repeats: 2,
  repeatTop: 3,
  objectives: [],
  prune: true,
  learnFailures: true,
  warmStart: false,
  scenarios: ['D(100,100)'],
  concurrency: ['1', '4', '16'],
  withSlo: false,
  slos: {
    ttft: { enabled: true, percentile: 'p90', max_ms: 500, hard: false },
    tpot: { enabled: false, percentile: 'p90', max_ms: 50, hard: false },
    latency: { enabled: false, percentile: 'p99', max_ms: 5000, hard: false },
  },
};

/** Where the parameter space comes from: the user's own rows, or presets merged and fine-tuned. */
export interface SpaceChoice {
  usePresets: boolean;
  presetIds: number[];
  mergeStrategy: MergeStrategy;
  /** The rows in the editor (the merged parameters, fine-tuned, when presets are used). */
  rows: ParameterRow[];
  /** The server's merge of the picked presets, once it has answered. */
  merged: ParameterSpace | undefined;
  /** The user's choice per conflicting parameter (sent with the merge and the task). */
  resolutions?: Record<string, string | unknown[]>;
}

export function concurrencyProblem(concurrency: string[]): string | undefined {
  return concurrency.some((c) => !/^\d+$/.test(c) || Number(c) < 1) ? 'Concurrency levels are whole numbers of at least 1.' : undefined;
}

/** The first thing wrong with the repeats and objectives, in one sentence. */
export function trustProblem(fields: Pick<NewTaskFields, 'repeats' | 'repeatTop' | 'objectives'>): string | undefined {
  const repeats = Number(fields.repeats);
  if (fields.repeats === '' || !Number.isInteger(repeats) || repeats < 0 || repeats > 20) return 'Repeats is a whole number from 0 (off) to 20.';
  const top = Number(fields.repeatTop);
  if (fields.repeatTop === '' || !Number.isInteger(top) || top < 1 || top > 20) return 'Repeat top is a whole number from 1 to 20.';
  if (fields.objectives.length === 1) return 'Pick two or three objectives for a Pareto front, or none to use the single objective.';
  if (fields.objectives.length > 3) return 'Pick at most three objectives.';
  return undefined;
}

export function gpusProblem(gpus: number | ''): string | undefined {
  if (gpus === '') return undefined;
  return Number.isInteger(gpus) && gpus >= 1 ? undefined : 'GPUs is a whole number of at least 1, or empty.';
}

/** The first thing wrong with the container's options, in one sentence. */
export function dockerProblem(docker: DockerFields): string | undefined {
  const value = docker.env.find((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
  if (value !== undefined) {
    return `'${value}' is not an environment variable name: give names only (HF_TOKEN); the values are read on the server.`;
  }
  if (docker.shmSize.trim() && !/^[0-9]+[bkmgBKMG]?$/.test(docker.shmSize.trim())) {
    return 'Shared memory is a size such as 16g or 512m, or empty.';
  }
  if (docker.image.trim() && /\s/.test(docker.image.trim())) return 'The image is one name such as lmsysorg/sglang:v0.5.4, without spaces.';
  return undefined;
}

function dockerBody(docker: DockerFields): NonNullable<TaskCreate['docker']> {
  return {
    image: docker.image.trim() || null,
    host_network: docker.hostNetwork,
    shm_size: docker.shmSize.trim() || null,
    env: docker.env,
  };
}

function sloBody(fields: NewTaskFields): TaskCreate['slo'] {
  if (!fields.withSlo) return null;
  const out: NonNullable<TaskCreate['slo']> = {};
  for (const name of Object.keys(fields.slos) as SloName[]) {
    const s = fields.slos[name];
    if (s.enabled) out[name] = { percentile: s.percentile, max_ms: Number(s.max_ms), hard: s.hard, weight: 1, penalty: 'linear' };
  }
  return Object.keys(out).length ? out : null;
}

export function combinationsOf(space: SpaceChoice): number {
  return countCombinations(rowsToSpace(space.rows));
}

/** The body of POST /api/tasks/, or the first thing to fix, in one sentence. */
export function newTaskBody(fields: NewTaskFields, space: SpaceChoice): { body: TaskCreate } | { problem: string } {
  const problems = Object.values(rowProblems(space.rows));
  if (problems.length) return { problem: `Fix the parameters first: ${problems[0]}` };
  const badConcurrency = concurrencyProblem(fields.concurrency);
  if (badConcurrency) return { problem: badConcurrency };
  const badTrust = trustProblem(fields);
  if (badTrust) return { problem: badTrust };
  const badGpus = gpusProblem(fields.gpus);
  if (badGpus) return { problem: badGpus };
  const badDocker = fields.deployment === 'docker' ? dockerProblem(fields.docker) : undefined;
  if (badDocker) return { problem: badDocker };
  const finalSpace = rowsToSpace(space.rows);
  const body: TaskCreate = {
    task_name: fields.taskName.trim(),
    description: fields.description.trim() || null,
    model: { id_or_path: fields.model.trim() },
    base_runtime: fields.runtime,
    deployment_mode: fields.deployment,
    ...(fields.deployment === 'docker' ? { docker: dockerBody(fields.docker) } : {}),
    gpus: fields.gpus === '' ? null : fields.gpus,
    optimization: {
      strategy: fields.strategy,
      objective: fields.objective,
      max_iterations: Number(fields.maxIterations),
      timeout_per_iteration: Number(fields.timeoutPerIteration),
      repeats: Number(fields.repeats),
      repeat_top: Number(fields.repeatTop),
      objectives: fields.objectives.length >= 2 ? fields.objectives : null,
      prune: fields.prune,
      learn_failures: fields.learnFailures,
      warm_start: fields.warmStart,
    },
    benchmark: { traffic_scenarios: fields.scenarios, concurrency: fields.concurrency.map(Number) },
    slo: sloBody(fields),
  };
  if (space.usePresets && space.presetIds.length > 0) {
    if (!space.merged) return { problem: 'Wait for the merged parameters to load, then submit again.' };
    const diff = diffAgainstMerged(space.merged, finalSpace);
    if (diff.removed.length) {
      return {
        problem: `The presets define ${diff.removed.map((n) => `'${n}'`).join(', ')}; a task cannot drop a preset's parameter. Keep it with the values you want, or remove the preset.`,
      };
    }
    body.presets = { ids: space.presetIds, merge_strategy: space.mergeStrategy };
    if (space.resolutions && Object.keys(space.resolutions).length) body.presets.resolutions = space.resolutions;
    if (Object.keys(diff.overrides).length) body.presets.overrides = diff.overrides;
  } else {
    if (Object.keys(finalSpace).length === 0) return { problem: 'Add at least one parameter, or use presets.' };
    body.parameters = finalSpace;
  }
  return { body };
}
