/**
 * The analytics charts (recharts): bars of score per context, the trend over versions, the
 * importance bars, a flag's score per value (box q1–q3, whiskers min–max, median dot) and the
 * grouped bars of the compare view. Each chart has an aria-label and its numbers in a tooltip.
 */
import { Box } from '@mantine/core';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  LabelList,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatScore, marginalRows, type CompareChart } from '../lib/analytics';
import type { ContextStats, Importance, MarginalValue, TrendPoint } from '../types';

const PALETTE = ['#4c6ef5', '#15aabf', '#fab005', '#e64980', '#40c057', '#7950f2', '#fd7e14', '#868e96'];

const tick = { fontSize: 11 };
const scoreTick = (value: number) => formatScore(value);

function Frame({ label, height, children }: { label: string; height: number; children: React.ReactElement }) {
  return (
    <Box role="img" aria-label={label} h={height} w="100%" style={{ minWidth: 0 }}>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 480, height }}>
        {children}
      </ResponsiveContainer>
    </Box>
  );
}

/** Best and median score in each model / hardware context the preset ran in. */
export function ContextScoreChart({ contexts, height = 220 }: { contexts: ContextStats[]; height?: number }) {
  return (
    <Frame label="Score per context" height={height}>
      <BarChart data={contexts} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={tick} interval={0} />
        <YAxis tick={tick} tickFormatter={scoreTick} width={56} />
        <Tooltip formatter={(v) => formatScore(Number(v))} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="best_score" name="best" fill={PALETTE[0]} maxBarSize={56} isAnimationActive={false} />
        <Bar dataKey="median_score" name="median" fill={PALETTE[1]} maxBarSize={56} isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}

/** Best and median score per preset version. */
export function TrendChart({ trend, height = 180 }: { trend: TrendPoint[]; height?: number }) {
  const data = trend.map((p) => ({ ...p, version: `v${p.version}` }));
  return (
    <Frame label="Score over versions" height={height}>
      <LineChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="version" tick={tick} />
        <YAxis tick={tick} tickFormatter={scoreTick} width={56} />
        <Tooltip formatter={(v) => formatScore(Number(v))} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line type="monotone" dataKey="best_score" name="best" stroke={PALETTE[0]} connectNulls dot />
        <Line type="monotone" dataKey="median_score" name="median" stroke={PALETTE[1]} connectNulls dot />
      </LineChart>
    </Frame>
  );
}

/** How much of the score each flag explains, largest first. */
export function ImportanceChart({ parameters }: { parameters: Importance['parameters'] }) {
  const height = Math.max(120, 36 * parameters.length + 40);
  const data = parameters.map((p) => ({ name: p.name, share: Math.round(p.importance * 1000) / 10 }));
  return (
    <Frame label="Parameter importance" height={height}>
      <BarChart data={data} layout="vertical" margin={{ top: 8, right: 52, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" domain={[0, 100]} tick={tick} unit="%" />
        <YAxis type="category" dataKey="name" tick={tick} width={170} />
        <Tooltip formatter={(v) => `${v}%`} />
        <Bar dataKey="share" name="share of the score's variance" fill={PALETTE[0]} maxBarSize={28} isAnimationActive={false}>
          <LabelList dataKey="share" position="right" fontSize={11} formatter={(v) => `${v}%`} />
        </Bar>
      </BarChart>
    </Frame>
  );
}

/** A flag's score per value: the box spans q1–q3, the thin bar min–max, the dot is the median. */
export function MarginalChart({ name, values }: { name: string; values: MarginalValue[] }) {
  const data = marginalRows(values);
  // Room above and below the scores, so a value seen once (no box, a lone dot) is not cut off.
  const lo = Math.min(...data.map((d) => d.range[0]));
  const hi = Math.max(...data.map((d) => d.range[1]));
  const pad = hi > lo ? (hi - lo) * 0.1 : Math.abs(hi) * 0.05 || 1;
  return (
    <Frame label={`Score per value of ${name}`} height={240}>
      <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis xAxisId="box" dataKey="label" tick={tick} />
        <XAxis xAxisId="whisker" dataKey="label" hide />
        <YAxis tick={tick} tickFormatter={scoreTick} width={56} domain={[lo - pad, hi + pad]} allowDataOverflow />
        <Tooltip
          formatter={(v, key) =>
            Array.isArray(v) ? `${formatScore(Number(v[0]))} – ${formatScore(Number(v[1]))}` : [formatScore(Number(v)), key]
          }
        />
        <Bar xAxisId="whisker" dataKey="range" name="min – max" fill="#adb5bd" barSize={3} isAnimationActive={false} />
        <Bar xAxisId="box" dataKey="iqr" name="q1 – q3" fill={PALETTE[1]} fillOpacity={0.6} barSize={28} isAnimationActive={false} />
        <Scatter xAxisId="box" dataKey="median" name="median" fill="#212529" isAnimationActive={false} />
      </ComposedChart>
    </Frame>
  );
}

/** The presets side by side: one group per context, a bar per preset (its best score there). */
export function CompareBarChart({ chart }: { chart: CompareChart }) {
  return (
    <Frame label="Best score per context, preset by preset" height={260}>
      <BarChart data={chart.rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="context" tick={tick} interval={0} />
        <YAxis tick={tick} tickFormatter={scoreTick} width={56} />
        <Tooltip formatter={(v) => formatScore(v === null ? null : Number(v))} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {chart.series.map((name, i) => (
          <Bar key={name} dataKey={name} fill={PALETTE[i % PALETTE.length]} maxBarSize={56} isAnimationActive={false} />
        ))}
      </BarChart>
    </Frame>
  );
}
