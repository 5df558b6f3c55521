import { describe, expect, it } from 'vitest';
import type { ParameterRow } from '../../../lib/parameterSpace';
import { gpusProblem, NEW_TASK_DEFAULTS, newTaskBody, trustProblem, type SpaceChoice } from './newTaskBody';
import { withResolution } from './useNewTaskForm';

const rows = (...list: [string, (string | number | boolean)[]][]): ParameterRow[] =>
  list.map(([name, values], i) => ({ id: `r${i}`, name, values }));

const own = (r: ParameterRow[]): SpaceChoice => ({ usePresets: false, presetIds: [], mergeStrategy: 'union', rows: r, merged: undefined });

describe('newTaskBody', () => {
  it('sends the typed space, the GPUs, and null for unset optional fields', () => {
    const result = newTaskBody({ ...NEW_TASK_DEFAULTS, gpus: 2 }, own(rows(['tp-size', [1, 2]])));
    expect(result).toHaveProperty('body');
    if (!('body' in result)) return;
    expect(result.body).toMatchObject({
      task_name: 'throughput-sweep',
      base_runtime: 'sglang',
      gpus: 2,
      parameters: { 'tp-size': [1, 2] },
      benchmark: { concurrency: [1, 4, 16] },
      slo: null,
      description: null,
    });
    expect(result.body.presets).toBeUndefined();
  });

  it('sends deployment local without container options by default, and docker with them', () => {
    const local = newTaskBody(NEW_TASK_DEFAULTS, own(rows(['tp-size', [1]])));
    expect('body' in local && local.body.deployment_mode).toBe('local');
    expect('body' in local && local.body).not.toHaveProperty('docker');
    const docker = { image: ' my-engine:1 ', hostNetwork: true, shmSize: '16g', env: ['HF_TOKEN'] };
    const result = newTaskBody({ ...NEW_TASK_DEFAULTS, deployment: 'docker', docker }, own(rows(['tp-size', [1]])));
    expect('body' in result && result.body).toMatchObject({
      deployment_mode: 'docker',
      docker: { image: 'my-engine:1', host_network: true, shm_size: '16g', env: ['HF_TOKEN'] },
    });
    const defaults = newTaskBody({ ...NEW_TASK_DEFAULTS, deployment: 'docker' }, own(rows(['tp-size', [1]])));
    expect('body' in defaults && defaults.body.docker).toEqual({ image: null, host_network: false, shm_size: null, env: [] });
  });

  it('refuses a value where a variable name belongs, and a malformed shared-memory size', () => {
    const base = { ...NEW_TASK_DEFAULTS, deployment: 'docker' as const };
    const withValue = newTaskBody({ ...base, docker: { ...base.docker, env: ['HF_TOKEN=hf_x'] } }, own(rows(['tp-size', [1]])));
    expect(withValue).toEqual({
      problem: "'HF_TOKEN=hf_x' is not an environment variable name: give names only (HF_TOKEN); the values are read on the server.",
    });
    const badShm = newTaskBody({ ...base, docker: { ...base.docker, shmSize: 'lots' } }, own(rows(['tp-size', [1]])));
    expect(badShm).toEqual({ problem: 'Shared memory is a size such as 16g or 512m, or empty.' });
  });

  it('sends gpus null when the field is empty (the GPU rules do not apply)', () => {
    const result = newTaskBody(NEW_TASK_DEFAULTS, own(rows(['tp-size', [1]])));
    expect('body' in result && result.body.gpus).toBeNull();
  });

  it('refuses GPUs that are not a whole number of at least 1', () => {
    expect(gpusProblem(0)).toMatch(/at least 1/);
    expect(gpusProblem(1.5)).toMatch(/whole number/);
    expect(gpusProblem('')).toBeUndefined();
    expect(newTaskBody({ ...NEW_TASK_DEFAULTS, gpus: 0 }, own(rows(['tp-size', [1]])))).toEqual({
      problem: 'GPUs is a whole number of at least 1, or empty.',
    });
  });

  it('says what to fix first: the rows, then the concurrency', () => {
    expect(newTaskBody(NEW_TASK_DEFAULTS, own(rows(['tp-size', []])))).toEqual({
      problem: "Fix the parameters first: Add at least one value for 'tp-size'.",
    });
    expect(newTaskBody({ ...NEW_TASK_DEFAULTS, concurrency: ['4', 'x'] }, own(rows(['tp-size', [1]])))).toEqual({
      problem: 'Concurrency levels are whole numbers of at least 1.',
    });
    expect(newTaskBody(NEW_TASK_DEFAULTS, own([]))).toEqual({ problem: 'Add at least one parameter, or use presets.' });
  });

  it('with presets, sends their ids and only the fine-tuned parameters as overrides', () => {
    const space: SpaceChoice = {
      usePresets: true,
      presetIds: [2, 1],
      mergeStrategy: 'last_wins',
      rows: rows(['tp-size', [2]], ['mem-fraction-static', [0.7, 0.75]]),
      merged: { 'tp-size': [1], 'mem-fraction-static': [0.7, 0.75] },
    };
    const result = newTaskBody(NEW_TASK_DEFAULTS, space);
    expect('body' in result && result.body.presets).toEqual({ ids: [2, 1], merge_strategy: 'last_wins', overrides: { 'tp-size': [2] } });
    expect('body' in result && result.body.parameters).toBeUndefined();
  });

  it("refuses to drop a preset's parameter, and waits for the merge", () => {
    const space: SpaceChoice = { usePresets: true, presetIds: [1], mergeStrategy: 'union', rows: rows(['tp-size', [1]]), merged: undefined };
    expect(newTaskBody(NEW_TASK_DEFAULTS, space)).toEqual({ problem: 'Wait for the merged parameters to load, then submit again.' });
    const dropped = newTaskBody(NEW_TASK_DEFAULTS, { ...space, merged: { 'tp-size': [1], x: [true] } });
    expect('problem' in dropped && dropped.problem).toMatch(/presets define 'x'/);
  });

  it('sends only the SLOs that are switched on', () => {
    const fields = { ...NEW_TASK_DEFAULTS, withSlo: true };
    const result = newTaskBody(fields, own(rows(['tp-size', [1]])));
    expect('body' in result && result.body.slo).toEqual({ ttft: { percentile: 'p90', max_ms: 500, hard: false, weight: 1, penalty: 'linear' } });
  });
});

describe('newTaskBody with Smart merge and resolutions', () => {
  const merged = { 'tp-size': [4], 'schedule-policy': ['lpm'] };
  const space = (resolutions: Record<string, string | unknown[]>): SpaceChoice => ({
    usePresets: true,
    presetIds: [2, 3],
    mergeStrategy: 'smart',
    rows: rows(['tp-size', [4]], ['schedule-policy', ['lpm']]),
    merged,
    resolutions,
  });

  it('sends the choices made per conflict with the presets, as the preview used them', () => {
    const result = newTaskBody(NEW_TASK_DEFAULTS, space({ 'tp-size': 'max', 'schedule-policy': ['lpm'] }));
    expect('body' in result && result.body.presets).toEqual({
      ids: [2, 3],
      merge_strategy: 'smart',
      resolutions: { 'tp-size': 'max', 'schedule-policy': ['lpm'] },
    });
  });

  it('sends no resolutions when every conflict keeps the proposal', () => {
    const result = newTaskBody(NEW_TASK_DEFAULTS, space({}));
    expect('body' in result && result.body.presets).toEqual({ ids: [2, 3], merge_strategy: 'smart' });
  });
});

describe('withResolution', () => {
  it('sets a choice, replaces it, and drops it when cleared (back to the proposal)', () => {
    const one = withResolution({}, 'tp-size', 'max');
    expect(one).toEqual({ 'tp-size': 'max' });
    const two = withResolution(one, 'schedule-policy', ['fcfs']);
    expect(two).toEqual({ 'tp-size': 'max', 'schedule-policy': ['fcfs'] });
    expect(withResolution(two, 'tp-size', null)).toEqual({ 'schedule-policy': ['fcfs'] });
    expect(withResolution(two, 'schedule-policy', [])).toEqual({ 'tp-size': 'max' });
    expect(one).toEqual({ 'tp-size': 'max' });
  });
});

describe('newTaskBody: results you can trust', () => {
  const space = own(rows(['tp-size', [1, 2]]));

  it('sends the repeats, pruning and learning by default, and no objectives (the single objective)', () => {
    const result = newTaskBody(NEW_TASK_DEFAULTS, space);
    expect('body' in result && result.body.optimization).toMatchObject({
      repeats: 2,
      repeat_top: 3,
      objectives: null,
      prune: true,
      learn_failures: true,
      warm_start: false,
    });
  });

  it('sends two or three objectives for a Pareto front, repeats off, and the switches as set', () => {
    const fields = {
      ...NEW_TASK_DEFAULTS,
      strategy: 'bayesian' as const,
      repeats: 0,
      objectives: ['maximize_throughput' as const, 'minimize_ttft' as const],
      prune: false,
      learnFailures: false,
      warmStart: true,
    };
    const result = newTaskBody(fields, space);
    expect('body' in result && result.body.optimization).toMatchObject({
      strategy: 'bayesian',
      repeats: 0,
      objectives: ['maximize_throughput', 'minimize_ttft'],
      prune: false,
      learn_failures: false,
      warm_start: true,
    });
  });

  it('says what to fix: one objective alone, repeats out of range', () => {
    expect(trustProblem({ repeats: 2, repeatTop: 3, objectives: ['minimize_ttft'] })).toMatch(/two or three objectives/);
    expect(newTaskBody({ ...NEW_TASK_DEFAULTS, objectives: ['minimize_ttft'] }, space)).toEqual({
      problem: 'Pick two or three objectives for a Pareto front, or none to use the single objective.',
    });
    expect(trustProblem({ repeats: 21, repeatTop: 3, objectives: [] })).toBe('Repeats is a whole number from 0 (off) to 20.');
    expect(trustProblem({ repeats: '', repeatTop: 3, objectives: [] })).toBe('Repeats is a whole number from 0 (off) to 20.');
    expect(trustProblem({ repeats: 2, repeatTop: 0, objectives: [] })).toBe('Repeat top is a whole number from 1 to 20.');
    expect(trustProblem({ repeats: 0, repeatTop: 3, objectives: [] })).toBeUndefined();
  });
});
