/**
 * Plain functions over experiments: their key metrics, the best one (as the server names it),
 * and how the best compares with the baseline (the first experiment). No React here, so the
 * math is tested on its own.
 */
import type { Experiment } from '../types/task';

export interface KeyMetrics {
  /** Output tokens per second (mean over the benchmark's levels). */
  throughput: number | null;
  ttftP90: number | null;
  tpotP90: number | null;
  latencyP90: number | null;
  /** How many (scenario, concurrency) levels the numbers are averaged over. */
  levels: number;
}

export type MetricKey = 'throughput' | 'ttftP90' | 'tpotP90' | 'latencyP90';

export const METRICS: { key: MetricKey; label: string; unit: string; better: 'higher' | 'lower' }[] = [
  { key: 'throughput', label: 'Throughput', unit: 'tok/s', better: 'higher' },
  { key: 'ttftP90', label: 'TTFT p90', unit: 'ms', better: 'lower' },
  { key: 'tpotP90', label: 'TPOT p90', unit: 'ms', better: 'lower' },
  { key: 'latencyP90', label: 'Latency p90', unit: 'ms', better: 'lower' },
];

type Level = Record<string, unknown>;

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function levelsOf(experiment: Pick<Experiment, 'metrics'>): Level[] {
  const levels = (experiment.metrics as { levels?: unknown } | null)?.levels;
  return Array.isArray(levels) ? levels.filter((l): l is Level => !!l && typeof l === 'object') : [];
}

function mean(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

const p90 = (level: Level, name: string) => num((level[name] as Record<string, unknown> | undefined)?.p90);

/** Throughput and p90 latencies of an experiment, averaged over its levels; nulls when unmeasured. */
export function keyMetrics(experiment: Pick<Experiment, 'metrics'>): KeyMetrics {
  const levels = levelsOf(experiment);
  return {
    throughput: mean(levels.map((l) => num(l.output_tokens_per_s))),
    ttftP90: mean(levels.map((l) => p90(l, 'ttft_ms'))),
    tpotP90: mean(levels.map((l) => p90(l, 'tpot_ms'))),
    latencyP90: mean(levels.map((l) => p90(l, 'latency_ms'))),
    levels: levels.length,
  };
}

/** (value - base) / base, or null when either is unknown or the base is zero. */
export function relativeChange(base: number | null, value: number | null): number | null {
  if (base === null || value === null || base === 0) return null;
  return (value - base) / Math.abs(base);
}

/**
 * The best experiment is the one the server names (`best_experiment_id` of the task): the UI
 * never ranks experiments itself. Null until the task names one.
 */
export function bestExperiment(experiments: Experiment[], bestId: number | null | undefined): Experiment | null {
  if (bestId == null) return null;
  return experiments.find((e) => e.id === bestId) ?? null;
}

/** The baseline: the first experiment of the run (lowest sequence). */
export function baselineExperiment(experiments: Experiment[]): Experiment | null {
  let first: Experiment | null = null;
  for (const e of experiments) if (first === null || e.sequence < first.sequence) first = e;
  return first;
}

export interface ComparisonRow {
  key: MetricKey | 'score';
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  baseline: number | null;
  best: number | null;
  /** Relative change from baseline to best (0.25 = +25 %). */
  change: number | null;
  /** True when the change goes the good way, false when the bad way, null when flat or unknown. */
  improved: boolean | null;
}

/** Score and key metrics of the best beside the baseline, with the relative change of each. */
export function compareToBaseline(best: Experiment, baseline: Experiment): ComparisonRow[] {
  const a = keyMetrics(baseline);
  const b = keyMetrics(best);
  const rows: ComparisonRow[] = [
    { key: 'score', label: 'Score', unit: '', better: 'higher', baseline: baseline.score, best: best.score, change: null, improved: null },
    ...METRICS.map((m) => ({ ...m, baseline: a[m.key], best: b[m.key], change: null, improved: null })),
  ];
  return rows.map((row) => {
    const change = relativeChange(row.baseline, row.best);
    const improved = change === null || change === 0 ? null : row.better === 'higher' ? change > 0 : change < 0;
    return { ...row, change, improved };
  });
}

/** "+25.3 %", "−4.0 %", "0 %", or "—". */
export function formatChange(change: number | null): string {
  if (change === null) return '—';
  const pct = change * 100;
  if (Math.abs(pct) < 0.05) return '0 %';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)} %`;
}

/** A metric for a table cell: 3 significant digits at most, thousands grouped, "—" when unknown. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Seconds between two ISO times, or null. */
export function durationSeconds(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  const s = Date.parse(start);
  const e = Date.parse(end);
  return Number.isNaN(s) || Number.isNaN(e) ? null : Math.max(0, (e - s) / 1000);
}

/** An experiment's parameters in short form: "tp-size=2 · mem-fraction-static=0.9". */
export function parameterPairs(parameters: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else {
      out.push([prefix, typeof value === 'string' ? value : JSON.stringify(value)]);
    }
  };
  walk('', parameters);
  return out;
}
