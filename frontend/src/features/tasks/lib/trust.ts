/**
 * Results a user can trust, as plain functions: each configuration with its repeats and its 95%
 * interval, the verdict's wording pieces, and the Pareto front of several objectives. The server
 * computes the statistics, the verdict and the front; these only arrange them for the page.
 */
import type { components } from '../../../api/schema';
import type { Objective } from '../../../api/enums';
import type { Experiment, Task } from '../types/task';

export type Verdict = components['schemas']['Verdict'];
export type ScoreStats = components['schemas']['ScoreStats'];
export type ParetoRead = components['schemas']['ParetoRead'];
export type ParetoPoint = components['schemas']['ParetoPoint'];

/** One configuration: its original experiment and the repeats that re-measured it. */
export interface Configuration {
  original: Experiment;
  repeats: Experiment[];
  stats: ScoreStats | null;
}

/** Originals in sequence order, each with its repeats; a repeat whose original is missing stands alone. */
export function groupRepeats(experiments: Experiment[]): Configuration[] {
  const ordered = [...experiments].sort((a, b) => a.sequence - b.sequence);
  const ids = new Set(ordered.map((e) => e.id));
  const repeatsOf = new Map<number, Experiment[]>();
  for (const e of ordered) {
    if (e.repeat_of != null && ids.has(e.repeat_of)) repeatsOf.set(e.repeat_of, [...(repeatsOf.get(e.repeat_of) ?? []), e]);
  }
  return ordered
    .filter((e) => e.repeat_of == null || !ids.has(e.repeat_of))
    .map((original) => ({ original, repeats: repeatsOf.get(original.id) ?? [], stats: original.score_stats ?? null }));
}

/** The interval to draw: only when more than one run measured it (with one run, low = high = mean). */
export function drawnInterval(stats: ScoreStats | null | undefined): { low: number; high: number } | null {
  if (!stats || stats.n < 2 || !(stats.ci_high > stats.ci_low)) return null;
  return { low: stats.ci_low, high: stats.ci_high };
}

/** "52.1 ± 1.3 (3 runs)" from the interval's half-width; "52.1 (1 run)" when unrepeated. */
export function formatStats(stats: ScoreStats, format: (v: number) => string): string {
  const runs = `${stats.n} run${stats.n === 1 ? '' : 's'}`;
  if (stats.n < 2) return `${format(stats.mean)} (${runs})`;
  return `${format(stats.mean)} ± ${format((stats.ci_high - stats.ci_low) / 2)} (${runs})`;
}

export const VERDICT_KIND: Record<Verdict['kind'], { label: string; color: string; explanation: string }> = {
  significant: { label: 'Significant', color: 'teal', explanation: 'The best leads every other configuration beyond the noise (95%).' },
  tied: { label: 'Tied within noise', color: 'yellow', explanation: 'Other configurations score within the noise of the best: any of them is as good.' },
  unrepeated: {
    label: 'Not repeated',
    color: 'gray',
    explanation: 'The best was measured once, so the noise is unknown; set optimization.repeats to re-measure the top configurations.',
  },
};

/** "3.2%" for a coefficient of variation of 0.032, or null. */
export function formatNoise(cv: number | null | undefined): string | null {
  if (cv === null || cv === undefined || !Number.isFinite(cv)) return null;
  return `${(cv * 100).toFixed(1)}%`;
}

/** Objectives measured in natural units: which way is better, and the unit. */
export const OBJECTIVE_AXES: Record<Objective, { label: string; unit: string; better: 'higher' | 'lower' }> = {
  maximize_throughput: { label: 'Throughput', unit: 'tok/s per GPU', better: 'higher' },
  minimize_latency: { label: 'Latency', unit: 'ms', better: 'lower' },
  minimize_ttft: { label: 'TTFT', unit: 'ms', better: 'lower' },
  minimize_tpot: { label: 'TPOT', unit: 'ms', better: 'lower' },
};

/**
 * The front's points in the order a line joins them: along the first objective (x), ascending.
 * Points missing either drawn value are left out of the line.
 */
export function frontLine(pareto: ParetoRead): ParetoPoint[] {
  const [x, y] = pareto.objectives;
  if (!x || !y) return [];
  return pareto.points
    .filter((p) => !p.dominated && typeof p.objective_values[x] === 'number' && typeof p.objective_values[y] === 'number')
    .sort((a, b) => a.objective_values[x] - b.objective_values[x] || a.objective_values[y] - b.objective_values[y]);
}

/** Repeats, objectives and the switches of "results you can trust", in a few words. */
export function trustText(task: Pick<Task, 'optimization'>): string {
  const o = task.optimization;
  if (!o) return '';
  const parts = [
    o.repeats > 0 ? `${o.repeats} more run${o.repeats === 1 ? '' : 's'} of the top ${o.repeat_top}` : 'no repeats',
  ];
  if (o.objectives && o.objectives.length >= 2) parts.push(`Pareto: ${o.objectives.map((x) => OBJECTIVE_AXES[x].label).join(', ')}`);
  if (o.prune) parts.push('pruning');
  if (o.learn_failures && o.strategy === 'bayesian') parts.push('learns failures');
  if (o.warm_start && o.strategy === 'bayesian') parts.push('warm start');
  return parts.join(' · ');
}
