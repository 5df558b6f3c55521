/** Pure helpers of the analytics page: number formats and the rows the charts draw. */
import type { ParameterSpace, Scalar } from '../../../lib/parameterSpace';
import type { MarginalValue, PresetAnalytics, SuggestReason, Suggestion } from '../types';

/** A score for reading: 3 significant digits, thousands grouped; "—" when there is none. */
export function formatScore(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  return Number(value.toPrecision(3)).toString();
}

/** A rate in [0, 1] as a whole percentage; "—" when there is none. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${Math.round(rate * 100)}%`;
}

/** A parameter value as text (strings as they are, the rest as JSON). */
export function valueLabel(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '(none)';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export interface MarginalRow {
  label: string;
  n: number;
  mean: number;
  median: number;
  /** [q1, q3]: the box. */
  iqr: [number, number];
  /** [min, max]: the whiskers. */
  range: [number, number];
}

/** One flag's score distribution per value, as range bars (box q1–q3, whiskers min–max). */
export function marginalRows(values: MarginalValue[]): MarginalRow[] {
  return values.map((v) => ({
    label: valueLabel(v.value),
    n: v.n,
    mean: v.mean,
    median: v.median,
    iqr: [v.q1, v.q3],
    range: [v.min, v.max],
  }));
}

export interface CompareChart {
  /** One row per context: its label and each preset's best score under the preset's name. */
  rows: Array<{ context: string } & Record<string, number | string | null>>;
  /** The presets, in the order asked (the bars of each group). */
  series: string[];
}

/**
 * The grouped bars of the compare view: the contexts any of the presets ran in, each with every
 * preset's best score there (null where a preset never ran in it).
 */
export function compareChart(analyses: PresetAnalytics[]): CompareChart {
  const series = analyses.map((a) => a.preset_name);
  const byKey = new Map<string, { context: string } & Record<string, number | string | null>>();
  for (const a of analyses) {
    for (const c of a.contexts) {
      let row = byKey.get(c.key);
      if (!row) {
        row = { context: c.label };
        for (const name of series) row[name] = null;
        byKey.set(c.key, row);
      }
      row[a.preset_name] = c.best_score;
    }
  }
  return { rows: [...byKey.values()], series };
}

/** What the preset's values did in the tasks it shares with each of `others` (from its own analytics). */
export function headToHead(subject: PresetAnalytics, others: number[]) {
  return subject.compared.filter((c) => others.includes(c.preset_id));
}

/** The suggestion's space as the editors take it (flag -> values). */
export function suggestionSpace(suggestion: Pick<Suggestion, 'parameters'>): ParameterSpace {
  const out: ParameterSpace = {};
  for (const [flag, values] of Object.entries(suggestion.parameters)) {
    if (Array.isArray(values)) out[flag] = values.filter((v): v is Scalar => ['string', 'number', 'boolean'].includes(typeof v));
  }
  return out;
}

/** Reasons that say the same thing for several values of a flag, shown once with those values. */
export interface ReasonGroup {
  values: unknown[];
  source: SuggestReason['source'];
  text: string;
  experiments: number;
}

function groupReasons(reasons: SuggestReason[]): ReasonGroup[] {
  const groups: ReasonGroup[] = [];
  for (const r of reasons) {
    const same = groups.find((g) => g.source === r.source && g.text === r.text && g.experiments === r.experiments);
    if (same) same.values.push(r.value);
    else groups.push({ values: [r.value], source: r.source, text: r.text, experiments: r.experiments });
  }
  return groups;
}

/** The reasons for each flag (alike ones merged), in the suggestion's order of flags. */
export function reasonsByFlag(
  suggestion: Pick<Suggestion, 'parameters' | 'reasons'>,
): Array<{ flag: string; values: Scalar[]; reasons: ReasonGroup[] }> {
  const space = suggestionSpace(suggestion);
  const flags = [...Object.keys(space)];
  for (const r of suggestion.reasons) if (!flags.includes(r.flag)) flags.push(r.flag);
  return flags.map((flag) => ({
    flag,
    values: (space[flag] as Scalar[] | undefined) ?? [],
    reasons: groupReasons(suggestion.reasons.filter((r) => r.flag === flag)),
  }));
}

export const SOURCE_LABELS: Record<SuggestReason['source'], string> = {
  memory_model: 'memory model',
  history: 'history',
};

/** "history · 42 experiments" — the label under a value. */
export function reasonLabel(reason: Pick<SuggestReason, 'source' | 'experiments'>): string {
  const label = SOURCE_LABELS[reason.source] ?? reason.source;
  if (reason.source === 'history' || reason.experiments > 0) {
    return `${label} · ${reason.experiments} ${reason.experiments === 1 ? 'experiment' : 'experiments'}`;
  }
  return label;
}

/** Bytes as KiB / MiB for the figures (KV bytes per token). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
