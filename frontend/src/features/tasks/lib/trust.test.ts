import { describe, expect, it } from 'vitest';
import { REPEATED, RUN, stats } from '../../../test/experimentFixtures';
import { formatMetric } from './experimentMetrics';
import { drawnInterval, formatNoise, formatStats, frontLine, groupRepeats, trustText, type ParetoRead } from './trust';

describe('groupRepeats', () => {
  it('puts each repeat under its original, originals in order', () => {
    const groups = groupRepeats(REPEATED);
    expect(groups.map((g) => g.original.sequence)).toEqual([1, 2, 3]);
    expect(groups.map((g) => g.repeats.map((r) => r.sequence))).toEqual([[4, 5], [6, 7], []]);
    expect(groups[1].stats?.mean).toBe(120);
    expect(groups[2].stats).toBeNull();
  });

  it('leaves a run without repeats as it is', () => {
    expect(groupRepeats(RUN).map((g) => [g.original.sequence, g.repeats.length])).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
    ]);
  });

  it('keeps a repeat whose original is not in the list as its own configuration', () => {
    const groups = groupRepeats([REPEATED[4]]);
    expect(groups).toHaveLength(1);
    expect(groups[0].original.sequence).toBe(5);
  });
});

describe('intervals', () => {
  it('draws the 95% interval of repeated runs', () => {
    const s = stats([100, 104, 96]);
    // mean 100, stdev 4: half-width t(0.975, 2) * 4 / sqrt(3) = 9.94
    const interval = drawnInterval(s);
    expect(interval?.low).toBeCloseTo(90.06, 2);
    expect(interval?.high).toBeCloseTo(109.94, 2);
    expect(formatStats(s, formatMetric)).toBe('100 ± 9.94 (3 runs)');
  });

  it('draws no interval for one run (nothing measured its noise)', () => {
    const one = stats([100]);
    expect(drawnInterval(one)).toBeNull();
    expect(drawnInterval(null)).toBeNull();
    expect(formatStats(one, formatMetric)).toBe('100 (1 run)');
  });

  it('writes the noise as a percentage', () => {
    expect(formatNoise(0.0312)).toBe('3.1%');
    expect(formatNoise(null)).toBeNull();
  });
});

describe('frontLine', () => {
  const pareto: ParetoRead = {
    objectives: ['maximize_throughput', 'minimize_ttft'],
    points: [
      { experiment_id: 1, parameters: {}, objective_values: { maximize_throughput: 300, minimize_ttft: 90 }, dominated: false },
      { experiment_id: 2, parameters: {}, objective_values: { maximize_throughput: 100, minimize_ttft: 20 }, dominated: false },
      { experiment_id: 3, parameters: {}, objective_values: { maximize_throughput: 90, minimize_ttft: 95 }, dominated: true },
      { experiment_id: 4, parameters: {}, objective_values: { maximize_throughput: 200, minimize_ttft: 40 }, dominated: false },
    ],
  };

  it('joins the front points along the first objective, leaving the dominated out', () => {
    expect(frontLine(pareto).map((p) => p.experiment_id)).toEqual([2, 4, 1]);
  });

  it('leaves out a point that misses a drawn objective', () => {
    const missing = { ...pareto, points: [...pareto.points, { experiment_id: 5, parameters: {}, objective_values: { maximize_throughput: 10 }, dominated: false }] };
    expect(frontLine(missing).map((p) => p.experiment_id)).toEqual([2, 4, 1]);
  });
});

describe('trustText', () => {
  const optimization = {
    strategy: 'bayesian' as const,
    objective: 'maximize_throughput' as const,
    max_iterations: 10,
    timeout_per_iteration: 60,
    early_stop_patience: null,
    sample_if_larger: false,
    seed: 0,
    parallel: null,
    repeats: 2,
    repeat_top: 3,
    objectives: ['maximize_throughput' as const, 'minimize_ttft' as const],
    prune: true,
    learn_failures: true,
    warm_start: true,
  };

  it('says the repeats, the objectives and the switches that apply', () => {
    expect(trustText({ optimization })).toBe('2 more runs of the top 3 · Pareto: Throughput, TTFT · pruning · learns failures · warm start');
  });

  it('leaves out what grid search does not do, and says when nothing is repeated', () => {
    expect(trustText({ optimization: { ...optimization, strategy: 'grid_search', repeats: 0, objectives: null, prune: false } })).toBe('no repeats');
  });
});
