/**
 * The score of each configuration as an SVG chart: the best ringed, the best-so-far as a step line.
 * Repeats are drawn on their original (repeat_of): the point is the mean of the runs, a bar its 95%
 * interval, small dots each run. Failed and pruned experiments are marks on the axis, never the best.
 */
import { Group, Text } from '@mantine/core';
import { useId } from 'react';
import { formatMetric, parameterPairs } from '../lib/experimentMetrics';
import { drawnInterval, formatStats, groupRepeats } from '../lib/trust';
import type { Experiment } from '../types/task';

const W = 560;
const H = 270;
const M = { top: 30, right: 16, bottom: 34, left: 58 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

const COLORS = {
  line: 'var(--mantine-color-indigo-3)',
  point: 'var(--mantine-color-indigo-6)',
  best: 'var(--mantine-color-teal-6)',
  bestSoFar: 'var(--mantine-color-teal-4)',
  failed: 'var(--mantine-color-red-6)',
  pruned: 'var(--mantine-color-yellow-7)',
  interval: 'var(--mantine-color-indigo-4)',
  sample: 'var(--mantine-color-indigo-2)',
  grid: 'var(--mantine-color-gray-2)',
  axis: 'var(--mantine-color-gray-5)',
  label: 'var(--mantine-color-gray-6)',
};

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 0.5 && ticks.length < 20; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function describe(e: Experiment): string {
  const params = parameterPairs(e.parameters)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const stats = e.score_stats && e.score_stats.n > 1 ? e.score_stats : null;
  const score = stats
    ? `score ${formatStats(stats, formatMetric)}, 95% interval ${formatMetric(stats.ci_low)} to ${formatMetric(stats.ci_high)}`
    : e.score === null
      ? e.status
      : `score ${formatMetric(e.score)}`;
  return `Experiment #${e.sequence}: ${score}${params ? ` (${params})` : ''}`;
}

interface Props {
  experiments: Experiment[];
  bestId: number | null;
  /** What the score measures, for the axis title. */
  scoreLabel?: string;
}

export function ScoreChart({ experiments, bestId, scoreLabel = 'Score' }: Props) {
  const titleId = useId();
  const descId = useId();
  // One position per configuration: the originals; their repeats are drawn on them.
  const configurations = groupRepeats(experiments);
  const ordered = configurations.map((c) => c.original);
  const repeatsOf = new Map(configurations.map((c) => [c.original.id, c.repeats]));
  const repeatCount = configurations.reduce((n, c) => n + c.repeats.length, 0);
  const scored = ordered.filter((e) => e.status === 'succeeded' && e.score !== null);
  const failed = ordered.filter((e) => e.status === 'failed' || e.status === 'cancelled');
  const pruned = ordered.filter((e) => e.status === 'pruned');
  const best = scored.find((e) => e.id === bestId) ?? null;
  /** The value drawn: the mean of the runs when repeated, else the one score. */
  const valueOf = (e: Experiment) => (e.score_stats && e.score_stats.n > 1 ? e.score_stats.mean : (e.score as number));
  const samplesOf = (e: Experiment) =>
    (repeatsOf.get(e.id) ?? []).length > 0 && e.score_stats ? e.score_stats.samples : [];

  const scores = scored.flatMap((e) => {
    const interval = drawnInterval(e.score_stats);
    return [valueOf(e), ...(interval ? [interval.low, interval.high] : []), ...samplesOf(e)];
  });
  const ticks = scores.length ? niceTicks(Math.min(...scores), Math.max(...scores)) : niceTicks(0, 1);
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const y = (v: number) => M.top + PLOT_H - ((v - lo) / (hi - lo || 1)) * PLOT_H;
  const n = ordered.length;
  const xOf = (index: number) => M.left + (n <= 1 ? PLOT_W / 2 : (index / (n - 1)) * PLOT_W);
  const indexOf = new Map(ordered.map((e, i) => [e.id, i]));
  const x = (e: Experiment) => xOf(indexOf.get(e.id) ?? 0);
  const labelEvery = Math.max(1, Math.ceil(n / 12));

  // The best score found so far, as a step line through every experiment that had one.
  const steps: [number, number][] = [];
  let runningBest: number | null = null;
  for (const e of ordered) {
    if (e.status === 'succeeded' && e.score !== null && (runningBest === null || valueOf(e) > runningBest)) runningBest = valueOf(e);
    if (runningBest !== null) {
      const px = x(e);
      const py = y(runningBest);
      if (steps.length) steps.push([px, steps[steps.length - 1][1]]);
      steps.push([px, py]);
    }
  }
  const path = (points: [number, number][]) => points.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');

  const counts = `${ordered.length} experiments, ${scored.length} scored${failed.length ? `, ${failed.length} failed` : ''}${pruned.length ? `, ${pruned.length} pruned` : ''}${repeatCount ? `, ${repeatCount} repeat runs` : ''}.`;
  const summary = best
    ? `${counts} The best is experiment #${best.sequence} with a score of ${formatMetric(valueOf(best))}.`
    : scored.length
      ? counts
      : `${ordered.length} experiments, none scored yet.`;

  const bestX = best ? x(best) : 0;
  const bestLabelAnchor = best && bestX > W - 140 ? 'end' : best && bestX < M.left + 80 ? 'start' : 'middle';

  return (
    <div data-testid="score-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        style={{ display: 'block', maxHeight: 340, fontFamily: 'var(--mantine-font-family)' }}
      >
        <title id={titleId}>{`${scoreLabel} per experiment`}</title>
        <desc id={descId}>{summary}</desc>

        {ticks.map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke={COLORS.grid} />
            <text x={M.left - 8} y={y(t)} dy="0.32em" textAnchor="end" fontSize={11} fill={COLORS.label}>
              {formatMetric(t)}
            </text>
          </g>
        ))}
        <line x1={M.left} x2={W - M.right} y1={M.top + PLOT_H} y2={M.top + PLOT_H} stroke={COLORS.axis} />
        {ordered.map((e, i) =>
          i % labelEvery === 0 ? (
            <text key={e.id} x={xOf(i)} y={H - M.bottom + 18} textAnchor="middle" fontSize={11} fill={COLORS.label}>
              #{e.sequence}
            </text>
          ) : null,
        )}
        <text
          transform={`translate(14 ${M.top + PLOT_H / 2}) rotate(-90)`}
          textAnchor="middle"
          fontSize={11}
          fill={COLORS.label}
        >
          {scoreLabel}
        </text>

        {steps.length > 1 && (
          <path d={path(steps)} fill="none" stroke={COLORS.bestSoFar} strokeWidth={2} strokeDasharray="6 4" data-testid="best-so-far" />
        )}
        {scored.length > 1 && (
          <path d={path(scored.map((e) => [x(e), y(valueOf(e))]))} fill="none" stroke={COLORS.line} strokeWidth={1.5} />
        )}

        {scored.map((e) => {
          const interval = drawnInterval(e.score_stats);
          const px = x(e);
          return (
            <g key={`runs-${e.id}`}>
              {samplesOf(e).map((v, i) => (
                <circle key={i} cx={px + 9} cy={y(v)} r={2.5} fill={COLORS.sample} stroke={COLORS.interval} strokeWidth={0.8} data-testid="chart-sample" />
              ))}
              {interval && (
                <g data-testid="chart-interval" data-sequence={e.sequence} data-low={interval.low} data-high={interval.high}>
                  <line x1={px} x2={px} y1={y(interval.low)} y2={y(interval.high)} stroke={COLORS.interval} strokeWidth={2} />
                  <line x1={px - 5} x2={px + 5} y1={y(interval.low)} y2={y(interval.low)} stroke={COLORS.interval} strokeWidth={2} />
                  <line x1={px - 5} x2={px + 5} y1={y(interval.high)} y2={y(interval.high)} stroke={COLORS.interval} strokeWidth={2} />
                </g>
              )}
            </g>
          );
        })}

        {failed.map((e) => {
          const px = x(e);
          const py = M.top + PLOT_H;
          return (
            <g key={e.id} data-testid="chart-failed" data-sequence={e.sequence}>
              <title>{`Experiment #${e.sequence} ${e.status}${e.error_message ? `: ${e.error_message}` : ''}`}</title>
              <path d={`M${px - 5},${py - 5} L${px + 5},${py + 5} M${px + 5},${py - 5} L${px - 5},${py + 5}`} stroke={COLORS.failed} strokeWidth={2.2} />
            </g>
          );
        })}

        {pruned.map((e) => {
          const px = x(e);
          const py = M.top + PLOT_H;
          return (
            <g key={e.id} data-testid="chart-pruned" data-sequence={e.sequence}>
              <title>{`Experiment #${e.sequence} pruned (stopped early, never the best)${e.error_message ? `: ${e.error_message}` : ''}`}</title>
              <rect x={px - 5} y={py - 5} width={10} height={10} fill="white" stroke={COLORS.pruned} strokeWidth={2} transform={`rotate(45 ${px} ${py})`} />
            </g>
          );
        })}

        {scored.map((e) => {
          const isBest = best?.id === e.id;
          const px = x(e);
          const py = y(valueOf(e));
          return (
            <g key={e.id} data-testid="chart-point" data-sequence={e.sequence} data-best={isBest ? 'true' : 'false'}>
              <title>{`${describe(e)}${isBest ? ' — best' : ''}`}</title>
              {isBest && <circle cx={px} cy={py} r={10} fill="none" stroke={COLORS.best} strokeWidth={2.5} />}
              <circle cx={px} cy={py} r={isBest ? 5.5 : 4.5} fill={isBest ? COLORS.best : COLORS.point} stroke="white" strokeWidth={1.5} />
            </g>
          );
        })}

        {best && (
          <text
            x={bestX}
            y={Math.max(12, y(drawnInterval(best.score_stats)?.high ?? valueOf(best)) - 16)}
            textAnchor={bestLabelAnchor}
            fontSize={12}
            fontWeight={700}
            fill={COLORS.best}
            data-testid="chart-best-label"
          >
            Best #{best.sequence} · {formatMetric(valueOf(best))}
          </text>
        )}
      </svg>
      <Group gap="lg" mt={6} justify="center" wrap="wrap" aria-label="Chart legend" role="list">
        <LegendItem swatch={<circle cx={7} cy={7} r={4.5} fill={COLORS.point} />} label="Score of an experiment" />
        <LegendItem
          swatch={
            <>
              <circle cx={7} cy={7} r={6} fill="none" stroke={COLORS.best} strokeWidth={2} />
              <circle cx={7} cy={7} r={3} fill={COLORS.best} />
            </>
          }
          label="Best"
        />
        <LegendItem swatch={<line x1={0} x2={14} y1={7} y2={7} stroke={COLORS.bestSoFar} strokeWidth={2} strokeDasharray="4 3" />} label="Best so far" />
        {scored.some((e) => drawnInterval(e.score_stats)) && (
          <LegendItem
            swatch={
              <>
                <line x1={7} x2={7} y1={1} y2={13} stroke={COLORS.interval} strokeWidth={2} />
                <line x1={3} x2={11} y1={1} y2={1} stroke={COLORS.interval} strokeWidth={2} />
                <line x1={3} x2={11} y1={13} y2={13} stroke={COLORS.interval} strokeWidth={2} />
              </>
            }
            label="95% interval of repeated runs (mean; dots: each run)"
          />
        )}
        {pruned.length > 0 && (
          <LegendItem
            swatch={<rect x={3} y={3} width={8} height={8} fill="white" stroke={COLORS.pruned} strokeWidth={2} transform="rotate(45 7 7)" />}
            label="Pruned (stopped early)"
          />
        )}
        {failed.length > 0 && (
          <LegendItem swatch={<path d="M3,3 L11,11 M11,3 L3,11" stroke={COLORS.failed} strokeWidth={2} />} label="Failed (no score)" />
        )}
      </Group>
    </div>
  );
}

function LegendItem({ swatch, label }: { swatch: React.ReactNode; label: string }) {
  return (
    <Group gap={6} role="listitem">
      <svg width={14} height={14} aria-hidden="true">
        {swatch}
      </svg>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
    </Group>
  );
}
