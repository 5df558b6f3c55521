import { describe, expect, it } from 'vitest';
import { experiment, level, RUN } from '../../../test/experimentFixtures';
import {
  baselineExperiment,
  bestExperiment,
  compareToBaseline,
  formatChange,
  keyMetrics,
  parameterPairs,
  relativeChange,
} from './experimentMetrics';

describe('keyMetrics', () => {
  it('averages throughput and p90 latencies over the levels', () => {
    const e = experiment(1, 'succeeded', 1, {}, [level(100, 10, 2, 50), level(300, 30, 4, 150)]);
    expect(keyMetrics(e)).toEqual({ throughput: 200, ttftP90: 20, tpotP90: 3, latencyP90: 100, levels: 2 });
  });

  it('gives nulls for an experiment without metrics', () => {
    expect(keyMetrics(RUN[3])).toEqual({ throughput: null, ttftP90: null, tpotP90: null, latencyP90: null, levels: 0 });
  });
});

describe('relativeChange and formatChange', () => {
  it('is relative to the base and signed', () => {
    expect(relativeChange(100, 150)).toBeCloseTo(0.5);
    expect(relativeChange(40, 30)).toBeCloseTo(-0.25);
    expect(relativeChange(-200, -100)).toBeCloseTo(0.5);
    expect(relativeChange(0, 5)).toBeNull();
    expect(relativeChange(null, 5)).toBeNull();
  });

  it('formats as a signed percentage', () => {
    expect(formatChange(0.5)).toBe('+50.0 %');
    expect(formatChange(-0.25)).toBe('−25.0 %');
    expect(formatChange(0)).toBe('0 %');
    expect(formatChange(null)).toBe('—');
  });
});

describe('best and baseline', () => {
  it('is the experiment the task names, and nothing before it names one', () => {
    expect(bestExperiment(RUN, 2)?.id).toBe(2);
    expect(bestExperiment(RUN, 3)?.id).toBe(3);
    // The UI does not rank by itself: no id from the server, no best.
    expect(bestExperiment(RUN, null)).toBeNull();
    expect(bestExperiment(RUN, 99)).toBeNull();
  });

  it('the baseline is the first experiment by sequence', () => {
    expect(baselineExperiment([RUN[2], RUN[0], RUN[1]])?.id).toBe(1);
    expect(baselineExperiment([])).toBeNull();
  });
});

describe('compareToBaseline', () => {
  it('puts best beside baseline with the change and whether it is an improvement', () => {
    const rows = compareToBaseline(RUN[2], RUN[0]);
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(rows.map((r) => r.key)).toEqual(['score', 'throughput', 'ttftP90', 'tpotP90', 'latencyP90']);
    expect(by.score).toMatchObject({ baseline: 100, best: 150, improved: true });
    expect(by.score.change).toBeCloseTo(0.5);
    expect(by.throughput).toMatchObject({ baseline: 100, best: 300, improved: true });
    expect(by.throughput.change).toBeCloseTo(2);
    // Lower latency is better: a negative change is an improvement.
    expect(by.ttftP90).toMatchObject({ baseline: 40, best: 30, improved: true });
    expect(by.ttftP90.change).toBeCloseTo(-0.25);
    expect(by.latencyP90.change).toBeCloseTo(-0.5);
  });

  it('marks a worse latency as not improved', () => {
    const rows = compareToBaseline(RUN[1], RUN[0]);
    const ttft = rows.find((r) => r.key === 'ttftP90')!;
    expect(ttft.change).toBeCloseTo(0.25);
    expect(ttft.improved).toBe(false);
  });
});

describe('parameterPairs', () => {
  it('flattens groups into dotted names and keeps strings bare', () => {
    expect(parameterPairs({ 'tp-size': 2, policy: 'lpm', spec: { 'num-steps': 3 }, flag: true })).toEqual([
      ['tp-size', '2'],
      ['policy', 'lpm'],
      ['spec.num-steps', '3'],
      ['flag', 'true'],
    ]);
  });
});
